import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startupFlags } from "../src/heap.js";

const repoRoot = join(import.meta.dirname, "..");

describe("V8 start-up flags", () => {
  it.each(["src/cli/main.ts", "src/neutral/fleet-cli.ts"])(
    "%s is started with them by its #! line",
    (file) => {
      const first = readFileSync(join(repoRoot, file), "utf8").split("\n")[0];
      expect(first).toBe(`#!/usr/bin/env -S node ${startupFlags.join(" ")}`);
    },
  );

  it("are flags this node accepts", () => {
    const r = spawnSync(process.execPath, [...startupFlags, "-e", "process.exit(7)"], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(7);
  });
});
