import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { GroveError } from "../../../src/errors.js";
import {
  FloatValue,
  lazy,
  mkDefault,
  mkDefinition,
  mkForce,
  mkIf,
  mkMerge,
  mkOrder,
} from "../../../src/lib/index.js";
import { nixExpr, nixPath, toNix } from "../../../src/render/nix/index.js";
import { NixDir } from "./nix.js";

const dir = new NixDir();
afterAll(() => dir.remove());

/** Int/float/… of every leaf, as Nix's `builtins.isFloat` would see the value. */
function shape(v: unknown): unknown {
  if (v instanceof FloatValue) return "float";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (typeof v === "boolean") return "bool";
  if (v === null) return "null";
  if (typeof v === "string") return "string";
  if (Array.isArray(v)) return v.map(shape);
  return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, shape(x)]));
}

/**
 * JSON in which integers beyond 2^53 keep their exact digits (`JSON.stringify` prints the shortest
 * decimal that reads back as the same double, which Nix would read as another integer).
 */
function exactJson(v: unknown): string {
  if (v instanceof FloatValue) return exactJson(v.value);
  if (typeof v === "number" && Number.isInteger(v) && !Number.isSafeInteger(v)) return BigInt(v).toString();
  if (Array.isArray(v)) return `[${v.map(exactJson).join(",")}]`;
  if (typeof v === "object" && v !== null)
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}:${exactJson(x)}`)
      .join(",")}}`;
  return JSON.stringify(v);
}

/**
 * Evaluates `toNix` of each value with Nix and reports, per value, whether Nix's value equals
 * the JSON of the original (read by `builtins.fromJSON`, so numbers compare exactly) and what
 * kind each leaf has. One `nix-instantiate` call for the whole batch.
 */
async function roundTrip(values: readonly unknown[], name: string) {
  dir.write({
    [`${name}.nix`]: `${toNix(values)}\n`,
    [`${name}.json`]: exactJson(values),
    [`${name}-check.nix`]: `let
  got = import ./${name}.nix;
  want = builtins.fromJSON (builtins.readFile ./${name}.json);
  shape = v:
    if builtins.isFloat v then "float"
    else if builtins.isInt v then "int"
    else if builtins.isList v then map shape v
    else if builtins.isAttrs v then builtins.mapAttrs (_: shape) v
    else builtins.typeOf v;
in builtins.genList (i: {
  same = builtins.elemAt got i == builtins.elemAt want i;
  shape = shape (builtins.elemAt got i);
}) (builtins.length want)
`,
  });
  const results = (await dir.eval(`${name}-check.nix`)) as { same: boolean; shape: unknown }[];
  return results.map((r, i) => ({ ...r, expectedShape: shape(values[i]) }));
}

function expectRoundTrip(results: Awaited<ReturnType<typeof roundTrip>>) {
  for (const r of results) {
    expect(r.same).toBe(true);
    expect(r.shape).toEqual(r.expectedShape);
  }
}

describe("layout", () => {
  it("sorts names, writes one-attribute chains as paths and short scalar sets and lists on one line", () => {
    const value = {
      services: { openssh: { enable: true, ports: [22, 2222] } },
      fileSystems: { "/": { device: "/dev/disk/by-label/nixos", fsType: "ext4" } },
      environment: {
        etc: { "nix/nix.conf": { text: "experimental-features = nix-command flakes\nsandbox = true\n" } },
      },
      users: {},
      "1password": { enable: false },
    };
    expect(toNix(value)).toBe(`{
  "1password".enable = false;
  environment.etc."nix/nix.conf".text = ''
    experimental-features = nix-command flakes
    sandbox = true
  '';
  fileSystems."/" = { device = "/dev/disk/by-label/nixos"; fsType = "ext4"; };
  services.openssh = { enable = true; ports = [ 22 2222 ]; };
  users = { };
}`);
  });

  it("puts long lists and sets holding sets on their own lines", () => {
    const value = { a: Array.from({ length: 12 }, (_, i) => `element-${i}`), b: { c: { d: 1, f: 2 }, e: 2 } };
    expect(toNix(value)).toBe(`{
  a = [
${Array.from({ length: 12 }, (_, i) => `    "element-${i}"`).join("\n")}
  ];
  b = {
    c = { d = 1; f = 2; };
    e = 2;
  };
}`);
  });

  it("is deterministic: the order names were added in does not matter", () => {
    const a = { z: 1, a: { y: [1, 2], b: "x" }, m: null };
    const b = { m: null, a: { b: "x", y: [1, 2] }, z: 1 };
    expect(toNix(a)).toBe(toNix(b));
  });

  it("parenthesises negative numbers and applications where an operand goes", () => {
    expect(toNix([-1, mkForce(-2), nixExpr("import ./x.nix"), nixExpr("pkgs.hello"), 3])).toBe(
      "[ (-1) (lib.mkForce (-2)) (import ./x.nix) pkgs.hello 3 ]",
    );
  });

  it("reads lazy values and getters", () => {
    const value = {
      get host() {
        return "web1";
      },
      port: lazy(() => 22),
    };
    expect(toNix(value)).toBe('{ host = "web1"; port = 22; }');
  });
});

