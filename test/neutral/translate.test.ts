/** The neutral format's translator: what it shares between evaluations, and what it never may. */
import { describe, expect, it } from "vitest";
import { evalModules } from "../../src/lib/index.js";
import { caseModules, type Json } from "../../src/neutral/translate.js";

const options: Json = { options: { a: { _option: { type: "int", default: 0 } } } };
const value = (def: Json) =>
  evalModules({ modules: caseModules([options, { config: { a: def } }]) }).config.a;

describe("translated modules", () => {
  it("read an mkIf condition as it is: a function there is an error, not called", () => {
    expect(value({ _mk: "if", cond: { lit: true }, value: 1 })).toBe(1);
    expect(() => value({ _mk: "if", cond: { fn: "x", body: { lit: true } }, value: 1 })).toThrow(
      expect.objectContaining({ code: "TypeMismatch" }),
    );
  });

  it("give plain data to every evaluation as the same value", () => {
    const mods = caseModules([
      { options: { l: { _option: { type: { listOf: "int" } } } } },
      { config: { l: [1, 2] } },
    ]);
    const one = evalModules({ modules: mods }).config.l;
    expect(one).toEqual([1, 2]);
    expect(evalModules({ modules: mods }).config.l).toBe(one);
  });
});
