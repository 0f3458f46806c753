import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadHomeSpec, parseHomeSpec } from "../../src/activate/index.js";
import { normaliseTarget } from "../../src/activate/targets.js";
import { renderTemplate } from "../../src/activate/template.js";
import { type Sandbox, sandbox } from "./helpers.js";

let s: Sandbox;
beforeEach(() => {
  s = sandbox();
});
afterEach(() => s.dispose());

describe("buildGeneration", () => {
  it("writes a content-addressed, read-only folder with the files and a manifest", () => {
    s.repoFile("bin/tool", "#!/bin/sh\n", 0o755);
    s.repoFile("app/a", "a");
    s.repoFile("app/sub/b", "b");
    const gen = s.build({
      backupExtension: "bak",
      files: {
        ".profile": { text: "p", onChange: "echo changed" },
        ".local/bin/tool": { file: "bin/tool" },
        ".config/app": { folder: "app", recursive: true, force: true },
        ".m": { text: "m", mutable: true },
      },
      activation: { greet: { command: "echo hi", after: ["linkGeneration"] } },
    });
    expect(gen.path).toBe(join(s.stateDir, "store", gen.hash));
    expect(readFileSync(join(gen.path, "files/.profile"), "utf8")).toBe("p");
    expect(readFileSync(join(gen.path, "files/.config/app/sub/b"), "utf8")).toBe("b");
    expect(statSync(join(gen.path, "files/.profile")).mode & 0o777).toBe(0o444);
    expect(statSync(join(gen.path, "files/.local/bin/tool")).mode & 0o777).toBe(0o555);
    expect(statSync(join(gen.path, "files")).mode & 0o222).toBe(0);
    const manifest = JSON.parse(readFileSync(join(gen.path, "manifest.json"), "utf8"));
    expect(manifest).toEqual(gen.manifest);
    expect(manifest.backupExtension).toBe("bak");
    expect(manifest.steps).toEqual([
      { name: "greet", command: "echo hi", after: ["linkGeneration"], before: [] },
    ]);
    expect(manifest.entries.map((e: { target: string; kind: string }) => [e.target, e.kind])).toEqual([
      [".config/app", "folder"],
      [".local/bin/tool", "file"],
      [".m", "file"],
      [".profile", "file"],
    ]);
    const app = manifest.entries[0];
    expect(app).toMatchObject({ recursive: true, force: true, source: "folder app" });
    expect(app.files.map((f: { path: string }) => f.path)).toEqual(["a", "sub/b"]);
    expect(manifest.entries[2]).toMatchObject({ mutable: true });
    expect(manifest.entries[3]).toMatchObject({ onChange: "echo changed", source: "text" });
  });

  it("gives the same home the same hash and writes it once", () => {
    const spec = { files: { ".a": { text: "a" }, "./.b": { text: "b" } } };
    const one = s.build(spec);
    const two = s.build({ files: { ".b": { text: "b" }, ".a": { text: "a" } } });
    expect(two.hash).toBe(one.hash);
    expect(readdirSync(join(s.stateDir, "store"))).toEqual([one.hash]);
    expect(s.build({ files: { ".a": { text: "A" }, ".b": { text: "b" } } }).hash).not.toBe(one.hash);
    expect(s.build({ files: { ".a": { text: "a", executable: true }, ".b": { text: "b" } } }).hash).not.toBe(
      one.hash,
    );
  });

  it("rejects targets outside the home and two entries for one target", () => {
    expect(() => s.build({ files: { "../escape": { text: "x" } } })).toThrow(/contains `\.\.`/);
    expect(() => s.build({ files: { "/etc/passwd": { text: "x" } } })).toThrow(/outside the home/);
    expect(() => s.build({ files: { ".a": { text: "x" }, "./.a": { text: "y" } } })).toThrow(
      /`\.a` and `\.\/\.a` both manage `\.a`/,
    );
    expect(() => s.build({ files: { [join(s.home, ".a")]: { text: "x" } } })).not.toThrow();
  });

  it("rejects an entry inside a file or a non-recursive folder", () => {
    s.repoFile("app/a", "a");
    expect(() => s.build({ files: { ".x": { text: "x" }, ".x/y": { text: "y" } } })).toThrow(
      /not a recursive folder/,
    );
    expect(() => s.build({ files: { ".app": { folder: "app" }, ".app/b": { text: "y" } } })).toThrow(
      /not a recursive folder/,
    );
    expect(() =>
      s.build({ files: { ".app": { folder: "app", recursive: true }, ".app/a/b": { text: "y" } } }),
    ).toThrow(/has the file `a`/);
  });

  it("names missing sources and wrong kinds", () => {
    s.repoFile("app/a", "a");
    expect(() => s.build({ files: { ".a": { file: "nope" } } })).toThrow(/`nope` of `\.a` does not exist/);
    expect(() => s.build({ files: { ".a": { file: "app" } } })).toThrow(/is not a file/);
    expect(() => s.build({ files: { ".a": { folder: "app/a" } } })).toThrow(/is not a folder/);
    expect(() => s.build({ files: { ".a": { text: "a", recursive: true } } })).toThrow(
      /only meaningful for folders/,
    );
    expect(() => s.build({ files: { ".a": { folder: "app", mutable: true } } })).toThrow(/Only single files/);
  });

  it("rejects secret names that are not plain file names, and steps in a cycle", () => {
    expect(() => s.build({ files: { ".t": { secret: "../x", provide: () => "" } } })).toThrow(
      /not a plain file name/,
    );
    expect(() =>
      s.build({
        files: {},
        activation: { a: { command: "", after: ["b"] }, b: { command: "", after: ["a"] } },
      }),
    ).toThrow(/cycle/);
  });
});