describe("numbers", () => {
  it("keep their kind: FloatValue and fractions are floats, whatever their value", async () => {
    const values = [
      0,
      -7,
      42,
      new FloatValue(0),
      new FloatValue(3),
      new FloatValue(-2),
      0.5,
      -1.25,
      1e-7,
      new FloatValue(1e21),
    ];
    expect(toNix(values)).toBe("[ 0 (-7) 42 0.0 3.0 (-2.0) 0.5 (-1.25) 1.0e-7 1.0e+21 ]");
    expectRoundTrip(await roundTrip(values, "numbers"));
  });

  it("are exact to the last bit", async () => {
    const values = [
      0.1 + 0.2,
      Math.PI,
      5e-324,
      new FloatValue(Number.MAX_VALUE),
      -Number.MIN_VALUE,
      2 ** 53 - 1,
      -(2 ** 53 - 1),
      new FloatValue(2 ** 60),
    ];
    expectRoundTrip(await roundTrip(values, "exact"));
  });

  it("write integers beyond 2^53 with all their digits", async () => {
    const big = 2 ** 62;
    expect(toNix(big)).toBe("4611686018427387904");
    dir.write({ "big.nix": `${toNix([big, -big])}\n` });
    // 2^62 as Nix computes it, compared in Nix: no JSON float on the way.
    dir.write({
      "big-check.nix":
        "let v = import ./big.nix; p = builtins.foldl' (a: _: a * 2) 1 (builtins.genList (x: x) 62); in [ (builtins.elemAt v 0 == p) (builtins.elemAt v 1 == -p) ]\n",
    });
    expect(await dir.eval("big-check.nix")).toEqual([true, true]);
  });
});

describe("attribute names", () => {
  const names = [
    "plain",
    "with-dash",
    "under_score",
    "prime'",
    "",
    "has space",
    "dotted.name",
    "nix/nix.conf",
    "1password",
    "0",
    "-leading-dash",
    "'leading-quote",
    "${interpolated}",
    'quote"d',
    "back\\slash",
    "new\nline",
    "ünïcode",
    "if",
    "then",
    "else",
    "assert",
    "with",
    "let",
    "in",
    "rec",
    "inherit",
    "or",
    "true",
    "null",
    "__proto__",
  ];

  it("are escaped so that Nix reads every one back", async () => {
    const set = Object.fromEntries(names.map((n, i) => [n, i]));
    dir.write({ "names.nix": `${toNix(set)}\n` });
    expect(await dir.eval("names.nix")).toEqual(set);
  });

  it("in single-attribute chains too", async () => {
    const values = names.map((n) => ({ [n]: { [n]: { x: true } } }));
    expectRoundTrip(await roundTrip(values, "chains"));
    expect(toNix({ a: { if: { "b.c": 1 } } })).toBe('{ a."if"."b.c" = 1; }');
  });
});

describe("package references", () => {
  it("become expressions over pkgs, each name escaped", async () => {
    const refs = [
      { _type: "package", name: "ripgrep" },
      { _type: "package", name: "fd", channel: "stable" },
      { _type: "package", name: "python3Packages.numpy" },
      { _type: "package", name: "1password-gui" },
      { _type: "package", name: ["some-attr.with-dot"] },
      { _type: "package", name: "if", channel: "unstable" },
    ];
    expect(toNix(refs)).toBe(`[
  pkgs.ripgrep
  pkgs.stable.fd
  pkgs.python3Packages.numpy
  pkgs."1password-gui"
  pkgs."some-attr.with-dot"
  pkgs.unstable."if"
]`);
    dir.write({
      "pkgs.nix": `{ pkgs }: ${toNix(refs)}\n`,
      "pkgs-check.nix": `import ./pkgs.nix {
  pkgs = {
    ripgrep = "rg"; python3Packages.numpy = "np"; "1password-gui" = "1p"; "some-attr.with-dot" = "dot";
    stable.fd = "fd-stable"; unstable."if" = "if-unstable";
  };
}
`,
    });
    expect(await dir.eval("pkgs-check.nix")).toEqual(["rg", "fd-stable", "np", "1p", "dot", "if-unstable"]);
  });

  it("without a usable name are an error", () => {
    expect(() => toNix({ p: { _type: "package", name: "a..b" } }, ["home", "packages"])).toThrow(GroveError);
    expect(() => toNix({ _type: "package", name: 3 })).toThrow(/no valid attribute name/);
  });
});

