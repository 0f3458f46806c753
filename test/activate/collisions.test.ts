import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listGenerations } from "../../src/activate/index.js";
import { GroveError } from "../../src/errors.js";
import { exists, isLink, read, type Sandbox, sandbox, snapshot } from "./helpers.js";

let s: Sandbox;
beforeEach(() => {
  s = sandbox();
});
afterEach(() => s.dispose());

async function refusal(p: Promise<unknown>): Promise<GroveError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(GroveError);
  expect((e as GroveError).code).toBe("HomeCollision");
  return e as GroveError;
}

describe("collisions", () => {
  it("refuses before touching anything and lists every collision with its reason", async () => {
    await s.switchTo({ files: { ".old": { text: "old" } } });
    s.userFile(".bashrc", "mine");
    s.userFile(".config/app/settings", "mine too");
    mkdirSync(join(s.home, ".vim/colors"), { recursive: true });
    writeFileSync(join(s.home, ".vim/colors/x"), "x");
    symlinkSync("/nowhere", join(s.home, ".dangling"));
    const before = snapshot(s.home);

    const e = await refusal(
      s.switchTo({
        files: {
          ".bashrc": { text: "grove" },
          ".config/app/settings": { text: "grove" },
          ".vim": { text: "not a folder" },
          ".dangling": { text: "d" },
          ".new": { text: "new" },
        },
      }),
    );
    expect(e.message).toContain(".bashrc: a file with other content");
    expect(e.message).toContain(".config/app/settings: a file with other content");
    expect(e.message).toContain(".vim: a folder");
    expect(e.message).toContain(".dangling: a symlink that is not Grove's (it links to /nowhere)");
    expect(e.hint).toMatch(/backup/);
    // Nothing happened: not even the removal of `.old` or the link for `.new`.
    expect(snapshot(s.home)).toEqual(before);
    expect(listGenerations(s.stateDir).map((g) => [g.number, g.current])).toEqual([[1, true]]);
  });

  it("moves colliding files aside with a backup extension", async () => {
    s.userFile(".bashrc", "mine");
    s.userFile(".config/app/settings", "mine too");
    symlinkSync("/elsewhere", join(s.home, ".foreign"));
    await s.switchTo(
      {
        files: {
          ".bashrc": { text: "grove" },
          ".config/app/settings": { text: "grove" },
          ".foreign": { text: "f" },
        },
      },
      { backupExtension: "bak" },
    );
    expect(read(join(s.home, ".bashrc"))).toBe("grove");
    expect(read(join(s.home, ".bashrc.bak"))).toBe("mine");
    expect(read(join(s.home, ".config/app/settings.bak"))).toBe("mine too");
    expect(isLink(join(s.home, ".foreign.bak"))).toBe(true);
  });

  it("takes the backup extension from the spec", async () => {
    s.userFile(".bashrc", "mine");
    await s.switchTo({ backupExtension: "orig", files: { ".bashrc": { text: "grove" } } });
    expect(read(join(s.home, ".bashrc.orig"))).toBe("mine");
  });

  it("refuses when a backup name is itself taken", async () => {
    s.userFile(".bashrc", "mine");
    s.userFile(".bashrc.bak", "an older backup");
    const before = snapshot(s.home);
    const e = await refusal(
      s.switchTo({ files: { ".bashrc": { text: "grove" } } }, { backupExtension: "bak" }),
    );
    expect(e.message).toContain(".bashrc: in the way, and its backup name is taken (.bashrc.bak exists)");
    expect(snapshot(s.home)).toEqual(before);
  });

  it("replaces the exact target of a `force` entry, and only that one", async () => {
    s.userFile(".bashrc", "mine");
    s.userFile(".bashrc-other", "also mine");
    await s.switchTo({ files: { ".bashrc": { text: "grove", force: true } } });
    expect(read(join(s.home, ".bashrc"))).toBe("grove");
    expect(isLink(join(s.home, ".bashrc"))).toBe(true);
    expect(read(join(s.home, ".bashrc-other"))).toBe("also mine");
  });

  it("never lets `force` replace a folder", async () => {
    mkdirSync(join(s.home, ".vim"));
    writeFileSync(join(s.home, ".vim/x"), "x");
    const e = await refusal(s.switchTo({ files: { ".vim": { text: "v", force: true } } }));
    expect(e.message).toContain("force never replaces a folder");
  });

  it("adopts a file that already has the configured content", async () => {
    s.userFile(".bashrc", "same");
    const r = await s.switchTo({ files: { ".bashrc": { text: "same" } } });
    expect(isLink(join(s.home, ".bashrc"))).toBe(true);
    expect(r.warnings.join("\n")).toMatch(/Adopted \.bashrc/);
  });

  it("refuses to write through a symlinked folder that is not Grove's", async () => {
    mkdirSync(join(s.root, "dotfiles"));
    symlinkSync(join(s.root, "dotfiles"), join(s.home, ".config"));
    const e = await refusal(s.switchTo({ files: { ".config/app/x": { text: "x" } } }));
    expect(e.message).toContain(".config: inside a symlinked folder that is not Grove's");
    expect(exists(join(s.root, "dotfiles/app"))).toBe(false);
  });

  it("refuses a regular file where a folder is needed", async () => {
    s.userFile(".config", "a file");
    const e = await refusal(s.switchTo({ files: { ".config/app/x": { text: "x" } } }));
    expect(e.message).toContain(".config: inside a path that is not a folder");
  });

  it("treats an edited copy that becomes a link as a collision, which backup resolves", async () => {
    await s.switchTo({ files: { ".m": { text: "1", mutable: true } } });
    writeFileSync(join(s.home, ".m"), "edited");
    const e = await refusal(s.switchTo({ files: { ".m": { text: "2" } } }));
    expect(e.message).toContain(".m: a copy Grove wrote, edited since");
    await s.switchTo({ files: { ".m": { text: "2" } } }, { backupExtension: "bak" });
    expect(readFileSync(join(s.home, ".m.bak"), "utf8")).toBe("edited");
    expect(isLink(join(s.home, ".m"))).toBe(true);
  });
});
