/**
 * Real `sshd`s on loopback for the deploy tests and the deploy benchmark: each with its own host key
 * and port, one client key the daemons all accept, and a client ssh_config and known_hosts of their
 * own (`--ssh-config`), so nothing of the user's ~/.ssh is used.
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";

export const repoRoot = join(import.meta.dirname, "../..");
const cli = join(repoRoot, "dist/cli/main.js");

/** The newest modification time of the files under `dir`. */
function newest(dir: string): number {
  return Math.max(
    0,
    ...readdirSync(dir, { withFileTypes: true }).map((e) =>
      e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs,
    ),
  );
}

/** Builds the CLI unless `dist/` is newer than every source file (the tests run it as a process). */
async function buildIfStale(): Promise<void> {
  const built = statSync(cli, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  if (built < newest(join(repoRoot, "src"))) await execa("npm", ["run", "build"], { cwd: repoRoot });
}

export async function freePort(): Promise<number> {
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

export interface Sshds {
  /** The test's temporary folder; the fleet is `fleet/` in it. */
  work: string;
  fleetDir: string;
  ports: number[];
  daemons: ChildProcess[];
  /** Every daemon's public host key, `ssh-ed25519 AAAA…`. */
  hostKeys: string[];
  sshConfig: string;
  knownHosts: string;
  /** Adds a line to known_hosts (e.g. a wrong key for a name). */
  know(line: string): void;
  /** `grove deploy --dir fleet --ssh-config …` with more arguments; `env` is added to the environment. */
  grove(
    args: string[],
    env?: Record<string, string>,
  ): Promise<{ exitCode?: number | undefined; stdout: string; stderr: string }>;
  stop(): void;
}

/**
 * Starts `count` sshds; `env(i, work)` gives more environment for the logins of daemon `i`. Each
 * login's HOME is a folder of the test's own (so no shell start-up files run either).
 * Also builds the CLI when its sources changed.
 */
export async function startSshds(
  count: number,
  env: (i: number, work: string) => Record<string, string> = () => ({}),
): Promise<Sshds> {
  const work = mkdtempSync(join(tmpdir(), "grove-deploy-"));
  const fleetDir = join(work, "fleet");
  mkdirSync(join(fleetDir, "modules"), { recursive: true });
  writeFileSync(join(fleetDir, "package.json"), '{ "type": "module" }\n');
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
    rmSync(work, { recursive: true, force: true });
  };
  try {
    await keygen(join(work, "client"));
    writeFileSync(join(work, "authorized_keys"), readFileSync(join(work, "client.pub")));
    await Promise.all(Array.from({ length: count }, (_, i) => keygen(join(work, `host${i}`))));
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      ports.push(port);
      mkdirSync(join(work, `login${i}`));
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
          `SetEnv ${Object.entries({ HOME: join(work, `login${i}`), ...env(i, work) })
            .map(([k, v]) => `${k}=${v}`)
            .join(" ")}`,
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
    await buildIfStale();
  } catch (e) {
    // The ones started are stopped before the error goes on.
    stop();
    throw e;
  }
  return {
    work,
    fleetDir,
    ports,
    daemons,
    hostKeys,
    sshConfig,
    knownHosts,
    know: (line) => appendFileSync(knownHosts, `${line}\n`),
    grove: (args, env = {}) =>
      execa("node", [cli, "deploy", "--dir", fleetDir, "--ssh-config", sshConfig, ...args], {
        reject: false,
        timeout: 30_000,
        env: { NO_COLOR: "1", ...env },
      }),
    stop,
  };
}
