import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { diffGenerations, expire, listGenerations, parseAge, unifiedDiff } from "../../src/activate/index.js";
import { type Sandbox, sandbox } from "./helpers.js";

let s: Sandbox;
beforeEach(() => {
  s = sandbox();
});
afterEach(() => s.dispose());

/** Back-dates a generation, as if it had been made `days` ago. */
function age(n: number, days: number): void {
  const file = join(s.stateDir, "generations", String(n), "generation.json");
  const record = JSON.parse(readFileSync(file, "utf8"));
  record.created = new Date(Date.now() - days * 86_400_000).toISOString();
  writeFileSync(file, JSON.stringify(record));
}

describe("generations and expire", () => {
  it("expires old generations, never the live one, and collects unused store folders", async () => {
    await s.switchTo({ files: { ".a": { text: "1" } } });
    await s.switchTo({ files: { ".a": { text: "2" } } });
    await s.switchTo({ files: { ".a": { text: "3" } } });
    await s.switchTo({ files: { ".a": { text: "4" } } });
    s.build({ files: { ".a": { text: "never switched" } } });
    age(1, 60);
    age(2, 40);
    age(4, 90);
    expect(listGenerations(s.stateDir).map((g) => [g.number, g.current])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, true],
    ]);
    const dry = expire({ stateDir: s.stateDir, olderThan: parseAge("30d"), dryRun: true });
    expect(dry.removed).toEqual([1, 2]);
    expect(listGenerations(s.stateDir)).toHaveLength(4);

    const r = expire({ stateDir: s.stateDir, olderThan: parseAge("30d") });
    expect(r.removed).toEqual([1, 2]);
    expect(r.collected).toHaveLength(3);
    expect(listGenerations(s.stateDir).map((g) => g.number)).toEqual([3, 4]);
    expect(readdirSync(join(s.stateDir, "store")).sort()).toEqual(
      listGenerations(s.stateDir)
        .map((g) => g.hash)
        .sort(),
    );
    // The next switch numbers after the highest generation still listed.
    expect((await s.switchTo({ files: { ".a": { text: "5" } } })).generation).toBe(5);
  });

  it("keeps a store folder shared with a kept generation", async () => {
    await s.switchTo({ files: { ".a": { text: "1" } } });
    await s.switchTo({ files: { ".a": { text: "2" } } });
    await s.switchTo({ files: { ".a": { text: "1" } } });
    age(1, 60);
    age(2, 60);
    const r = expire({ stateDir: s.stateDir, olderThan: parseAge("1d") });
    expect(r.removed).toEqual([1, 2]);
    expect(r.collected).toHaveLength(1);
    expect(readFileSync(join(s.home, ".a"), "utf8")).toBe("1");
  });

  it("parses ages", () => {
    expect(parseAge("30d")).toBe(30 * 86_400_000);
    expect(parseAge("2w")).toBe(14 * 86_400_000);
    expect(parseAge("90s")).toBe(90_000);
    expect(() => parseAge("30 days")).toThrow(/not an age/);
  });
});

describe("diffGenerations", () => {
  it("lists added, removed and changed targets with a diff of text files", async () => {
    s.repoFile("app/x", "x1\n");
    s.repoFile("app/y", "y\n");
    await s.switchTo({
      files: { ".a": { text: "a\nb\nc\n" }, ".gone": { text: "g" }, ".app": { folder: "app" } },
    });
    s.repoFile("app/x", "x2\n");
    await s.switchTo({
      files: {
        ".a": { text: "a\nB\nc\n" },
        ".new": { text: "n" },
        ".app": { folder: "app" },
        ".e": { text: "e" },
      },
    });
    await s.switchTo({
      files: {
        ".a": { text: "a\nB\nc\n", executable: true },
        ".new": { text: "n" },
        ".app": { folder: "app" },
        ".e": { text: "e", mutable: true },
      },
    });
    const d = diffGenerations(s.stateDir, 1, 2);
    expect(d.changes.map((c) => [c.change, c.target])).toEqual([
      ["changed", ".a"],
      ["changed", ".app/x"],
      ["added", ".e"],
      ["removed", ".gone"],
      ["added", ".new"],
    ]);
    expect(d.changes[0]!.detail).toBe("--- 1/.a\n+++ 2/.a\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
    const latest = diffGenerations(s.stateDir);
    expect([latest.from, latest.to]).toEqual([2, 3]);
    expect(latest.changes.map((c) => [c.target, c.detail])).toEqual([
      [".a", "mode changed"],
      [".e", "mode changed"],
    ]);
    expect(() => diffGenerations(s.stateDir, 1, 7)).toThrow(/no home generation 7/);
  });
});

describe("unifiedDiff", () => {
  it("groups changes into hunks with three lines of context", () => {
    const a = `${Array.from({ length: 20 }, (_, i) => `l${i}`).join("\n")}\n`;
    const b = a.replace("l2\n", "L2\n").replace("l17\n", "");
    expect(unifiedDiff(a, b, "a", "b")).toBe(
      "--- a\n+++ b\n@@ -1,6 +1,6 @@\n l0\n l1\n-l2\n+L2\n l3\n l4\n l5\n@@ -15,6 +15,5 @@\n l14\n l15\n l16\n-l17\n l18\n l19\n",
    );
    expect(unifiedDiff("same\n", "same\n", "a", "b")).toBe("");
    expect(unifiedDiff("", "new\n", "a", "b")).toBe("--- a\n+++ b\n@@ -0,0 +1,1 @@\n+new\n");
  });
});
