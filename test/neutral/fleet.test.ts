/**
 * The benchmark fleet's evaluator against Nix's answers: every machine of a generated fleet, one
 * after another in one process (so values shared between machines are exercised), hashed as the
 * benchmark hashes them.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { evaluateFleet, type Fleet } from "../../src/neutral/fleet.js";

const bench = join(import.meta.dirname, "../../../shared/bench");
const work = mkdtempSync(join(tmpdir(), "grove-fleet-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The workload's line of `expected.sha256`: Nix's hash and the generator's arguments. */
function expected(id: string): { hash: string; args: string[] } {
  const line = readFileSync(join(bench, "expected.sha256"), "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${id} `));
  if (!line) throw new Error(`no expected hash for ${id}`);
  const [, hash, ...args] = line.trim().split(/\s+/);
  return { hash: hash!, args };
}

function generated(id: string): Fleet {
  const out = join(work, id);
  execFileSync(process.execPath, [join(bench, "gen-fleet.mjs"), "--out", out, ...expected(id).args]);
  return JSON.parse(readFileSync(join(out, "fleet.json"), "utf8")) as Fleet;
}

function answer(fleet: Fleet): string {
  let text = "";
  evaluateFleet(fleet, (chunk) => {
    text += chunk;
  });
  return text;
}

describe("the benchmark fleet", () => {
  it("gives each of ten machines the answer Nix gave", () => {
    const machines = JSON.parse(answer(generated("n10"))) as Record<string, unknown>;
    const dir = join(bench, "fleets/n10/expected");
    const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
    expect(Object.keys(machines).sort()).toEqual(files.map((f) => f.slice(0, -5)).sort());
    for (const f of files) {
      expect(machines[f.slice(0, -5)]).toEqual(JSON.parse(readFileSync(join(dir, f), "utf8")));
    }
  });

  it("has Nix's hash for fifty machines evaluated in one process", () => {
    const text = answer(generated("n50"));
    expect(createHash("sha256").update(text).digest("hex")).toBe(expected("n50").hash);
  });
});
