/**
 * The fleet commands (`eval`, `why`, `options`, `sync`, `init`) of the real built CLI, on the
 * example fleet and on temporary fleets.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { writeFleet } from "./helpers.js";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CLI = join(REPO, "dist", "cli", "main.js");
const TSC = join(REPO, "node_modules", "typescript", "bin", "tsc");
const EXAMPLE = join(REPO, "examples", "fleet");

async function grove(args: string[], cwd = REPO) {
  const r = await execa(process.execPath, [CLI, ...args], { cwd, reject: false, env: { NO_COLOR: "1" } });
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

let work: string;

const fleet = (files: Record<string, string>) => writeFleet(work, files);

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "grove-fleet-cli-"));
});

describe("grove eval on the example fleet", () => {
  it("runs as the README's first command does, `npx grove` on a fresh clone after `npm ci`", async () => {
    // npx runs the package's own bin through its shebang: the build must leave it executable.
    const r = await execa("npx", ["grove", "eval", "--dir", "examples/fleet", "--json"], {
      cwd: REPO,
      reject: false,
      env: { NO_COLOR: "1" },
    });
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    expect(Object.keys(JSON.parse(r.stdout).machines).length).toBeGreaterThan(0);
  });

  it("prints every machine and every home, as the snapshot records", async () => {
    const r = await grove(["eval", "--dir", "examples/fleet", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    const value = JSON.parse(r.stdout);
    expect(Object.keys(value.machines)).toEqual(["basalt", "cinnabar", "obsidian", "quartz", "tensor"]);
    expect(Object.keys(value.homes)).toEqual([
      "bob@basalt",
      "alice@cinnabar",
      "bob@obsidian",
      "alice@quartz",
      "carol@tensor",
      "carol@buildbox",
    ]);
    expect(value.homes["carol@tensor"].home.packages).toContainEqual({ $package: "python3Packages.torch" });
    expect(value.homes["alice@quartz"].home.packages).not.toContainEqual({
      $package: "python3Packages.torch",
    });
    await expect(r.stdout).toMatchFileSnapshot("__snapshots__/example-eval.json");
  });

  it("prints one option of one machine, and names a missing one", async () => {
    const ok = await grove([
      "eval",
      "cinnabar",
      "networking.firewall.allowedTCPPorts",
      "--dir",
      "examples/fleet",
      "--json",
    ]);
    expect(JSON.parse(ok.stdout)).toEqual([22, 80, 443]);
    const bad = await grove(["eval", "cinnabar", "networking.firewal", "--dir", "examples/fleet"]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain("`networking.firewal' is not set in cinnabar");
  });

  it("finds the fleet from a folder inside it", async () => {
    const r = await grove(["eval", "quartz", "networking.hostName"], join(EXAMPLE, "modules", "shell"));
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toBe("quartz");
  });
});

describe("the example's inventory and vars", () => {
  it("assigns the mesh peers by tag, and every generated var is present and fresh", async () => {
    const inv = await grove(["inventory", "--dir", "examples/fleet", "--json"]);
    const value = JSON.parse(inv.stdout);
    expect(value.instances.mesh.roles.peer.sort()).toEqual(["basalt", "cinnabar", "tensor"]);
    expect(value.machines.quartz.roles).toEqual([]);
    const check = await grove(["vars", "check", "--dir", "examples/fleet"]);
    expect(check.exitCode).toBe(0);
    const peers = JSON.parse(
      (
        await grove([
          "eval",
          "cinnabar",
          "networking.wireguard.interfaces.mesh.peers",
          "--dir",
          "examples/fleet",
          "--json",
        ])
      ).stdout,
    );
    expect(peers.map((p: { name: string }) => p.name)).toEqual(["basalt", "tensor"]);
    for (const p of peers) expect(p.publicKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });
});

describe("grove why", () => {
  it("lists every definition with file:line, priority and which won", async () => {
    const r = await grove([
      "why",
      "cinnabar",
      "networking.firewall.allowedTCPPorts",
      "--dir",
      "examples/fleet",
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(
      /\* examples\/fleet\/modules\/machines\/servers\.ts.*:\d+ \(priority 50\): applied/,
    );
    expect(r.stdout).toMatch(
      /- examples\/fleet\/modules\/ssh\/server\.ts.*:\d+ \(priority 100\): overridden/,
    );
    expect(r.stdout).toMatch(/web\.ts.*\(priority 100\), order 1500: overridden/);
  });

  it("refuses a path that is not a declared option", async () => {
    const r = await grove(["why", "cinnabar", "services.nginx.enable", "--dir", "examples/fleet"]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("error[UndefinedOption]");
  });
});

describe("grove options", () => {
  it("documents a class's options, nested submodule options included", async () => {
    const r = await grove(["options", "home", "--json"]);
    const docs = JSON.parse(r.stdout) as { path: string; type: string; default?: unknown }[];
    const text = docs.find((d) => d.path === "home.file.<name>.text");
    expect(text?.type).toBe('null or strings concatenated with "\\n"');
    expect(docs.find((d) => d.path === "programs.git.enable")?.default).toBe(false);
    const md = await grove(["options", "nixos", "--md"]);
    expect(md.stdout).toContain("## `networking.firewall.allowedTCPPorts`");
    const bad = await grove(["options", "nixso"]);
    expect(bad.stderr).toContain("Did you mean `nixos'?");
  });
});

describe("grove sync", () => {
  it("writes types that tsc accepts for the example and rejects a typo with", async () => {
    const copy = join(work, "example");
    cpSync(EXAMPLE, copy, { recursive: true, filter: (p) => !p.includes(".grove") });
    const tsconfig = JSON.parse(readFileSync(join(copy, "tsconfig.json"), "utf8"));
    tsconfig.compilerOptions.paths.grove = [join(REPO, "dist", "index.d.ts")];
    writeFileSync(join(copy, "tsconfig.json"), JSON.stringify(tsconfig));
    const first = await grove(["sync", "--dir", copy]);
    expect(first.stdout).toContain("wrote .grove/types.d.ts");
    expect((await grove(["sync", "--dir", copy])).stdout).toContain("up to date");
    const ok = await execa(process.execPath, [TSC, "-p", copy], { reject: false });
    expect(ok.stdout).toBe("");
    expect(ok.exitCode).toBe(0);
    writeFileSync(
      join(copy, "modules", "typo.ts"),
      'import { aspect, machine } from "grove";\n' +
        'export const a = aspect("typo", { home: { home: { file: { x: { txt: "hi" } } } } });\n' +
        'export default machine("typo", { class: "nixos", system: "x86_64-linux", aspects: ["shel"] });\n',
    );
    const bad = await execa(process.execPath, [TSC, "-p", copy], { reject: false });
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stdout).toContain("'txt' does not exist");
    expect(bad.stdout).toContain(`Type '"shel"' is not assignable`);
  });
});

describe("grove init", () => {
  it("creates a fleet that evaluates", async () => {
    const dir = join(work, "new-fleet");
    const r = await grove(["init", dir]);
    expect(r.exitCode).toBe(0);
    const ev = await grove(["eval", "--dir", dir, "--json"]);
    expect(ev.stderr).toBe("");
    const value = JSON.parse(ev.stdout);
    expect(Object.keys(value.machines)).toEqual(["workstation"]);
    expect(Object.keys(value.homes)).toHaveLength(1);
    expect(Object.values<any>(value.homes)[0].programs.git.enable).toBe(true);
    const again = await grove(["init", dir]);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain("already holds a fleet");
  });
});

describe("bad fleets", () => {
  it("names a file that exports nothing", async () => {
    const root = fleet({ "modules/empty.ts": "export const x = 1;\n" });
    const r = await grove(["eval", "--dir", root]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/error\[NotAModule\]: .*empty\.ts exports nothing \(no default export\)/);
  });

  it("names a file that fails to load, with its line", async () => {
    const root = fleet({ "modules/broken.ts": "export default {\n  config: { a: 1 ,, }\n};\n" });
    const r = await grove(["eval", "--dir", root]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("error[ModuleLoadFailed]");
    expect(r.stderr).toMatch(/broken\.ts.*2/);
  });

  it("says where to look when there is no fleet", async () => {
    const r = await grove(["eval"], work);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("error[FleetNotFound]");
    expect(r.stderr).toContain("grove init");
  });

  it("reports modules that import each other", async () => {
    const root = fleet({
      "modules/cycle.ts":
        "const a: any = { imports: [] };\nconst b = { imports: [a] };\na.imports.push(b);\nexport default a;\n",
    });
    const r = await grove(["eval", "--dir", root]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("error[ImportCycle]");
  });

  it("warns about a pass-through name one letter from a declared option, naming its file", async () => {
    const root = fleet({
      "modules/typo.ts":
        'import { aspect, machine } from "grove";\n' +
        "export default { imports: [\n" +
        '  aspect("web", { nixos: { networking: { hsotName: "w1", firewall: { allowedTCPPorts: [80] } },\n' +
        "    boot: { loader: { grub: { enable: true } } }, services: { nginx: { enable: true } } } }),\n" +
        '  machine("m", { class: "nixos", system: "x86_64-linux", aspects: ["web"] }),\n' +
        "] };\n",
    });
    const r = await grove(["eval", "m", "networking", "--dir", root, "--json"]);
    expect(r.exitCode).toBe(0);
    const warnings = r.stderr.split("\n").filter((l) => l.startsWith("warning: "));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^warning: `networking\.hsotName' \(.*typo\.ts.*:3\) is not an option Grove declares, so it goes to Nix as written\. Did you mean `networking\.hostName'\?$/,
    );
    // The value still passes through: a warning, not a refusal.
    expect(JSON.parse(r.stdout).hsotName).toBe("w1");
  });

  it("reports an eager config read with the file and the fix", async () => {
    const root = fleet({
      "modules/eager.ts":
        'import { aspect, machine } from "grove";\n' +
        "export default { imports: [\n" +
        '  aspect("e", { nixos: ({ config }: any) => ({ networking: { domain: config.networking.hostName } }) }),\n' +
        '  machine("m", { class: "nixos", system: "x86_64-linux", aspects: ["e"] }),\n' +
        "] };\n",
    });
    const r = await grove(["eval", "--dir", root]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("error[EagerConfigRead]");
    expect(r.stderr).toContain("eager.ts");
    expect(r.stderr).toContain("getter");
  });
});
