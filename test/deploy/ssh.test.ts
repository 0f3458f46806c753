/**
 * `grove deploy` end to end over real OpenSSH: three `sshd`s on loopback, each with its own host
 * key and port, a client ssh_config and known_hosts of the test's own (`--ssh-config`), and
 * standalone homes whose home directories are temporary folders.
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sshds, startSshds } from "./sshd.js";

let sshds: Sshds;
let work: string;
let fleetDir: string;
let ports: number[];
let daemons: Sshds["daemons"];

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

beforeAll(async () => {
  sshds = await startSshds(3);
  ({ work, fleetDir, ports, daemons } = sshds);
  // eve@one reaches sshd 0 as `localhost`, recorded with sshd 1's key: a changed host key.
  writeFileSync(
    join(work, "known_hosts"),
    `${readFileSync(join(work, "known_hosts"), "utf8")}[localhost]:${ports[0]} ${sshds.hostKeys[1]}\n`,
  );
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
    const before = readFileSync(join(work, "known_hosts"), "utf8");
    const r = await grove(["eve@one", "bob@two"]);
    expect(r.stdout).toMatch(/eve@one +failed at connect/);
    expect(r.stdout).toContain("Host key verification failed.");
    expect(r.stdout).toMatch(/bob@two +ok/);
    expect(r.exitCode).toBe(1);
    expect(existsSync(homeOf("eve"))).toBe(false);
    expect(readFileSync(join(work, "known_hosts"), "utf8")).toBe(before);
  });

  it("an unreachable target fails; the others still deploy", async () => {
    daemons[2]!.kill();
    await new Promise((r) => daemons[2]!.once("exit", r));
    const r = await grove(["carol@three", "alice@one"]);
    expect(r.stdout).toMatch(/carol@three +failed at connect/);
    expect(r.stdout).toMatch(/alice@one +ok/);
    expect(r.stdout).toContain("1 of 2 targets deployed.");
    expect(r.exitCode).toBe(1);
  });
});
