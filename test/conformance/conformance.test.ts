import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluateCheck, judge, parseCase } from "../../src/neutral/conformance.js";

const shared = join(import.meta.dirname, "../../../shared/conformance");
// Grove's own cases, in the same format; their expectations were written by the shared runner
// from real Nix, and the last test here has Nix check them again.
const own = join(import.meta.dirname, "cases");

function cases(dir: string) {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => parseCase(readFileSync(join(dir, f), "utf8")));
}

const corpora = [
  { name: "the public cases", cases: cases(join(shared, "cases")) },
  { name: "Grove's own cases", cases: cases(own) },
];

describe("module-system conformance with real Nix", () => {
  for (const corpus of corpora) {
    describe(corpus.name, () => {
      it("are there", () => {
        expect(corpus.cases.length).toBeGreaterThan(100);
      });
      for (const c of corpus.cases) {
        describe(c.id, () => {
          c.checks.forEach((check, i) => {
            it(
              `check ${i}: ${JSON.stringify(check.path ?? check.option)} → ${JSON.stringify(check.expect)}`.slice(
                0,
                200,
              ),
              () => {
                expect(judge(check, evaluateCheck(c, check))).toBeNull();
              },
            );
          });
        });
      }
    });
  }

  it("has Grove's own cases expect what real Nix gives", () => {
    const run = spawnSync("python3", [join(shared, "nix/run.py"), "--check", own], {
      encoding: "utf8",
      timeout: 300_000,
    });
    expect(run.stdout + run.stderr).toMatch(/ 0 problems/);
    expect(run.status).toBe(0);
  }, 320_000);
});
