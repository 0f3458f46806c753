import { describe, expect, it } from "vitest";
import { PackageRef } from "../../src/classes/index.js";
import { deepForce, evalModules, FloatValue, mkOption, type OptionType, types } from "../../src/lib/index.js";

/** The value of option `v` of `type` defined by each of `defs` (one module per definition). */
function merged(type: OptionType, ...defs: unknown[]) {
  return evalModules({
    modules: [
      { options: { v: mkOption({ type }) } },
      ...defs.map((d, i) => ({ _file: `m${i}.ts`, config: { v: d } })),
    ],
  }).config.v;
}

function fails(type: OptionType, ...defs: unknown[]) {
  try {
    deepForce(merged(type, ...defs));
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return "no error";
}

describe("types", () => {
  it("bool, int, float, number, str and their checks", () => {
    expect(merged(types.bool, true, true)).toBe(true);
    expect(fails(types.bool, true, false)).toBe("Conflict");
    expect(fails(types.int, 1.5)).toBe("TypeMismatch");
    expect(merged(types.float, 1.5)).toBe(1.5);
    expect(merged(types.float, new FloatValue(0)).valueOf()).toBe(0);
    expect(fails(types.float, 1)).toBe("TypeMismatch");
    expect(merged(types.number, 1)).toBe(1);
    expect(fails(types.str, 1)).toBe("TypeMismatch");
    expect(fails(types.nonEmptyStr, " \n")).toBe("TypeMismatch");
    expect(merged(types.singleLineStr, "one\n")).toBe("one");
    expect(fails(types.singleLineStr, "a\nb")).toBe("TypeMismatch");
  });

  it("integer ranges, ports and number ranges", () => {
    expect(merged(types.port, 65535)).toBe(65535);
    expect(fails(types.port, 65536)).toBe("TypeMismatch");
    expect(fails(types.ints.u8, -1)).toBe("TypeMismatch");
    expect(merged(types.ints.s8, -128)).toBe(-128);
    expect(fails(types.ints.positive, 0)).toBe("TypeMismatch");
    expect(merged(types.ints.between(1, 3), 3)).toBe(3);
    expect(merged(types.numbers.between(0, 1), 0.5)).toBe(0.5);
    expect(fails(types.numbers.nonnegative, -0.5)).toBe("TypeMismatch");
    expect(types.port.description).toBe("16 bit unsigned integer; between 0 and 65535 (both inclusive)");
  });

  it("strings joined and matched", () => {
    expect(merged(types.lines, "a", "b")).toBe("b\na");
    expect(merged(types.commas, "a", "b")).toBe("b,a");
    expect(merged(types.strMatching("[a-z]+"), "abc")).toBe("abc");
    expect(fails(types.strMatching("[a-z]+"), "abc1")).toBe("TypeMismatch");
    expect(merged(types.path, "/etc")).toBe("/etc");
    expect(fails(types.path, "etc")).toBe("TypeMismatch");
  });

  it("enum, nullOr, either, oneOf, coercedTo, addCheck", () => {
    expect(merged(types.enum(["a", "b"]), "b")).toBe("b");
    expect(fails(types.enum(["a", "b"]), "c")).toBe("TypeMismatch");
    expect(merged(types.nullOr(types.int), null, null)).toBe(null);
    expect(fails(types.nullOr(types.int), null, 1)).toBe("Conflict");
    expect(merged(types.either(types.int, types.str), "x")).toBe("x");
    expect(fails(types.oneOf([types.int, types.bool]), "x")).toBe("TypeMismatch");
    expect(
      merged(
        types.coercedTo(types.int, (v) => String(v), types.str),
        42,
      ),
    ).toBe("42");
    const even = types.addCheck(types.int, (v) => (v as number) % 2 === 0);
    expect(fails(even, 3)).toBe("TypeMismatch");
  });

  it("listOf concatenates, nonEmptyListOf refuses empty, unique refuses two definitions", () => {
    expect(deepForce(merged(types.listOf(types.int), [1], [2, 3]))).toEqual([2, 3, 1]);
    expect(fails(types.listOf(types.int), [1, "x"])).toBe("TypeMismatch");
    expect(fails(types.nonEmptyListOf(types.int), [])).toBe("TypeMismatch");
    expect(fails(types.uniq(types.int), 1, 1)).toBe("Conflict");
    expect(fails(types.unique({ message: "only one" }, types.listOf(types.int)), [1], [2])).toBe("Conflict");
  });

  it("attrsOf merges per attribute and is lazy in its values; lazyAttrsOf keeps names", () => {
    const v = merged(types.attrsOf(types.int), { a: 1 }, { b: 2 });
    expect(deepForce(v)).toEqual({ a: 1, b: 2 });
    const lazyBad = merged(types.attrsOf(types.int), { ok: 1, bad: "x" });
    expect(lazyBad.ok).toBe(1);
    expect(() => lazyBad.bad).toThrowError(
      expect.objectContaining({ code: "TypeMismatch", path: ["v", "bad"] }),
    );
    expect(Object.keys(merged(types.lazyAttrsOf(types.int), { a: 1 }))).toEqual(["a"]);
  });

  it("anything merges sets recursively and refuses different kinds", () => {
    expect(deepForce(merged(types.anything, { a: { x: 1 } }, { a: { y: 2 } }))).toEqual({
      a: { x: 1, y: 2 },
    });
    expect(fails(types.anything, { a: 1 }, [1])).toBe("Conflict");
    expect(merged(types.raw, 5)).toBe(5);
    expect(fails(types.raw, 5, 6)).toBe("Conflict");
    expect(deepForce(merged(types.unspecified, [1], [2]))).toEqual([2, 1]);
  });

  it("functionTo merges the results of every definition", () => {
    const f = merged(
      types.functionTo(types.listOf(types.str)),
      (x: string) => [`a-${x}`],
      () => ["b"],
    ) as (x: string) => unknown;
    expect(deepForce(f("z"))).toEqual(["b", "a-z"]);
  });

  it("package accepts package references", () => {
    expect(merged(types.package, new PackageRef("fd", "stable")).toJSON()).toEqual({
      $package: "fd",
      channel: "stable",
    });
    expect(fails(types.package, "fd")).toBe("TypeMismatch");
  });

  it("submodule evaluates each value as its own module set, with its name", () => {
    const sub = types.attrsOf(
      types.submodule(({ name }: { name: string }) => ({
        options: {
          id: mkOption({ type: types.str, default: name }),
          port: mkOption({ type: types.port, default: 80 }),
        },
      })),
    );
    expect(deepForce(merged(sub, { web: { port: 8080 } }, { db: {} }))).toEqual({
      web: { id: "web", port: 8080 },
      db: { id: "db", port: 80 },
    });
  });

  it("a submodule's own modules, unified once for every instance, keep Nix's keys wherever they are reused", () => {
    // Expected values computed by nix-instantiate with the reference nixpkgs lib, same modules.
    const shared = {
      options: { tags: mkOption({ type: types.listOf(types.str), default: [] }) },
      config: { tags: ["base"] },
    };
    const handles = ({ extendModules, moduleType }: Record<string, unknown>) => ({
      options: { handles: mkOption({ type: types.raw, default: { extendModules, moduleType } }) },
    });
    const r = merged(types.attrsOf(types.submodule([shared, handles])), { a: { tags: ["x"] }, b: {} });
    expect(r.a.tags).toEqual(["base", "x"]);
    expect(r.b.tags).toEqual(["base"]);

    // Extending an instance keeps its modules at their places: reused, applied once each.
    const { extendModules, moduleType } = r.a.handles;
    expect(extendModules({ modules: [{ config: { tags: ["y"] } }] }).config.tags).toEqual(["base", "y", "x"]);

    // An instance's type leads with one more module: the same modules at new places get new keys
    // (reusing the old ones would drop `shared' as a duplicate of another anonymous module).
    expect(merged(types.attrsOf(moduleType), { c: { tags: ["z"] } }).c.tags).toEqual(["base", "z", "x"]);
  });

  it("deferredModule keeps definitions as modules for another evaluation", () => {
    const d = merged(types.deferredModule, { config: { a: 1 } }, ({ lib }: any) => ({
      config: { a: lib.mkForce(2) },
    }));
    const r = evalModules({ modules: [{ options: { a: mkOption({ type: types.int }) } }, d] });
    expect(r.config.a).toBe(2);
  });

  it("attrTag takes exactly one tagged choice", () => {
    const t = types.attrTag({ tcp: mkOption({ type: types.port }), cmd: mkOption({ type: types.str }) });
    expect(deepForce(merged(t, { tcp: 22 }))).toEqual({ tcp: 22 });
    expect(fails(t, { tcp: 22, cmd: "x" })).toBe("TypeMismatch");
    expect(fails(t, { tcp: 22 }, { cmd: "x" })).toBe("Conflict");
  });

  it("describes composite types as Nix does", () => {
    expect(types.attrsOf(types.listOf(types.nullOr(types.str))).description).toBe(
      "attribute set of list of (null or string)",
    );
    expect(types.either(types.int, types.listOf(types.str)).description).toBe(
      "signed integer or list of string",
    );
  });
});
