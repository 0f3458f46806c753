/**
 * `grove home` on homes of a fleet, through the real built CLI: the example fleet's integrated and
 * standalone homes, an edited copy of it, and small temporary fleets. Homes are temporary folders
 * (`--home`, or `$HOME` pointed at one) — never the real home.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isLink, removeTree, snapshot } from "../activate/helpers.js";
import { writeFleet } from "./helpers.js";

const repoRoot = join(import.meta.dirname, "../..");
const cli = join(repoRoot, "dist/cli/main.js");
const example = join(repoRoot, "examples/fleet");

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "grove-home-fleet-"));
});
afterAll(() => removeTree(work));

/** A new empty folder to use as a home. */
function newHome(): string {
  return mkdtempSync(join(work, "home-"));
}

function grove(args: string[], env: Record<string, string> = {}) {
  return execa("node", [cli, "home", ...args], {
    reject: false,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", NO_COLOR: "1", ...env },
    extendEnv: false,
  });
}

const fleet = (files: Record<string, string>) => writeFleet(work, files);

const read = (home: string, rel: string) => readFileSync(join(home, rel), "utf8");

describe.concurrent("grove home on the example fleet", () => {
  it("switches alice@cinnabar: every rendered file is linked, a second switch changes nothing", async () => {
    const home = newHome();
    const r = await grove(["switch", "alice@cinnabar", "--dir", example, "--home", home]);
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("Generation 1 is live (was none).");
    expect(r.stdout).toContain(
      "note: 3 packages need Nix: ripgrep, fd, jq (run `grove build` and home-manager, or install them yourself).",
    );
    const targets = [
      ".config/git/config",
      ".config/git/ignore",
      ".config/grove/session-vars.sh",
      ".config/starship.toml",
      ".config/zsh/host",
      ".ssh/config",
      ".zshenv",
      ".zshrc",
    ];
    for (const t of targets) expect(isLink(join(home, t)), t).toBe(true);
    const files = Object.entries(snapshot(home))
      .filter(([, v]) => v.startsWith("link "))
      .map(([k]) => k);
    expect(files).toEqual(targets);
    expect(read(home, ".config/zsh/host")).toBe("alice\n");
    expect(read(home, ".config/git/config")).toContain(
      '[user]\n\temail = "alice@example.org"\n\tname = "Alice Example"\n',
    );
    expect(read(home, ".ssh/config")).toContain(
      "Host basalt\n  HostName basalt.example.org\n  User root\n  Port 2222\n",
    );
    expect(read(home, ".config/starship.toml")).toContain('success_symbol = "[➜](bold green)"');
    expect(read(home, ".zshrc")).toContain("alias -- ll='ls -l'");

    const before = snapshot(home, "");
    const again = await grove(["switch", "alice@cinnabar", "--dir", example, "--home", home]);
    expect(again.stdout).toContain("Nothing to change: generation 1 is live.");
    expect(snapshot(home, "")).toEqual(before);
  });

  it("switches the standalone home carol@buildbox, whose session variables the shells read", async () => {
    const home = newHome();
    const r = await grove(["switch", "carol@buildbox", "--dir", example, "--home", home]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/note: 9 packages need Nix: gnumake, gcc, .*python3Packages\.numpy \(/);
    const vars = read(home, ".config/grove/session-vars.sh");
    expect(vars).toContain('  export TMPDIR="/scratch/carol/tmp"\n');
    const zsh = await execa("zsh", ["-c", 'printf "%s %s" "$TMPDIR" "$EDITOR"'], {
      env: { HOME: home, PATH: process.env.PATH ?? "/usr/bin:/bin" },
      extendEnv: false,
    });
    expect(zsh.stdout).toBe("/scratch/carol/tmp nvim");
  });

  it("changes nothing on a dry run, and says what it would do", async () => {
    const home = newHome();
    const r = await grove(["switch", "alice@cinnabar", "--dir", example, "--home", home, "--dry-run"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("would link to");
    expect(r.stdout).toContain("Dry run: generation 1 would be live.");
    expect(r.stdout).toContain("note: 3 packages need Nix");
    expect(snapshot(home, "")).toEqual({});
  });

  it("builds a generation without activating it", async () => {
    const home = newHome();
    const r = await grove(["build", "bob@obsidian", "--dir", example, "--home", home]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Built generation [0-9a-f]{32} \(7 entries\):\n/);
    expect(r.stdout).toContain("note: 9 packages need Nix: nodejs_22, pnpm,");
    expect(existsSync(join(home, ".zshrc"))).toBe(false);
  });

  it("refuses, without --home, a home that is not $USER's or not at $HOME", async () => {
    const home = newHome();
    const bob = await grove(["switch", "alice@cinnabar", "--dir", example], { HOME: home, USER: "bob" });
    expect(bob.exitCode).toBe(1);
    expect(bob.stderr).toContain(
      "error[HomeUserMismatch]: The home alice@cinnabar is for the user alice, but $USER is bob.",
    );
    const elsewhere = await grove(["switch", "alice@cinnabar", "--dir", example], {
      HOME: home,
      USER: "alice",
    });
    expect(elsewhere.stderr).toContain(`is for the home /home/alice, but $HOME is ${home}.`);
    const back = await grove(["rollback", "alice@cinnabar", "--dir", example], { HOME: home, USER: "bob" });
    expect(back.stderr).toContain("error[HomeUserMismatch]: The home alice@cinnabar is for the user alice");
    expect(snapshot(home, "")).toEqual({});
  });

  it("refuses a spec together with a home of the fleet", async () => {
    const r = await grove(["switch", "alice@cinnabar", "--spec", "x.json", "--home", newHome()]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("error[Usage]: `--spec` names the home by itself");
  });
});

describe("grove home on an edited copy of the example", () => {
  it("switches to the change, shows it, and rolls back", async () => {
    const copy = mkdtempSync(join(work, "example-"));
    cpSync(example, copy, { recursive: true, filter: (src) => !src.includes(`${"/"}.grove`) });
    const home = newHome();
    const args = ["alice@cinnabar", "--dir", copy, "--home", home];
    expect((await grove(["switch", ...args])).exitCode).toBe(0);
    expect(read(home, ".config/git/config")).toContain('defaultBranch = "main"');

    const aspect = join(copy, "modules/git/git.ts");
    writeFileSync(
      aspect,
      readFileSync(aspect, "utf8").replace('defaultBranch: "main"', 'defaultBranch: "trunk"'),
    );
    const changed = await grove(["switch", ...args]);
    expect(changed.stdout).toContain("Generation 2 is live (was 1).");
    expect(read(home, ".config/git/config")).toContain('defaultBranch = "trunk"');

    const diff = await grove(["diff", "--home", home]);
    expect(diff.stdout).toContain("Generation 1 → 2: 1 change");
    expect(diff.stdout).toContain('-\tdefaultBranch = "main"\n    +\tdefaultBranch = "trunk"');

    const back = await grove(["rollback", "--home", home]);
    expect(back.stdout).toContain("Generation 1 is live (was 2).");
    expect(read(home, ".config/git/config")).toContain('defaultBranch = "main"');
    const list = JSON.parse((await grove(["generations", "--home", home, "--json"])).stdout);
    expect(list.map((g: { number: number; current: boolean }) => [g.number, g.current])).toEqual([
      [1, true],
      [2, false],
    ]);
  });
});

describe.concurrent("grove home on small fleets", () => {
  const host = hostname().split(".")[0]!;

  it("without user@host, activates the one home for $USER on this host into $HOME", async () => {
    const home = newHome();
    const root = fleet({
      "modules/tester.ts":
        'import { home, user } from "grove";\n' +
        "export default { imports: [\n" +
        '  user("tester", { fullName: "Tess Ter" }),\n' +
        `  home("tester@${host}", { system: "x86_64-linux", homeDirectory: ${JSON.stringify(home)},\n` +
        '    module: { programs: { bash: { enable: true, shellAliases: { hi: "echo hi" } } } } }),\n' +
        "] };\n",
    });
    const r = await grove(["switch", "--dir", root], { HOME: home, USER: "tester" });
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    expect(read(home, ".bashrc")).toContain("alias -- hi='echo hi'");
    expect(isLink(join(home, ".profile"))).toBe(true);
    expect(existsSync(join(home, ".local/state/grove/home/current"))).toBe(true);

    const nobody = await grove(["switch", "--dir", root], { HOME: home, USER: "nobody" });
    expect(nobody.exitCode).toBe(1);
    expect(nobody.stderr).toContain(
      `error[HomeNotChosen]: No home of this fleet is for $USER nobody on the host ${host}. The homes are:\n  tester@${host}\n`,
    );
  });

  it("names the option of a bad file entry", async () => {
    const root = fleet({
      "modules/bad.ts":
        'import { home, user } from "grove";\n' +
        "export default { imports: [\n" +
        '  user("tester", { fullName: "Tess Ter" }),\n' +
        '  home("tester@box", { system: "x86_64-linux",\n' +
        '    module: { home: { file: { "notes.txt": { text: "a", source: "notes.txt" } } } } }),\n' +
        "] };\n",
    });
    const r = await grove(["switch", "tester@box", "--dir", root, "--home", newHome()]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(
      'error[HomeConfigInvalid]: home.file."notes.txt" sets both `text` and `source`; keep one.\n  at: home.file."notes.txt".text\n',
    );
  });

  it("links a source folder of the fleet, relative to the fleet's root", async () => {
    const root = fleet({
      "dotfiles/nvim/init.lua": "vim.opt.number = true\n",
      "dotfiles/nvim/lua/plugins.lua": "return {}\n",
      "modules/nvim.ts":
        'import { home, user } from "grove";\n' +
        "export default { imports: [\n" +
        '  user("tester", { fullName: "Tess Ter" }),\n' +
        '  home("tester@box", { system: "x86_64-linux",\n' +
        '    module: { xdg: { configFile: { nvim: { source: "dotfiles/nvim", recursive: true } } } } }),\n' +
        "] };\n",
    });
    const home = newHome();
    const r = await grove(["switch", "tester@box", "--dir", root, "--home", home]);
    expect(r.exitCode).toBe(0);
    expect(isLink(join(home, ".config/nvim"))).toBe(false);
    expect(isLink(join(home, ".config/nvim/lua/plugins.lua"))).toBe(true);
    expect(read(home, ".config/nvim/init.lua")).toBe("vim.opt.number = true\n");
  });
});