describe("raw expressions and paths", () => {
  it("are written verbatim; paths resolve against the generated file", async () => {
    const value = [
      nixPath("./files/motd"),
      nixPath("../secrets/web1.yaml"),
      nixPath("./files/my notes ${x}.txt"),
    ];
    expect(toNix(value)).toBe('[ ./files/motd ../secrets/web1.yaml (./. + "/files/my notes \\${x}.txt") ]');
    dir.write({ "sub/paths.nix": `map toString ${toNix(value)}\n` });
    expect(await dir.eval("sub/paths.nix")).toEqual([
      dir.path("sub/files/motd"),
      dir.path("secrets/web1.yaml"),
      dir.path("sub/files/my notes ${x}.txt"),
    ]);
  });

  it("refuses paths that are not relative to the generated file", () => {
    expect(() => nixPath("/etc/hosts")).toThrow(/must start with/);
    expect(() => nixPath("./dir/")).toThrow(/must start with/);
  });
});

describe("wrappers inside values", () => {
  it("render as lib calls; an mkIf in an attribute is settled", () => {
    const value = {
      kept: mkIf(true, mkDefault(1)),
      dropped: mkIf(false, 2),
      emptied: { only: mkIf(() => false, 3) },
      ordered: mkOrder(500, ["a"]),
      merged: mkMerge([{ a: 1 }, mkIf(false, { b: 2 }), mkForce({ c: 3 })]),
      listed: [mkIf(false, 4)],
    };
    expect(toNix(value)).toBe(`{
  emptied = { };
  kept = lib.mkDefault 1;
  listed = [ (lib.mkIf false 4) ];
  merged = lib.mkMerge [
    { a = 1; }
    (lib.mkForce { c = 3; })
  ];
  ordered = lib.mkBefore [ "a" ];
}`);
  });

  it("a definition made on another file's behalf keeps that file", () => {
    expect(toNix({ a: mkDefinition("modules/other.ts", mkForce([1])) })).toBe(
      '{\n  a = lib.mkDefinition { file = "modules/other.ts"; value = lib.mkForce [ 1 ]; };\n}',
    );
  });

  it("an mkIf condition that is not a boolean is an error", () => {
    expect(() => toNix({ a: mkIf("yes" as unknown as boolean, 1) }, ["x"])).toThrow(/non-Boolean/);
  });
});

describe("values Nix cannot hold", () => {
  const cyclic: Record<string, unknown> = { a: { b: 1 } };
  (cyclic.a as Record<string, unknown>).self = cyclic;
  const cases: [string, unknown, RegExp][] = [
    ["a function", { f: () => 1 }, /`opt\.f' .*function/],
    ["a cycle", cyclic, /`opt\.a\.self' .*cycle/],
    ["NaN", { n: Number.NaN }, /`opt\.n' .*NaN/],
    ["Infinity", { list: [1, Number.POSITIVE_INFINITY] }, /`opt\.list\[1\]' .*Infinity/],
    ["a FloatValue of -Infinity", new FloatValue(Number.NEGATIVE_INFINITY), /`opt' .*-Infinity/],
    ["undefined", { u: undefined }, /`opt\.u' .*undefined/],
    ["a bigint", [1n], /bigint/],
    ["a symbol", Symbol("s"), /symbol/],
    ["a Map", new Map(), /Map object/],
    ["an integer beyond 64 bits", 2 ** 64, /64-bit/],
  ];
  for (const [what, value, message] of cases) {
    it(`${what} is a NixUnrepresentable error naming the option`, () => {
      let error: unknown;
      try {
        toNix(value, ["opt"]);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(GroveError);
      expect((error as GroveError).code).toBe("NixUnrepresentable");
      expect((error as GroveError).path?.[0]).toBe("opt");
      expect((error as GroveError).message).toMatch(message);
    });
  }

  it("a cycle through getters that build fresh objects ends with an error, not a crash", () => {
    const endless = (): Record<string, unknown> => ({
      get next() {
        return endless();
      },
      x: 1,
    });
    expect(() => toNix(endless(), ["opt"])).toThrow(/nested more than 1000 levels/);
  });
});

describe("random JSON-like values", () => {
  const key = fc.oneof(
    fc.string({ maxLength: 8 }),
    fc.constantFrom("if", "or", "let", "a.b", "", "1x", "a-b", "x'", "${x}", "nix/nix.conf", "__proto__"),
  );
  const scalar = fc.oneof(
    fc.string({ maxLength: 30 }).filter((s) => !s.includes("\0")),
    fc.constantFrom("a\nb\n", "${x}\n''\n", "  a\nb"),
    fc.boolean(),
    fc.constant(null),
    fc.maxSafeInteger(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => Math.abs(d) < 2 ** 63),
    // Below 2^63 too: the expected JSON would write a larger float as an integer Nix cannot read.
    fc
      .double({ noNaN: true, noDefaultInfinity: true })
      .filter((d) => Math.abs(d) < 2 ** 63)
      .map((d) => new FloatValue(d)),
  );
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalar, tie("list"), tie("set")),
    list: fc.array(tie("value"), { maxLength: 5 }),
    set: fc.dictionary(key, tie("value"), { maxKeys: 5 }),
  }));

  it("round-trip through toNix and nix-instantiate", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(value, { minLength: 20, maxLength: 40 }), async (values) => {
        expectRoundTrip(await roundTrip(values, "random"));
      }),
      { numRuns: 8 },
    );
  });
});
