import { describe, expect, it } from "vitest";
import {
  evalModules,
  mkDefault,
  mkForce,
  mkIf,
  mkOption,
  mkOptionDefault,
  types,
} from "../../src/lib/index.js";

// An option with one definition is read without a full merge; these pin that the shortcut
// answers exactly as the full merge does.
const decl = (extra = {}) => ({ options: { a: mkOption({ type: types.str, ...extra }) } });
const read = (def: unknown, extra = {}) => {
  const r = evalModules({ modules: [decl(extra), { _file: "def.nix", config: { a: def } }] });
  return {
    value: () => r.config.a,
    prio: () => r.options.a.highestPrio,
    defined: () => r.options.a.isDefined,
  };
};

describe("an option with one definition", () => {
  it("takes the content under conditions and a priority that beats the default", () => {
    const r = read(
      mkIf(
        true,
        mkIf(() => true, mkDefault("set")),
      ),
      { default: "dflt" },
    );
    expect(r.value()).toBe("set");
    expect(r.prio()).toBe(1000);
    expect(read(mkForce("forced"), { default: "dflt" }).value()).toBe("forced");
  });

  it("falls back to the default when a condition is false, or fails without one", () => {
    const r = read(mkIf(false, "set"), { default: "dflt" });
    expect(r.value()).toBe("dflt");
    expect(r.prio()).toBe(1500);
    const none = read(mkIf(() => false, "set"));
    expect(none.defined()).toBe(false);
    expect(none.value).toThrow(/has no value defined/);
  });

  it("merges with the default when both have the default's priority", () => {
    expect(read(mkOptionDefault("same"), { default: "same" }).value()).toBe("same");
    expect(read(mkOptionDefault("other"), { default: "dflt" }).value).toThrow(
      /conflicting definition values/,
    );
  });

  it("reports a wrapper it cannot see through as the full merge does", () => {
    expect(read(mkForce(mkIf(true, "x"))).value).toThrow(/not of type `string'/);
    expect(read(mkIf("yes" as unknown as boolean, "x")).value).toThrow(/non-Boolean condition/);
    expect(read(mkIf(true, 5)).value).toThrow(/def\.nix/);
  });
});