describe("targets and templates", () => {
  it("normalises targets", () => {
    expect(normaliseTarget("./.config//app/")).toBe(".config/app");
    expect(normaliseTarget("/home/u/.x", "/home/u")).toBe(".x");
    expect(() => normaliseTarget(".")).toThrow(/home directory itself/);
  });

  it("lists every placeholder without a value", () => {
    expect(renderTemplate("{{ a }} {{a}}", { a: 1 }, ".t")).toBe("1 1");
    expect(() => renderTemplate("{{ a }} {{ b }} {{ c }}", { a: true }, ".t")).toThrow(
      /uses `b`, `c` without a value/,
    );
    expect(renderTemplate("{{ n }}/{{ f }} {{ not a placeholder }}", { n: 2, f: false }, ".t")).toBe(
      "2/false {{ not a placeholder }}",
    );
  });
});

describe("JSON specs", () => {
  it("reads files, steps, secrets by command and the repository root", async () => {
    const file = join(s.repo, "home.json");
    writeFileSync(
      file,
      JSON.stringify({
        root: "..",
        user: "alice",
        backupExtension: "bak",
        files: {
          ".a": { text: "a", executable: true },
          ".t": { template: "{{ x }}", values: { x: 1 } },
          ".s": { secret: "s", command: "printf secret" },
        },
        activation: { hello: "echo hi", later: { command: "true", after: ["hello"] } },
      }),
    );
    const loaded = loadHomeSpec(file);
    expect(loaded.repoRoot).toBe(s.root);
    expect(loaded.user).toBe("alice");
    expect(loaded.spec.backupExtension).toBe("bak");
    expect(loaded.spec.activation).toEqual({
      hello: { command: "echo hi" },
      later: { command: "true", after: ["hello"] },
    });
    const secret = loaded.spec.files[".s"]!;
    expect("provide" in secret && Buffer.from(await secret.provide()).toString()).toBe("secret");
  });

  it("says which field is wrong", () => {
    expect(() => parseHomeSpec({ files: { ".a": {} } })).toThrow(/needs exactly one source/);
    expect(() => parseHomeSpec({ files: { ".a": { text: "a", file: "b" } } })).toThrow(/it has text, file/);
    expect(() => parseHomeSpec({ files: { ".a": { text: 1 } } })).toThrow(/`text` must be a string/);
    expect(() => parseHomeSpec({ files: { ".a": { text: "a", colour: "red" } } })).toThrow(
      /Unknown field `colour`/,
    );
    expect(() => parseHomeSpec({ files: { ".s": { secret: "s" } } })).toThrow(/needs `command`/);
    expect(() => parseHomeSpec({ file: {} })).toThrow(/Unknown field `file`/);
    expect(() => parseHomeSpec([])).toThrow(/JSON object/);
    const error = (() => {
      try {
        parseHomeSpec({ files: { ".a": { executable: "yes", text: "" } } }, "home.json");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toMatchObject({
      code: "HomeSpecInvalid",
      file: "home.json",
      path: ["files", ".a", "executable"],
    });
  });
});
