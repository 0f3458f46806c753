/**
 * What makes a home deploy safe, over real OpenSSH: health checks (a failing one rolls back), the
 * confirmation the target waits for (it rolls back by itself when the deployer is gone), secrets
 * (sealed for the target's own age key, decrypted there 0400 in a 0700 runtime folder, never in
 * plain text anywhere else) and `--rollback`. sshd 1 has no `age` on its login PATH.
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Secret } from "../../src/secrets/secret.js";
import { SecretStore } from "../../src/secrets/store.js";
import { repoRoot, type Sshds, startSshds } from "./sshd.js";

let sshds: Sshds;
let work: string;
const plaintext = "pl41n-t3xt-of-the-api-token";
const homeOf = (user: string) => join(work, "homes", user);
const read = (user: string, rel: string) => readFileSync(join(homeOf(user), rel), "utf8");
const state = (user: string) => join(homeOf(user), ".local/state/grove/deploy");

interface Dana {
  notes: string;
  checks?: Record<string, Record<string, unknown>>;
  /** The mode of sec@one's secret; unset, the default. */
  secretMode?: string;
}

/** dana@one: plain files and health checks; sec@one and bare@two: a secret. */
function writeFleet(dana: Dana): void {
  const deploy = (port: number) => `deploy: { host: "127.0.0.1", user: "root", port: ${port} }`;
  const secretHome = (id: string, user: string, port: number, mode?: string) =>
    `  home("${id}", { homeDirectory: ${JSON.stringify(homeOf(user))}, ${deploy(port)},\n` +
    `    module: { home: { file: { "plain.txt": { text: "plain" } } }, secrets: { "api-token": { target: ".config/app/token"${mode === undefined ? "" : `, mode: "${mode}"`} } } } }),\n`;
  writeFileSync(
    join(sshds.fleetDir, "modules/homes.ts"),
    'import { home, user } from "grove";\n' +
      "export default { imports: [\n" +
      ["dana", "sec", "bare"].map((u) => `  user("${u}", {}),\n`).join("") +
      `  home("dana@one", { homeDirectory: ${JSON.stringify(homeOf("dana"))}, ${deploy(sshds.ports[0]!)},\n` +
      `    module: { home: { file: { "notes.txt": { text: ${JSON.stringify(dana.notes)} } } }, deploy: { healthChecks: ${JSON.stringify(dana.checks ?? {})} } } }),\n` +
      secretHome("sec@one", "sec", sshds.ports[0]!, dana.secretMode) +
      secretHome("bare@two", "bare", sshds.ports[1]!) +
      "] };\n",
  );
}

const keyFile = () => join(work, "admin-age.txt");
const grove = (args: string[], env: Record<string, string> = {}) =>
  sshds.grove(["--confirm-timeout", "2", ...args], { SOPS_AGE_KEY_FILE: keyFile(), ...env });

beforeAll(async () => {
  // sshd 1's logins get a PATH of basic tools only: no `age` there.
  sshds = await startSshds(2, (i, dir) => (i === 1 ? { PATH: join(dir, "bare-bin") } : {}));
  work = sshds.work;
  const bin = join(work, "bare-bin");
  mkdirSync(bin, { recursive: true });
  for (const tool of [
    "sh",
    "cat",
    "mkdir",
    "rm",
    "ln",
    "readlink",
    "basename",
    "dirname",
    "grep",
    "sed",
    "mv",
  ]) {
    symlinkSync((await execa("sh", ["-c", `command -v ${tool}`])).stdout, join(bin, tool));
  }
  // The deployer's (an admin's) age identity, and the secret in the fleet's store, encrypted to it.
  await execa("age-keygen", ["-o", keyFile()]);
  const recipient = (await execa("age-keygen", ["-y", keyFile()])).stdout.trim();
  const store = new SecretStore(join(sshds.fleetDir, "sops"), { SOPS_AGE_KEY_FILE: keyFile() });
  await store.addUser("admin", recipient);
  await store.set("api-token", new Secret(new TextEncoder().encode(plaintext)), ["user:admin"]);
  writeFleet({ notes: "v1" });
}, 60_000);

