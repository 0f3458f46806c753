import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluateCheck, judge, parseCase } from "../../src/neutral/conformance.js";

const dir = join(import.meta.dirname, "../../../shared/conformance/cases");
const cases = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => parseCase(readFileSync(join(dir, f), "utf8")));

describe("module-system conformance with real Nix", () => {
  it("has the public cases", () => {
    expect(cases.length).toBeGreaterThan(100);
  });
  for (const c of cases) {
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
