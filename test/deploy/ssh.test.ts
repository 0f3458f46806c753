/**
 * `grove deploy` end to end over real OpenSSH: three `sshd`s on loopback, each with its own host
 * key and port, a client ssh_config and known_hosts of the test's own (`--ssh-config`), and
 * standalone homes whose home directories are temporary folders.
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shellQuote } from "../../src/deploy/script.js";
import { repoRoot, type Sshds, startSshds } from "./sshd.js";

let sshds: Sshds;
let work: string;
let fleetDir: string;
let ports: number[];

const homeOf = (user: string) => join(work, "homes", user);

/** The fleet: alice on sshd 0, bob on 1, carol on 2, eve on sshd 0 under a name with a wrong key. */
function writeFleet(alice: Record<string, string>): void {
  const h = (id: string, user: string, host: string, port: number, files: Record<string, string>) =>
    `  home(${JSON.stringify(id)}, { system: "x86_64-linux", homeDirectory: ${JSON.stringify(homeOf(user))},\n` +
    `    deploy: { host: ${JSON.stringify(host)}, user: "root", port: ${port} },\n` +
    `    module: { home: { file: ${JSON.stringify(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, { text: v }])))} } } }),\n`;
  writeFileSync(
    join(fleetDir, "modules/homes.ts"),
    'import { home, machine, user } from "grove";\n' +
      "export default { imports: [\n" +
      ["alice", "bob", "carol", "eve"].map((u) => `  user("${u}", { fullName: "${u}" }),\n`).join("") +
      h("alice@one", "alice", "127.0.0.1", ports[0]!, alice) +
      h("bob@two", "bob", "127.0.0.1", ports[1]!, { "notes.txt": "bob" }) +
      h("carol@three", "carol", "127.0.0.1", ports[2]!, { "notes.txt": "carol" }) +
      h("eve@one", "eve", "localhost", ports[0]!, { "notes.txt": "eve" }) +
      '  machine("plain", { class: "nixos", system: "x86_64-linux", tags: ["web"] }),\n' +
      "] };\n",
  );
}

const grove = (args: string[]) => sshds.grove(args);

/** `grove deploy` with its output on a terminal (util-linux `script`): what the terminal got. */
async function groveInTerminal(args: string[], env: Record<string, string>) {
  const deploy = ["node", join(repoRoot, "dist/cli/main.js"), "deploy", "--dir", fleetDir];
  const command = `stty cols 100 rows 40; ${[...deploy, "--ssh-config", sshds.sshConfig, ...args].map(shellQuote).join(" ")}`;
  const r = await execa("script", ["-qfec", command, "/dev/null"], {
    reject: false,
    timeout: 30_000,
    env: { NO_COLOR: "1", CI: "", ...env },
  });
  return { exitCode: r.exitCode, text: stripVTControlCharacters(r.stdout).replaceAll("\r", "") };
}

beforeAll(async () => {
  sshds = await startSshds(3);
  ({ work, fleetDir, ports } = sshds);
  // eve@one reaches sshd 0 as `localhost`, recorded with sshd 1's key: a changed host key.
  sshds.know(`[localhost]:${ports[0]} ${sshds.hostKeys[1]}`);
  writeFleet({ "notes.txt": "one" });
}, 60_000);

afterAll(() => sshds.stop());

const read = (user: string, rel: string) => readFileSync(join(homeOf(user), rel), "utf8");

