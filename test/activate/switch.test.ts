import {
  lstatSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildGeneration, listGenerations, rollback, switchGeneration } from "../../src/activate/index.js";
import { exists, isLink, read, type Sandbox, sandbox, snapshot } from "./helpers.js";

let s: Sandbox;
beforeEach(() => {
  s = sandbox();
});
afterEach(() => s.dispose());

describe("switch", () => {
  it("links every target through the live generation on the first switch", async () => {
    s.repoFile("git/config", "[user]\n  name = Alice\n");
    const r = await s.switchTo({
      files: {
        ".profile": { text: "export EDITOR=vi\n" },
        ".config/git/config": { file: "git/config" },
      },
    });
    expect(r.generation).toBe(1);
    expect(r.previous).toBeNull();
    expect(read(join(s.home, ".profile"))).toBe("export EDITOR=vi\n");
    expect(read(join(s.home, ".config/git/config"))).toBe("[user]\n  name = Alice\n");
    // One stable indirection: the link's first hop is `current`, never a store path.
    expect(readlinkSync(join(s.home, ".profile"))).toBe(join(s.stateDir, "current/home/.profile"));
    expect(realpathSync(join(s.home, ".profile"))).toContain(join(s.stateDir, "store"));
    expect(lstatSync(join(s.home, ".config")).isDirectory()).toBe(true);
    const gens = listGenerations(s.stateDir);
    expect(gens.map((g) => [g.number, g.current])).toEqual([[1, true]]);
    expect(gens[0]!.created.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it("changes content, removes targets that left, and prunes their empty folders", async () => {
    await s.switchTo({
      files: { ".a": { text: "1" }, ".config/x/y": { text: "y" }, ".config/keep": { text: "k" } },
    });
    const r = await s.switchTo({ files: { ".a": { text: "2" }, ".config/keep": { text: "k" } } });
    expect(r.generation).toBe(2);
    expect(read(join(s.home, ".a"))).toBe("2");
    expect(exists(join(s.home, ".config/x"))).toBe(false);
    expect(read(join(s.home, ".config/keep"))).toBe("k");
    // The link for `.a` did not need to change: flipping `current` changed its content.
    expect(r.actions.filter((a) => a.kind === "link")).toEqual([]);
  });

  it("rolls back to the previous generation and forward again without new numbers", async () => {
    await s.switchTo({ files: { ".a": { text: "one" } } });
    await s.switchTo({ files: { ".a": { text: "two" }, ".b": { text: "b" } } });
    const back = await rollback(s.options());
    expect(back.generation).toBe(1);
    expect(read(join(s.home, ".a"))).toBe("one");
    expect(exists(join(s.home, ".b"))).toBe(false);
    const forward = await rollback({ ...s.options(), to: 2 });
    expect(forward.generation).toBe(2);
    expect(read(join(s.home, ".b"))).toBe("b");
    expect(listGenerations(s.stateDir).map((g) => g.number)).toEqual([1, 2]);
    await expect(rollback({ ...s.options(), to: 9 })).rejects.toMatchObject({
      code: "HomeGenerationMissing",
    });
  });

  it("refuses to roll back when there is nothing earlier", async () => {
    await expect(rollback(s.options())).rejects.toMatchObject({ code: "HomeGenerationMissing" });
    await s.switchTo({ files: { ".a": { text: "one" } } });
    await expect(rollback(s.options())).rejects.toMatchObject({ code: "HomeGenerationMissing" });
  });

  it("leaves alone a link the user replaced with their own file", async () => {
    await s.switchTo({ files: { ".a": { text: "grove" }, ".b": { text: "b" } } });
    unlinkSync(join(s.home, ".a"));
    writeFileSync(join(s.home, ".a"), "mine");
    const r = await s.switchTo({ files: { ".b": { text: "b" } } });
    expect(read(join(s.home, ".a"))).toBe("mine");
    expect(r.warnings.join("\n")).toMatch(/Left \.a alone/);
  });

  it("re-creates a Grove link the user deleted", async () => {
    const spec = { files: { ".a": { text: "a" } } };
    await s.switchTo(spec);
    unlinkSync(join(s.home, ".a"));
    const r = await s.switchTo(spec);
    expect(r.generation).toBe(1);
    expect(read(join(s.home, ".a"))).toBe("a");
  });

  it("does nothing, and writes nothing, when the home is already up to date", async () => {
    const spec = { files: { ".a": { text: "a" }, ".d/b": { text: "b" } } };
    await s.switchTo(spec);
    const before = snapshot(s.root, "");
    const storeBefore = readdirSync(join(s.stateDir, "store"));
    const r = await s.switchTo(spec);
    expect(r.changed).toBe(false);
    expect(r.actions).toEqual([]);
    expect(r.generation).toBe(1);
    expect(snapshot(s.root, "")).toEqual(before);
    expect(readdirSync(join(s.stateDir, "store"))).toEqual(storeBefore);
  });

  it("reports on a dry run what would change and changes nothing", async () => {
    await s.switchTo({ files: { ".a": { text: "a" } } });
    const before = snapshot(s.root, "");
    const gen = buildGeneration(
      { files: { ".b": { text: "b" } } },
      { repoRoot: s.repo, stateDir: s.stateDir, dryRun: true },
    );
    const r = await switchGeneration(gen, s.options({ dryRun: true }));
    expect(r.dryRun).toBe(true);
    expect(r.generation).toBe(2);
    expect(r.actions.map((a) => [a.kind, a.subject])).toEqual([
      ["unlink", ".a"],
      ["number", "2"],
      ["flip", "2"],
      ["link", ".b"],
    ]);
    // Built as a dry run too: not even the store changed.
    expect(snapshot(s.root, "")).toEqual(before);
    await expect(switchGeneration(gen, s.options())).rejects.toMatchObject({ code: "HomeGenerationMissing" });
  });
});

describe("entries", () => {
  it("links a folder whole, or file by file when recursive, and switches between the two", async () => {
    s.repoFile("nvim/init.lua", "init");
    s.repoFile("nvim/lua/plugins.lua", "plugins");
    await s.switchTo({ files: { ".config/nvim": { folder: "nvim" } } });
    expect(isLink(join(s.home, ".config/nvim"))).toBe(true);
    expect(read(join(s.home, ".config/nvim/lua/plugins.lua"))).toBe("plugins");

    await s.switchTo({ files: { ".config/nvim": { folder: "nvim", recursive: true } } });
    expect(lstatSync(join(s.home, ".config/nvim")).isDirectory()).toBe(true);
    expect(isLink(join(s.home, ".config/nvim/lua/plugins.lua"))).toBe(true);
    // Real folders: the user can add files next to Grove's.
    writeFileSync(join(s.home, ".config/nvim/local.lua"), "mine");

    await expect(s.switchTo({ files: { ".config/nvim": { folder: "nvim" } } })).rejects.toMatchObject({
      code: "HomeCollision",
    });
    unlinkSync(join(s.home, ".config/nvim/local.lua"));
    await s.switchTo({ files: { ".config/nvim": { folder: "nvim" } } });
    expect(isLink(join(s.home, ".config/nvim"))).toBe(true);
  });

  it("lets a file entry override one file of a recursive folder", async () => {
    s.repoFile("app/a.conf", "from folder");
    s.repoFile("app/b.conf", "b");
    await s.switchTo({
      files: {
        ".config/app": { folder: "app", recursive: true },
        ".config/app/a.conf": { text: "explicit" },
      },
    });
    expect(read(join(s.home, ".config/app/a.conf"))).toBe("explicit");
    expect(read(join(s.home, ".config/app/b.conf"))).toBe("b");
  });

  it("sets, clears or keeps the execute bit without touching the source", async () => {
    s.repoFile("bin/tool", "#!/bin/sh\n", 0o755);
    s.repoFile("bin/plain", "data", 0o644);
    await s.switchTo({
      files: {
        ".local/bin/tool": { file: "bin/tool" },
        ".local/bin/tool-off": { file: "bin/tool", executable: false },
        ".local/bin/plain-on": { file: "bin/plain", executable: true },
        ".local/bin/script": { text: "#!/bin/sh\necho hi\n", executable: true },
        ".local/bin/text": { text: "x" },
      },
    });
    const mode = (p: string) => statSync(join(s.home, ".local/bin", p)).mode & 0o111;
    expect(mode("tool")).not.toBe(0);
    expect(mode("tool-off")).toBe(0);
    expect(mode("plain-on")).not.toBe(0);
    expect(mode("script")).not.toBe(0);
    expect(mode("text")).toBe(0);
    expect(statSync(join(s.repo, "bin/plain")).mode & 0o777).toBe(0o644);
  });

  it("renders templates with values", async () => {
    s.repoFile("git.tmpl", "name = {{ name }}\nemail = {{email}}\n");
    await s.switchTo({
      files: {
        ".gitconfig": { template: { file: "git.tmpl" }, values: { name: "Alice", email: "a@example.org" } },
      },
    });
    expect(read(join(s.home, ".gitconfig"))).toBe("name = Alice\nemail = a@example.org\n");
  });
});

describe("onChange", () => {
  it("runs only for targets whose content changed, after linking", async () => {
    const hook = (name: string) => `echo ${name} >> "$HOME/hooks.log"; test -e "$HOME/.a"`;
    const spec = (a: string, b: string) => ({
      files: { ".a": { text: a, onChange: hook("a") }, ".b": { text: b, onChange: hook("b") } },
    });
    await s.switchTo(spec("1", "1"));
    expect(read(join(s.home, "hooks.log"))).toBe("a\nb\n");
    await s.switchTo(spec("2", "1"));
    expect(read(join(s.home, "hooks.log"))).toBe("a\nb\na\n");
    await s.switchTo(spec("2", "1"));
    expect(read(join(s.home, "hooks.log"))).toBe("a\nb\na\n");
  });

  it("runs for a folder when any of its files changes, and never on a dry run", async () => {
    s.repoFile("app/x", "1");
    const spec = { files: { ".app": { folder: "app", onChange: 'echo run >> "$HOME/hooks.log"' } } };
    await s.switchTo(spec);
    s.repoFile("app/x", "2");
    const dry = await s.switchTo(spec, { dryRun: true });
    expect(dry.actions.some((a) => a.kind === "onChange")).toBe(true);
    expect(read(join(s.home, "hooks.log"))).toBe("run\n");
    await s.switchTo(spec);
    expect(read(join(s.home, "hooks.log"))).toBe("run\nrun\n");
  });
});

describe("mutable files", () => {
  it("copies instead of linking, and reports the user's edits instead of overwriting them", async () => {
    const spec = (v: string) => ({
      files: { ".config/Code/settings.json": { text: `{"v": ${v}}\n`, mutable: true } },
    });
    const path = join(s.home, ".config/Code/settings.json");
    await s.switchTo(spec("1"));
    expect(isLink(path)).toBe(false);
    expect(statSync(path).mode & 0o200).not.toBe(0);
    await s.switchTo(spec("2"));
    expect(read(path)).toBe('{"v": 2}\n');

    writeFileSync(path, '{"v": 2, "theme": "dark"}\n');
    const r = await s.switchTo(spec("3"));
    expect(read(path)).toBe('{"v": 2, "theme": "dark"}\n');
    expect(r.drift).toHaveLength(1);
    expect(r.drift[0]!.diff).toContain('-{"v": 2}');
    expect(r.drift[0]!.diff).toContain('+{"v": 2, "theme": "dark"}');

    // An edited copy that leaves the configuration stays, too.
    const gone = await s.switchTo({ files: {} });
    expect(read(path)).toBe('{"v": 2, "theme": "dark"}\n');
    expect(gone.warnings.join("\n")).toMatch(/settings\.json alone/);
  });

  it("removes an unedited copy that leaves the configuration", async () => {
    await s.switchTo({ files: { ".m": { text: "m", mutable: true } } });
    await s.switchTo({ files: {} });
    expect(exists(join(s.home, ".m"))).toBe(false);
  });
});

describe("lock", () => {
  it("refuses while another live process holds it, and takes over a dead one's", async () => {
    const lock = join(s.stateDir, "lock");
    writeFileSync(lock, String(process.pid));
    await expect(s.switchTo({ files: { ".a": { text: "a" } } })).rejects.toMatchObject({
      code: "HomeLocked",
    });
    expect(exists(join(s.home, ".a"))).toBe(false);
    const gone = execa("true");
    await gone;
    writeFileSync(lock, String(gone.pid));
    await s.switchTo({ files: { ".a": { text: "a" } } });
    expect(read(join(s.home, ".a"))).toBe("a");
    expect(exists(lock)).toBe(false);
  });
});