afterAll(() => sshds.stop());

/** Every file under `dir` (following no links), except under `skip`. */
function filesUnder(dir: string, skip: string): string[] {
  if (!existsSync(dir) || dir === skip) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? filesUnder(p, skip) : e.isFile() ? [p] : [];
  });
}

describe("grove deploy: health checks, confirmation, secrets, --rollback", { timeout: 30_000 }, () => {
  it("passing health checks (command on the target, tcp and http from here) deploy the home", async () => {
    writeFleet({
      notes: "v1",
      checks: {
        linked: { command: `test "$(cat ${homeOf("dana")}/notes.txt)" = v1`, timeout: 5 },
        ssh: { tcp: `127.0.0.1:${sshds.ports[0]}`, timeout: 5 },
      },
    });
    const r = await grove(["dana@one"]);
    expect(r.stdout).toMatch(/dana@one +ok/);
    expect(r.exitCode).toBe(0);
    const log = readFileSync(join(sshds.fleetDir, ".grove/logs/dana@one.log"), "utf8");
    expect(log).toContain("health linked (command");
    expect(log).toContain(`health ssh (tcp 127.0.0.1:${sshds.ports[0]}): passed`);
    expect(log).toContain("confirmed");
    expect(read("dana", "notes.txt")).toBe("v1");
  });

  it("a failing health check rolls back to the previous generation", async () => {
    writeFleet({
      notes: "v2",
      checks: { broken: { command: "echo the service is down >&2; exit 1", timeout: 1 } },
    });
    const r = await grove(["dana@one"]);
    expect(r.stdout).toMatch(/dana@one +rolled back at health/);
    expect(r.stdout).toContain("health broken: failed within 1 s");
    expect(r.exitCode).toBe(1);
    expect(read("dana", "notes.txt")).toBe("v1");
    expect(existsSync(`${state("dana")}.lock`)).toBe(false);
  });

  it("a malformed health check fails that target before connecting, naming the option", async () => {
    writeFleet({
      notes: "v2",
      checks: { two: { tcp: "127.0.0.1:1", http: "http://127.0.0.1:1/", timeout: 1 } },
    });
    const r = await grove(["dana@one"]);
    expect(r.stdout).toMatch(/dana@one +failed at build/);
    expect(r.stdout).toContain("error[DeployHealthCheckInvalid]: deploy.healthChecks.two sets tcp and http");
    expect(read("dana", "notes.txt")).toBe("v1");
  });

  it("when the deployer is gone after activation, the target rolls itself back", async () => {
    writeFleet({ notes: "v3", checks: { slow: { command: "sleep 2", timeout: 3 } } });
    // Its own temporary folder, to close the shared connection the killed deploy leaves behind.
    // (Short: control socket paths are limited to about 100 bytes.)
    const tmp = mkdtempSync(join(tmpdir(), "gk-"));
    const cli = join(repoRoot, "dist/cli/main.js");
    const child: ChildProcess = spawn(
      "node",
      [
        cli,
        "deploy",
        "--dir",
        sshds.fleetDir,
        "--ssh-config",
        join(work, "ssh_config"),
        "--confirm-timeout",
        "1",
        "dana@one",
      ],
      { env: { ...process.env, TMPDIR: tmp, NO_COLOR: "1" }, stdio: ["ignore", "ignore", "pipe"] },
    );
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(() => fail(new Error("the deploy never reached its health check")), 15_000);
      // Progress lines may arrive split across chunks: look at everything seen so far.
      let seen = "";
      child.stderr!.on("data", (d: Buffer) => {
        seen += d.toString();
        if (!seen.includes("dana@one: health")) return;
        clearTimeout(timer);
        done();
      });
    });
    expect(read("dana", "notes.txt")).toBe("v3");
    child.kill("SIGKILL");
    for (const dir of readdirSync(tmp)) {
      for (const socket of readdirSync(join(tmp, dir))) {
        await execa("ssh", ["-O", "exit", "-o", `ControlPath=${join(tmp, dir, socket)}`, "x"], {
          reject: false,
        });
      }
    }
    // Armed for 1 s of confirmation plus the check's 3 s.
    const now = () => (existsSync(join(homeOf("dana"), "notes.txt")) ? read("dana", "notes.txt") : "");
    for (let i = 0; i < 200 && now() !== "v1"; i++) await new Promise((r) => setTimeout(r, 100));
    expect(read("dana", "notes.txt")).toBe("v1");
    expect(readFileSync(join(state("dana"), "watchdog.log"), "utf8")).toContain("not confirmed within 4 s");
    expect(existsSync(`${state("dana")}.lock`)).toBe(false);
    rmSync(tmp, { recursive: true, force: true });
  });

  it("--rollback returns a home to its previous generation, and back", async () => {
    writeFleet({ notes: "v4" });
    expect((await grove(["dana@one"])).exitCode).toBe(0);
    expect(read("dana", "notes.txt")).toBe("v4");
    // A confirmed deploy keeps the live and the previous generation only (v4 and v1).
    expect(readdirSync(join(state("dana"), "store"))).toHaveLength(2);
    expect(readdirSync(join(state("dana"), "leaves"))).toHaveLength(2);
    const r = await grove(["--rollback", "dana@one"]);
    expect(r.stdout).toContain("1 of 1 target rolled back.");
    expect(read("dana", "notes.txt")).toBe("v1");
    expect((await grove(["--rollback", "dana@one"])).exitCode).toBe(0);
    expect(read("dana", "notes.txt")).toBe("v4");
    expect((await grove(["--rollback"])).stderr).toContain("error[Usage]");
  });

  it("secrets arrive with their mode in a 0700 runtime folder, owned by the login; plain text nowhere else", async () => {
    writeFleet({ notes: "v4", secretMode: "0640" });
    const dry = await grove(["sec@one", "--dry-run"]);
    expect(dry.stdout).toContain("* secret api-token (mode 0640)");
    const r = await grove(["sec@one"]);
    expect(r.stdout).toMatch(/sec@one +ok/);
    const link = join(homeOf("sec"), ".config/app/token");
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(link, "utf8")).toBe(plaintext);
    const file = statSync(link);
    expect(file.mode & 0o7777).toBe(0o640);
    expect(file.uid).toBe(process.getuid!());
    const runtime = join(state("sec"), "runtime");
    expect(statSync(runtime).mode & 0o777).toBe(0o700);
    for (const set of readdirSync(runtime)) expect(statSync(join(runtime, set)).mode & 0o777).toBe(0o700);
    // Back to the default mode: the next deploy's new set has it.
    writeFleet({ notes: "v4" });
    expect((await grove(["sec@one"])).exitCode).toBe(0);
    expect(statSync(link).mode & 0o7777).toBe(0o400);
    // Each deploy makes a new set; only the live and the previous one stay.
    expect((await grove(["sec@one"])).exitCode).toBe(0);
    expect(readdirSync(runtime)).toHaveLength(2);
    expect(readFileSync(link, "utf8")).toBe(plaintext);
    const scanned = [
      ...filesUnder(homeOf("sec"), runtime),
      ...filesUnder(join(sshds.fleetDir, ".grove"), ""),
    ];
    expect(scanned.some((f) => f.endsWith(".age"))).toBe(true);
    expect(scanned.some((f) => f.endsWith("sec@one.log"))).toBe(true);
    for (const f of scanned) expect(readFileSync(f, "utf8"), f).not.toContain(plaintext);
    expect(`${r.stdout}${r.stderr}${dry.stdout}`).not.toContain(plaintext);
  });

  it("a target without age fails at plan, saying so, and is left untouched", async () => {
    const r = await grove(["bare@two", "sec@one"]);
    expect(r.stdout).toMatch(/bare@two +failed at plan/);
    expect(r.stdout).toContain("the home has secrets, but the target has no `age' on its PATH");
    expect(r.stdout).toMatch(/sec@one +ok/);
    expect(existsSync(homeOf("bare"))).toBe(false);
  });
});
