import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GroveError } from "../../src/errors.js";
import {
  deepForce,
  evalModules,
  mkDefault,
  mkForce,
  mkIf,
  mkMerge,
  mkOption,
  type OptionType,
  types,
} from "../../src/lib/index.js";

/** Option types whose merge does not depend on definition order (scalars, sets). */
const orderFree: Record<string, OptionType> = {
  int: types.int,
  str: types.str,
  bool: types.bool,
  nullInt: types.nullOr(types.int),
  attrs: types.attrsOf(types.int),
};
const typeNames = Object.keys(orderFree);

const value = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom("a", "b", ""),
  fc.boolean(),
  fc.constant(null),
  fc.dictionary(fc.constantFrom("x", "y", "z"), fc.integer({ min: 0, max: 2 }), { maxKeys: 2 }),
  fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 2 }),
);

type Wrap = "plain" | "force" | "default" | "ifTrue" | "ifFalse" | "merge";
const wrap = fc.constantFrom<Wrap>("plain", "force", "default", "ifTrue", "ifFalse", "merge");

function wrapped(w: Wrap, v: unknown): unknown {
  switch (w) {
    case "force":
      return mkForce(v);
    case "default":
      return mkDefault(v);
    case "ifTrue":
      return mkIf(() => true, v);
    case "ifFalse":
      return mkIf(false, v);
    case "merge":
      return mkMerge([v]);
    default:
      return v;
  }
}

const scenario = fc.record({
  options: fc.uniqueArray(
    fc.record({
      name: fc.constantFrom("a", "b", "c", "d"),
      type: fc.constantFrom(...typeNames),
      withDefault: fc.boolean(),
    }),
    {
      selector: (o) => o.name,
      maxLength: 4,
    },
  ),
  defs: fc.array(fc.record({ name: fc.constantFrom("a", "b", "c", "d", "typo"), value, wrap }), {
    maxLength: 6,
  }),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function modules(s: Scenario): unknown[] {
  const options = Object.fromEntries(
    s.options.map((o) => [
      o.name,
      mkOption({
        type: orderFree[o.type]!,
        ...(o.withDefault ? { default: o.type === "str" ? "d" : null } : {}),
      }),
    ]),
  );
  return [
    { _file: "decl.ts", options },
    ...s.defs.map((d, i) => ({
      _file: `def${i}.ts`,
      config: { [d.name]: wrapped(d.wrap, d.value) },
    })),
  ];
}

/** The whole configuration, or the code of the GroveError it fails with. */
function outcome(mods: unknown[]): { value: unknown } | { code: string } {
  try {
    return { value: deepForce(evalModules({ modules: mods }).config) };
  } catch (e) {
    if (e instanceof GroveError) return { code: e.code };
    throw e;
  }
}

describe("random module sets", () => {
  it("either evaluate or fail with a GroveError, never another exception", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        outcome(modules(s));
      }),
      { numRuns: 400 },
    );
  });

  it("give the same result in any module order (for order-free types)", () => {
    fc.assert(
      fc.property(scenario, fc.func(fc.integer()), (s, key) => {
        const mods = modules(s);
        const [decl, ...defs] = mods;
        const shuffled = [decl, ...[...defs].sort((x, y) => key(x) - key(y))];
        const a = outcome(mods);
        const b = outcome(shuffled);
        if ("value" in a && "value" in b) expect(b.value).toEqual(a.value);
        else expect("code" in b ? b.code : "value").toBe("code" in a ? a.code : "value");
      }),
      { numRuns: 300 },
    );
  });

  it("give each evaluation its own result, whatever was evaluated before (merged values are shared)", () => {
    // Composite types shared by every scenario, as a fleet's aspects share theirs.
    const sub = types.attrsOf(
      types.submodule(({ name }: { name: string }) => ({
        options: {
          port: mkOption({ type: types.int, default: 0 }),
          tags: mkOption({ type: types.listOf(types.str), default: [] }),
          label: mkOption({ type: types.str, default: name }),
        },
      })),
    );
    const list = types.listOf(types.int);
    const entry = fc.record({
      port: fc.integer({ min: 0, max: 2 }),
      tags: fc.array(fc.constantFrom("p", "q"), { maxLength: 2 }),
    });
    const def = fc.record({
      target: fc.constantFrom("sub", "list"),
      file: fc.constantFrom("x.ts", "y.ts"),
      sub: fc.dictionary(fc.constantFrom("m", "n"), entry, { maxKeys: 2 }),
      list: fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 3 }),
      wrap,
    });
    const decl = {
      _file: "decl.ts",
      options: { sub: mkOption({ type: sub, default: {} }), list: mkOption({ type: list, default: [] }) },
    };
    let run = 0;
    // `fresh` names every file after this run alone: nothing merged before can match it.
    const build = (
      defs: { target: string; file: string; sub: object; list: number[]; wrap: Wrap }[],
      fresh = false,
    ) => {
      const tag = fresh ? `#${++run}` : "";
      return [
        decl,
        ...defs.map((d) => ({
          _file: d.file + tag,
          config: { [d.target]: wrapped(d.wrap, structuredClone(d.target === "sub" ? d.sub : d.list)) },
        })),
      ];
    };
    fc.assert(
      fc.property(fc.array(fc.array(def, { maxLength: 4 }), { minLength: 2, maxLength: 6 }), (sets) => {
        for (const d of sets) expect(outcome(build(d))).toEqual(outcome(build(d, true)));
      }),
      { numRuns: 200 },
    );
  });
});