describe("grove deploy over OpenSSH", { timeout: 30_000 }, () => {
  it("refuses an unknown target before connecting, naming the nearest", async () => {
    const r = await grove(["alic@one"]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(
      "error[UnknownDeployTarget]: There is no machine or standalone home `alic@one'.",
    );
    expect(r.stderr).toContain("Did you mean `alice@one'");
    expect((await grove(["@nope"])).stderr).toContain("No machine or home has the tag `nope'.");
  });

  it("dry run shows what would change and touches nothing", async () => {
    const r = await grove(["alice@one", "--dry-run"]);
    expect(r.stdout).toContain("alice@one");
    expect(r.stdout).toContain("planned");
    expect(r.stdout).toContain("+ notes.txt");
    expect(r.exitCode).toBe(0);
    expect(existsSync(join(homeOf("alice"), "notes.txt"))).toBe(false);
  });

  it("deploys two homes in parallel; a machine without deploy target is skipped", async () => {
    const r = await grove(["alice@one", "bob@two", "plain", "--jobs", "2"]);
    expect(r.stdout).toMatch(/alice@one +ok/);
    expect(r.stdout).toMatch(/bob@two +ok/);
    expect(r.stdout).toMatch(/plain +skipped: no deploy target/);
    expect(r.exitCode).toBe(1);
    expect(read("alice", "notes.txt")).toBe("one");
    expect(read("bob", "notes.txt")).toBe("bob");
    expect(lstatSync(join(homeOf("alice"), "notes.txt")).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(fleetDir, ".grove/logs/alice@one.log"), "utf8")).toContain("== activate");
    expect((await grove(["alice@one", "bob@two"])).exitCode).toBe(0);
  });

  it("a failing activation rolls back to the previous generation", async () => {
    writeFleet({ "notes.txt": "two", ".config/app/conf": "x" });
    // A plain file where a folder is needed: linking fails after `current` moved.
    mkdirSync(join(homeOf("alice"), ".config"), { recursive: true });
    writeFileSync(join(homeOf("alice"), ".config/app"), "mine");
    const r = await grove(["alice@one"]);
    expect(r.stdout).toMatch(/alice@one +rolled back at activate/);
    expect(r.exitCode).toBe(1);
    expect(read("alice", "notes.txt")).toBe("one");
    expect(read("alice", ".config/app")).toBe("mine");
    rmSync(join(homeOf("alice"), ".config/app"));
    expect((await grove(["alice@one"])).exitCode).toBe(0);
    expect(read("alice", "notes.txt")).toBe("two");
    expect(read("alice", ".config/app/conf")).toBe("x");
  });

  it("refuses to replace a file Grove does not own, changing nothing", async () => {
    writeFleet({ "notes.txt": "three", "mine.txt": "grove" });
    writeFileSync(join(homeOf("alice"), "mine.txt"), "the user's");
    const r = await grove(["alice@one"]);
    expect(r.stdout).toMatch(/alice@one +failed at activate/);
    expect(r.stdout).toContain("mine.txt");
    expect(read("alice", "mine.txt")).toBe("the user's");
    expect(read("alice", "notes.txt")).toBe("two");
    rmSync(join(homeOf("alice"), "mine.txt"));
  });

  it("the lock refuses a concurrent deploy, naming the holder", async () => {
    const lock = join(homeOf("bob"), ".local/state/grove/deploy.lock");
    mkdirSync(lock, { recursive: true });
    writeFileSync(join(lock, "holder"), "mallory@elsewhere pid 42\n");
    const r = await grove(["bob@two"]);
    expect(r.stdout).toMatch(/bob@two +failed at lock/);
    expect(r.stdout).toContain("locked by mallory@elsewhere pid 42");
    expect(existsSync(lock)).toBe(true);
    rmSync(lock, { recursive: true });
  });

  it("a changed host key fails that target only; nothing is accepted or changed", async () => {
    const before = readFileSync(sshds.knownHosts, "utf8");
    const r = await grove(["eve@one", "bob@two"]);
    expect(r.stdout).toMatch(/eve@one +failed at connect/);
    expect(r.stdout).toContain("Host key verification failed.");
    expect(r.stdout).toMatch(/bob@two +ok/);
    expect(r.exitCode).toBe(1);
    expect(existsSync(homeOf("eve"))).toBe(false);
    expect(readFileSync(sshds.knownHosts, "utf8")).toBe(before);
  });

  it("without a terminal, progress is `target: step` lines as they happen", async () => {
    const first = await grove(["carol@three", "plain", "--jobs", "1"]);
    const steps = ["connect", "plan", "lock", "upload", "activate", "check", "confirm"];
    expect(first.stderr.split("\n")).toEqual([
      ...steps.map((s) => `carol@three: ${s}`),
      "carol@three: ok",
      "plain: skipped: no deploy target (deploy.host is not set)",
    ]);
    expect(first.stdout).toMatch(/carol@three +ok\n/);
    // Deploying again shows the same steps (the upload then only refreshes the target's program).
    const again = await grove(["carol@three"]);
    expect(again.stderr).toBe([...steps, "ok"].map((s) => `carol@three: ${s}`).join("\n"));
    expect(again.exitCode).toBe(0);
  });

  it("on a terminal, one live row per target; plain lines in CI or with --no-progress", async () => {
    const live = await groveInTerminal(["bob@two", "plain", "eve@one"], {});
    // The rows' final frame, then the summary.
    expect(live.text).toContain(
      [
        "✔ bob@two  ok",
        "↓ plain    skipped: no deploy target (deploy.host is not set)",
        "✖ eve@one  failed at connect",
      ].join("\n"),
    );
    expect(live.text).toMatch(/bob@two +ok\n/);
    expect(live.text).toContain("1 of 3 targets deployed.");
    expect(live.text).not.toContain("bob@two: connect");
    expect(live.exitCode).toBe(1);
    for (const [args, env] of [
      [["--no-progress"], {}],
      [[], { CI: "true" }],
    ] as const) {
      const plain = await groveInTerminal(["bob@two", ...args], env);
      expect(plain.text).toContain("bob@two: connect\nbob@two: plan\n");
      expect(plain.text).not.toContain("✔");
      expect(plain.exitCode).toBe(0);
    }
  });

  it("an unreachable target fails; the others still deploy", async () => {
    const carol = sshds.daemons[2]!;
    carol.kill();
    await new Promise((r) => carol.once("exit", r));
    const r = await grove(["carol@three", "alice@one"]);
    expect(r.stdout).toMatch(/carol@three +failed at connect/);
    expect(r.stdout).toMatch(/alice@one +ok/);
    expect(r.stdout).toContain("1 of 2 targets deployed.");
    expect(r.exitCode).toBe(1);
  });
});
