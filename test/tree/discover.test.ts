import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { importTree } from "../../src/tree/index.js";

let root: string;

function touch(path: string): void {
  mkdirSync(join(root, path, ".."), { recursive: true });
  writeFileSync(join(root, path), "export default {};\n");
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "grove-tree-"));
  for (const f of [
    "modules/b.ts",
    "modules/a/z.ts",
    "modules/a/B.ts",
    "modules/a/_private.ts",
    "modules/_skip/x.ts",
    "modules/Z.mjs",
    "modules/c.js",
    "modules/d.mts",
    "modules/types.d.ts",
    "modules/readme.md",
    "modules/data.json",
    "modules/10-first.ts",
    "modules/nested/deep/leaf.ts",
    "modules/nested/deep/helper.pkg.ts",
    "extra/e.ts",
  ]) {
    touch(f);
  }
});

const rel = (files: string[]) => files.map((f) => relative(root, f));

describe("discovery", () => {
  it("finds code files depth-first, in byte order, folders in place, skipping _ and non-code", () => {
    expect(rel(importTree(join(root, "modules")).files())).toEqual([
      "modules/10-first.ts",
      "modules/Z.mjs",
      "modules/a/B.ts",
      "modules/a/z.ts",
      "modules/b.ts",
      "modules/c.js",
      "modules/d.mts",
      "modules/nested/deep/helper.pkg.ts",
      "modules/nested/deep/leaf.ts",
    ]);
  });

  it("combines filters with AND and maps after filtering", () => {
    const tree = importTree(join(root, "modules"))
      .filterNot((p) => p.endsWith(".pkg.ts"))
      .match(/.*\.ts/)
      .matchNot(/a\/.*/)
      .map((p) => `${p}!`);
    expect(rel(tree.files())).toEqual([
      "modules/10-first.ts!",
      "modules/b.ts!",
      "modules/nested/deep/leaf.ts!",
    ]);
  });

  it("gives filters root-relative paths and scans several roots in order", () => {
    const seen: string[] = [];
    const files = importTree(join(root, "extra"), join(root, "modules", "a"))
      .filter((p) => {
        seen.push(p);
        return true;
      })
      .files();
    expect(rel(files)).toEqual(["extra/e.ts", "modules/a/B.ts", "modules/a/z.ts"]);
    expect(seen).toEqual(["e.ts", "B.ts", "z.ts"]);
  });

  it("is immutable: a builder method returns a new tree", () => {
    const base = importTree(join(root, "modules"));
    base.filter(() => false);
    expect(base.files().length).toBe(9);
  });

  it("names a missing root", () => {
    expect(() => importTree(join(root, "nope")).files()).toThrowError(
      expect.objectContaining({ code: "FleetNotFound" }),
    );
  });
});
