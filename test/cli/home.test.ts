/**
 * The built CLI, run for real against temporary homes (`--home`, or `$HOME` pointed at a temporary
 * folder — never the real one).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isLink, removeTree } from "../activate/helpers.js";

const repoRoot = join(import.meta.dirname, "../..");
const cli = join(repoRoot, "dist/cli/main.js");

beforeAll(async () => {
  await execa("npm", ["run", "build"], { cwd: repoRoot });
});

let root: string;
let home: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "grove-cli-"));
  home = join(root, "home");
  mkdirSync(home);
  mkdirSync(join(root, "fleet"));
});
afterEach(() => removeTree(root));

function spec(name: string, content: object): string {
  const file = join(root, "fleet", name);
  writeFileSync(file, JSON.stringify(content));
  return file;
}

function grove(args: string[], env: Record<string, string> = {}) {
  return execa("node", [cli, "home", ...args], { reject: false, env: { ...env, NO_COLOR: "1" } });
}

describe("grove home", () => {
  it("switches, lists, diffs, rolls back and expires", async () => {
    writeFileSync(join(root, "fleet/gitconfig"), "[user]\n  name = Alice\n");
    const one = spec("one.json", {
      files: { ".gitconfig": { file: "gitconfig" }, ".profile": { text: "one\n" } },
    });
    const two = spec("two.json", { files: { ".profile": { text: "two\n" }, ".new": { text: "n" } } });

    const first = await grove(["switch", "--spec", one, "--home", home]);
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toContain("Generation 1 is live (was none).");
    expect(readFileSync(join(home, ".gitconfig"), "utf8")).toBe("[user]\n  name = Alice\n");

    const dry = await grove(["switch", "--spec", two, "--home", home, "--dry-run"]);
    expect(dry.stdout).toContain("would remove Grove link: .gitconfig");
    expect(dry.stdout).toContain("would link to");
    expect(dry.stdout).toContain("Dry run: generation 2 would be live.");
    expect(existsSync(join(home, ".new"))).toBe(false);

    expect((await grove(["switch", "--spec", two, "--home", home])).exitCode).toBe(0);
    const again = await grove(["switch", "--spec", two, "--home", home]);
    expect(again.stdout).toContain("Nothing to change: generation 2 is live.");

    const list = await grove(["generations", "--home", home]);
    expect(list.stdout).toMatch(
      /^ {3}2 {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}[0-9a-f]{32} {2}\(current\)\n {3}1 /,
    );
    const json = JSON.parse((await grove(["generations", "--home", home, "--json"])).stdout);
    expect(json.map((g: { number: number; current: boolean }) => [g.number, g.current])).toEqual([
      [1, false],
      [2, true],
    ]);

    const diff = await grove(["diff", "--home", home]);
    expect(diff.stdout).toContain("Generation 1 → 2: 3 changes");
    expect(diff.stdout).toContain("- .gitconfig (file gitconfig)");
    expect(diff.stdout).toContain("+ .new (text)");
    expect(diff.stdout).toContain(
      "~ .profile\n    --- 1/.profile\n    +++ 2/.profile\n    @@ -1,1 +1,1 @@\n    -one\n    +two",
    );

    const back = await grove(["rollback", "--home", home]);
    expect(back.stdout).toContain("Generation 1 is live (was 2).");
    expect(readFileSync(join(home, ".profile"), "utf8")).toBe("one\n");
    expect((await grove(["rollback", "--to", "2", "--home", home])).exitCode).toBe(0);
    expect(readFileSync(join(home, ".profile"), "utf8")).toBe("two\n");

    const nothing = await grove(["expire", "--older-than", "30d", "--home", home]);
    expect(nothing.stdout).toContain("No generation is that old.");
    const all = await grove(["expire", "--older-than", "0s", "--home", home]);
    expect(all.stdout).toContain("Removed generation 1.");
    expect(JSON.parse((await grove(["generations", "--home", home, "--json"])).stdout)).toHaveLength(1);
  });

  it("refuses collisions with every path and the hint, and backs up with --backup-ext", async () => {
    writeFileSync(join(home, ".profile"), "mine");
    writeFileSync(join(home, ".bashrc"), "mine too");
    const s = spec("s.json", { files: { ".profile": { text: "p" }, ".bashrc": { text: "b" } } });
    const r = await grove(["switch", "--spec", s, "--home", home]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("error[HomeCollision]: Switching would clobber 2 paths in");
    expect(r.stderr).toContain("  .bashrc: a file with other content");
    expect(r.stderr).toContain("  .profile: a file with other content");
    expect(r.stderr).toMatch(/ {2}hint: .*--backup-ext bak/);
    expect(r.stderr).not.toContain("    at ");

    const ok = await grove(["switch", "--spec", s, "--home", home, "--backup-ext", "bak"]);
    expect(ok.exitCode).toBe(0);
    expect(readFileSync(join(home, ".profile.bak"), "utf8")).toBe("mine");
    expect(isLink(join(home, ".profile"))).toBe(true);
  });

  it("renders spec errors with file and option, and --trace adds the stack", async () => {
    const bad = spec("bad.json", { files: { ".a": { text: "a", executable: "yes" } } });
    const r = await grove(["switch", "--spec", bad, "--home", home]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(
      `error[HomeSpecInvalid]: \`executable\` must be true or false.\n  --> ${bad}\n  at: files.".a".executable\n  hint: Fix the field named above; \`docs/activation.md\` describes every field of a home specification.`,
    );
    const traced = await grove(["switch", "--spec", bad, "--home", home, "--trace"]);
    expect(traced.stderr).toMatch(/\n {4}at .*spec\.(js|ts)/);
  });

  it("exits 2 and asks for a report on an unexpected error", async () => {
    const s = spec("s.json", { files: { ".a": { text: "a" } } });
    writeFileSync(join(root, "not-a-folder"), "");
    const r = await grove(["switch", "--spec", s, "--home", join(root, "not-a-folder")]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^error\[Internal\]: ENOTDIR/);
    expect(r.stderr).toContain("please report it");
  });

  it("refuses a spec written for another user unless --home is given", async () => {
    const s = spec("s.json", { user: "alice", files: { ".a": { text: "a" } } });
    const env = { HOME: home, USER: "bob", PATH: process.env.PATH ?? "" };
    const r = await grove(["switch", "--spec", s], env);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("error[HomeUserMismatch]: The spec is for the user alice, but $USER is bob.");
    expect(existsSync(join(home, ".a"))).toBe(false);
    const ok = await grove(["switch", "--spec", s], { ...env, USER: "alice" });
    expect(ok.exitCode).toBe(0);
    expect(isLink(join(home, ".a"))).toBe(true);
    expect(existsSync(join(home, ".local/state/grove/home/current"))).toBe(true);
  });

  it("undoes the links of a switch whose process was killed half way", async () => {
    const one = spec("one.json", { files: { ".a": { text: "one" }, ".old": { text: "old" } } });
    const two = spec("two.json", {
      files: { ".a": { text: "two" }, ".new/deep/file": { text: "new" } },
      // Kills Grove itself (the shell's parent) after the links were made.
      activation: { crash: { command: "kill -9 $PPID; sleep 5", after: ["linkGeneration"] } },
    });
    expect((await grove(["switch", "--spec", one, "--home", home])).exitCode).toBe(0);
    const killed = await grove(["switch", "--spec", two, "--home", home]);
    expect(killed.signal).toBe("SIGKILL");
    // The interrupted switch left its links and its journal behind.
    expect(isLink(join(home, ".new/deep/file"))).toBe(true);
    expect(existsSync(join(home, ".old"))).toBe(false);
    expect(existsSync(join(home, ".local/state/grove/home/journal.json"))).toBe(true);

    const r = await grove(["switch", "--spec", one, "--home", home]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain("warning: Undoing an interrupted switch");
    expect(r.stdout).toContain("Nothing to change: generation 1 is live.");
    expect(existsSync(join(home, ".new"))).toBe(false);
    expect(readFileSync(join(home, ".old"), "utf8")).toBe("old");
    expect(readFileSync(join(home, ".a"), "utf8")).toBe("one");
    const json = JSON.parse((await grove(["generations", "--home", home, "--json"])).stdout);
    expect(json.map((g: { number: number }) => g.number)).toEqual([1]);
  });
});
