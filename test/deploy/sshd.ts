/**
 * Real OpenSSH servers on loopback for deploy tests and the deploy benchmark: each `sshd` with its
 * own host key and port, one client key they all accept, and a client ssh_config and known_hosts
 * of their own (pass `sshConfig` as `--ssh-config`), so nothing of the user's ~/.ssh is used.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { join } from "node:path";
import { execa } from "execa";

export interface Sshds {
  ports: number[];
  daemons: ChildProcess[];
  /** Each server's public host key, `type base64`. */
  hostKeys: string[];
  sshConfig: string;
  knownHosts: string;
  /** Adds a line to known_hosts (e.g. a wrong key for a name). */
  know(line: string): void;
  stop(): void;
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
    s.on("error", fail);
  });
}

/** Waits, at most 5 s, until something accepts connections on the port. */
async function listening(port: number, daemon: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (daemon.exitCode !== null) throw new Error(`sshd on ${port} exited with ${daemon.exitCode}`);
    const ok = await new Promise<boolean>((done) => {
      const c = createConnection(port, "127.0.0.1", () => {
        c.destroy();
        done(true);
      });
      c.on("error", () => done(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd on ${port} did not start within 5 s`);
}

/**
 * Starts `count` sshd on 127.0.0.1, their files in `work`, accepting the client key for whoever
 * they can log in as (any user when run as root). If starting fails part way, the ones started are
 * stopped before the error is thrown; otherwise call `stop()`.
 */
export async function startSshds(work: string, count: number): Promise<Sshds> {
  // sshd refuses to start without its privilege separation folder.
  mkdirSync("/run/sshd", { recursive: true });
  const keygen = (file: string) =>
    execa("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", file], { timeout: 10_000 });
  const knownHosts = join(work, "known_hosts");
  const sshConfig = join(work, "ssh_config");
  const ports: number[] = [];
  const daemons: ChildProcess[] = [];
  const hostKeys: string[] = [];
  const stop = () => {
    for (const d of daemons) d.kill();
  };
  try {
    await keygen(join(work, "client"));
    writeFileSync(join(work, "authorized_keys"), readFileSync(join(work, "client.pub")));
    await Promise.all(Array.from({ length: count }, (_, i) => keygen(join(work, `host${i}`))));
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      ports.push(port);
      const config = join(work, `sshd${i}.conf`);
      writeFileSync(
        config,
        [
          `Port ${port}`,
          "ListenAddress 127.0.0.1",
          `HostKey ${join(work, `host${i}`)}`,
          `PidFile ${join(work, `sshd${i}.pid`)}`,
          "UsePAM no",
          "StrictModes no",
          `AuthorizedKeysFile ${join(work, "authorized_keys")}`,
          "PasswordAuthentication no",
          // scp speaks SFTP by default (the deploy benchmark's baseline uses it).
          "Subsystem sftp internal-sftp",
          "",
        ].join("\n"),
      );
      daemons.push(spawn("/usr/sbin/sshd", ["-D", "-e", "-f", config], { stdio: "ignore" }));
      hostKeys.push(
        readFileSync(join(work, `host${i}.pub`), "utf8")
          .split(" ")
          .slice(0, 2)
          .join(" "),
      );
    }
    writeFileSync(knownHosts, ports.map((p, i) => `[127.0.0.1]:${p} ${hostKeys[i]}\n`).join(""));
    writeFileSync(
      sshConfig,
      `Host *\n  IdentityFile ${join(work, "client")}\n  IdentitiesOnly yes\n  UserKnownHostsFile ${knownHosts}\n  GlobalKnownHostsFile /dev/null\n`,
    );
    await Promise.all(ports.map((p, i) => listening(p, daemons[i]!)));
  } catch (e) {
    stop();
    throw e;
  }
  return {
    ports,
    daemons,
    hostKeys,
    sshConfig,
    knownHosts,
    know: (line) => appendFileSync(knownHosts, `${line}\n`),
    stop,
  };
}
