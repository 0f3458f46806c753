import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  type Def,
  deepForce,
  evalModules,
  FloatValue,
  mkAfter,
  mkBefore,
  mkDefault,
  mkDefinition,
  mkForce,
  mkIf,
  mkMerge,
  mkOption,
  mkOptionDefault,
  mkOrder,
  mkOverride,
  type OptionNode,
  types,
} from "../../../src/lib/index.js";
import { type OptionDefinitions, renderDefinitions, renderModule } from "../../../src/render/nix/index.js";
import { NixDir } from "./nix.js";

const dir = new NixDir();
afterAll(() => dir.remove());

/**
 * Options declared twice, once for Grove and once in Nix, and definitions of them as modules write
 * them: each definition is a module of its own, in this order.
 */
interface Case {
  readonly options: Record<string, unknown>;
  /** The same declarations as a Nix function of `lib`. */
  readonly nixOptions: string;
  readonly written: readonly OptionDefinitions[];
}

function setAt(path: readonly string[], value: unknown): unknown {
  return path.reduceRight<unknown>((v, name) => ({ [name]: v }), value);
}

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
 * Grove's own evaluation: its merged config, and each option's definitions as the module system
 * keeps them (its order, wrappers intact), which is what the emitter is given.
 */
function groveEval(c: Case): { config: unknown; definitions: OptionDefinitions[] } {
  const modules: unknown[] = [{ _file: "declarations", options: c.options }];
  for (const { path, definitions } of c.written) {
    for (const d of definitions) modules.push({ _file: d.file, config: setAt(path, d.value) });
  }
  const ev = evalModules({ modules });
  const config = deepForce(Object.fromEntries(Object.keys(c.options).map((k) => [k, ev.config[k]])));
  const definitions = c.written.map(({ path }) => {
    const option = path.reduce<any>((o, name) => o[name], ev.options) as OptionNode;
    return { path, definitions: option.merging.defs };
  });
  return { config, definitions };
}

/**
 * Nix's evaluation of each case: nixpkgs' `lib.evalModules` over the declarations and the emitted
 * module, all cases in one `nix-instantiate` call. Returns the config and its shape per case.
 */
async function nixConfigs(
  cases: readonly Case[],
  name: string,
): Promise<{ value: unknown; shape: unknown }[]> {
  const files: Record<string, string> = {};
  const items: string[] = [];
  cases.forEach((c, i) => {
    files[`${name}/${i}-options.nix`] = `lib: with lib; ${c.nixOptions}\n`;
    files[`${name}/${i}.nix`] = renderModule({ definitions: groveEval(c).definitions });
    items.push(`  (check ./${i}-options.nix ./${i}.nix)`);
  });
  files[`${name}/pkgs.nix`] = `{
  ripgrep = { type = "derivation"; name = "ripgrep"; };
  stable.fd = { type = "derivation"; name = "fd"; };
}
`;
  files[`${name}/check.nix`] = `let
  lib = import <nixpkgs-lib>;
  pkgs = import ./pkgs.nix;
  shape = v:
    if builtins.isFloat v then "float"
    else if builtins.isInt v then "int"
    else if builtins.isList v then map shape v
    else if builtins.isAttrs v then builtins.mapAttrs (_: shape) v
    else builtins.typeOf v;
  check = options: module:
    let
      config = (lib.evalModules {
        modules = [ { options = import options lib; } module ];
        specialArgs = { inherit pkgs; };
      }).config;
      value = builtins.removeAttrs config [ "_module" ];
    in { inherit value; shape = shape value; };
in [
${items.join("\n")}
]
`;
  dir.write(files);
  return (await dir.eval(`${name}/check.nix`)) as { value: unknown; shape: unknown }[];
}

async function expectSameMerge(cases: readonly Case[], name: string): Promise<void> {
  const results = await nixConfigs(cases, name);
  cases.forEach((c, i) => {
    const grove = groveEval(c).config;
    expect(results[i]!.value, `case ${i}`).toEqual(JSON.parse(JSON.stringify(grove)));
    expect(results[i]!.shape, `case ${i}`).toEqual(shape(grove));
  });
}

const def = (file: string, line: number | undefined, value: unknown): Def => ({ file, line, value });

describe("Nix merges the emitted definitions exactly as Grove does", () => {
  const cases: Case[] = [
    {
      // Orders sort stably across files; plain definitions sit at 1000.
      options: { ports: mkOption({ type: types.listOf(types.int) }) },
      nixOptions: "{ ports = mkOption { type = types.listOf types.int; }; }",
      written: [
        {
          path: ["ports"],
          definitions: [
            def("modules/ssh.ts", 3, [22]),
            def("modules/web.ts", 8, mkBefore([80, 443])),
            def("modules/metrics.ts", 2, mkAfter([9100])),
            def("modules/early.ts", 1, mkOrder(700, [1])),
            def("modules/late.ts", undefined, [2]),
            def("modules/web.ts", 9, mkBefore([8080])),
            def("modules/helper.ts", 4, mkDefinition("modules/on-behalf.ts", mkAfter([7]))),
          ],
        },
      ],
    },
    {
      // The highest priority wins; the losers are still emitted, for Nix to discard.
      options: {
        forced: mkOption({ type: types.int }),
        custom: mkOption({ type: types.int }),
        fallback: mkOption({ type: types.str }),
        byDefault: mkOption({ type: types.int, default: 1 }),
      },
      nixOptions: `{
  forced = mkOption { type = types.int; };
  custom = mkOption { type = types.int; };
  fallback = mkOption { type = types.str; };
  byDefault = mkOption { type = types.int; default = 1; };
}`,
      written: [
        {
          path: ["forced"],
          definitions: [def("a.ts", 1, mkDefault(1)), def("b.ts", 2, mkForce(5)), def("c.ts", 3, 3)],
        },
        { path: ["custom"], definitions: [def("a.ts", 4, mkDefault(1)), def("b.ts", 5, mkOverride(900, 2))] },
        { path: ["fallback"], definitions: [def("a.ts", 6, mkOptionDefault("only"))] },
        { path: ["byDefault"], definitions: [def("a.ts", 7, mkDefault(7))] },
      ],
    },
    {
      // Attribute sets merge per attribute; wrappers inside them are pushed down by both.
      options: { env: mkOption({ type: types.attrsOf(types.str) }) },
      nixOptions: "{ env = mkOption { type = types.attrsOf types.str; }; }",
      written: [
        {
          path: ["env"],
          definitions: [
            def("a.ts", 1, { EDITOR: mkDefault("nano"), PAGER: "less" }),
            def("b.ts", 2, { EDITOR: "vim" }),
            def("c.ts", 3, mkForce({ LANG: "C.UTF-8" })),
            def("d.ts", 4, mkIf(false, { NEVER: "x" })),
            def(
              "e.ts",
              5,
              mkMerge([{ TERM: "xterm" }, mkIf(true, { COLOR: "1" }), mkIf(false, { NO: "x" })]),
            ),
          ],
        },
      ],
    },
    {
      // Submodules: priorities and orders inside, a conditional user, defaults filled in by both.
      options: {
        users: mkOption({
          type: types.attrsOf(
            types.submodule({
              options: {
                groups: mkOption({ type: types.listOf(types.str), default: [] }),
                shell: mkOption({ type: types.str, default: "bash" }),
                uid: mkOption({ type: types.nullOr(types.int), default: null }),
              },
            }),
          ),
        }),
      },
      nixOptions: `{
  users = mkOption {
    type = types.attrsOf (types.submodule {
      options = {
        groups = mkOption { type = types.listOf types.str; default = [ ]; };
        shell = mkOption { type = types.str; default = "bash"; };
        uid = mkOption { type = types.nullOr types.int; default = null; };
      };
    });
  };
}`,
      written: [
        {
          path: ["users"],
          definitions: [
            def("users/alice.ts", 1, { alice: { groups: mkBefore(["wheel"]) } }),
            def("base.ts", 2, { alice: { groups: ["users"], shell: mkDefault("zsh") }, bob: { uid: 1001 } }),
            def("carol.ts", 3, mkIf(false, { carol: {} })),
            def("shells.ts", 4, { bob: { shell: mkForce("fish") }, alice: { shell: "nu" } }),
          ],
        },
      ],
    },
    {
      // Lines concatenate in order; floats stay floats; a condition settles a boolean.
      options: {
        text: mkOption({ type: types.lines }),
        delay: mkOption({ type: types.float }),
        enable: mkOption({ type: types.bool }),
      },
      nixOptions: `{
  text = mkOption { type = types.lines; };
  delay = mkOption { type = types.float; };
  enable = mkOption { type = types.bool; };
}`,
      written: [
        {
          path: ["text"],
          definitions: [
            def("a.ts", 1, mkAfter("last ${x}")),
            def("b.ts", 2, "middle\nwith ''quotes''\n"),
            def("c.ts", 3, mkBefore('first "line"')),
          ],
        },
        { path: ["delay"], definitions: [def("a.ts", 4, 0.5), def("mac.ts", 5, mkForce(new FloatValue(0)))] },
        {
          path: ["enable"],
          definitions: [
            def("a.ts", 6, mkIf(true, mkDefault(false))),
            def(
              "b.ts",
              7,
              mkIf(() => true, true),
            ),
          ],
        },
      ],
    },
    {
      // Free-form data (`anything`), the way pass-through options often look.
      options: { settings: mkOption({ type: types.anything }) },
      nixOptions: "{ settings = mkOption { type = types.anything; }; }",
      written: [
        {
          path: ["settings"],
          definitions: [
            def("a.ts", 1, { ui: { theme: mkDefault("light"), "font-size": 12 }, if: null }),
            def("b.ts", 2, { ui: { theme: "dark" }, plugins: ["a", "b"], ratio: new FloatValue(1) }),
          ],
        },
      ],
    },
  ];

  it("for priorities, orders, several files, submodules and conditions", async () => {
    await expectSameMerge(cases, "cases");
  });

  it("for random definitions of lists, lines and sets of lists", async () => {
    const wrap = (v: fc.Arbitrary<unknown>) =>
      fc
        .tuple(
          fc.constantFrom(undefined, 50, 100, 900, 1000, 1500),
          fc.constantFrom(undefined, 500, 1000, 1200, 1500),
          v,
        )
        .map(([prio, order, x]) => {
          const ordered = order === undefined ? x : mkOrder(order, x);
          return prio === undefined ? ordered : mkOverride(prio, ordered);
        });
    const defs = (v: fc.Arbitrary<unknown>) =>
      fc.array(
        fc
          .tuple(fc.constantFrom("a.ts", "b.ts", "c.ts"), fc.nat(99), wrap(v))
          .map(([f, l, x]) => def(f, l, x)),
        { minLength: 1, maxLength: 6 },
      );
    const ints = fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 3 });
    const arbitraryDefinitions = fc.record({
      list: defs(ints),
      lines: defs(fc.string({ unit: fc.constantFrom("a", "$", "{", "'", "\n", '"'), maxLength: 8 })),
      // Orders inside the sets too, as pass-through attribute sets carry them.
      sets: defs(
        fc.dictionary(
          fc.constantFrom("x", "y", "if", "a b"),
          fc
            .tuple(fc.constantFrom(undefined, 500, 1500), ints)
            .map(([order, x]) => (order === undefined ? x : mkOrder(order, x))),
          { maxKeys: 3 },
        ),
      ),
    });
    const options = {
      list: mkOption({ type: types.listOf(types.int) }),
      lines: mkOption({ type: types.lines }),
      sets: mkOption({ type: types.attrsOf(types.listOf(types.int)), default: {} }),
    };
    const nixOptions = `{
  list = mkOption { type = types.listOf types.int; };
  lines = mkOption { type = types.lines; };
  sets = mkOption { type = types.attrsOf (types.listOf types.int); default = { }; };
}`;
    await fc.assert(
      fc.asyncProperty(fc.array(arbitraryDefinitions, { minLength: 20, maxLength: 30 }), async (batch) => {
        const cases = batch.map(
          (d): Case => ({
            options,
            nixOptions,
            written: [
              { path: ["list"], definitions: d.list },
              { path: ["lines"], definitions: d.lines },
              { path: ["sets"], definitions: d.sets },
            ],
          }),
        );
        await expectSameMerge(cases, "random");
      }),
      { numRuns: 5 },
    );
  });

  it("for package references, against the machine's package set", async () => {
    const c: Case = {
      options: { packages: mkOption({ type: types.listOf(types.package) }) },
      nixOptions: "{ packages = mkOption { type = types.listOf types.package; }; }",
      written: [
        {
          path: ["packages"],
          definitions: [
            def("shell.ts", 1, [{ _type: "package", name: "ripgrep" }]),
            def("tools.ts", 2, mkBefore([{ _type: "package", name: "fd", channel: "stable" }])),
          ],
        },
      ],
    };
    await nixConfigs([c], "packages");
    // Nix's JSON of a derivation is its output path (absent here): compare the names instead.
    dir.write({
      "packages/names.nix": `let
  lib = import <nixpkgs-lib>;
  eval = lib.evalModules {
    modules = [ { options = import ./0-options.nix lib; } ./0.nix ];
    specialArgs.pkgs = import ./pkgs.nix;
  };
in map (p: p.name) eval.config.packages
`,
    });
    const grove = groveEval(c).config as { packages: { name: string }[] };
    expect(grove.packages.map((p) => p.name)).toEqual(["fd", "ripgrep"]);
    expect(await dir.eval("packages/names.nix")).toEqual(["fd", "ripgrep"]);
  });
});

describe("renderDefinitions", () => {
  it("writes one definition under a comment naming its file and line", () => {
    expect(
      renderDefinitions(["services", "openssh", "enable"], [def("modules/base.ts", 4, mkDefault(true))]),
    ).toBe("# modules/base.ts:4\nservices.openssh.enable = lib.mkDefault true;\n");
  });

  it("writes several as lib.mkMerge, in order, each under its comment", () => {
    expect(
      renderDefinitions(
        ["networking", "firewall", "allowedTCPPorts"],
        [
          def("modules/ssh.ts", 3, [22]),
          def("modules/web.ts", 8, mkOrder(500, [80, 443])),
          def("modules/odd\nname.ts", undefined, mkForce(mkAfter([-1]))),
        ],
      ),
    ).toBe(`networking.firewall.allowedTCPPorts = lib.mkMerge [
  # modules/ssh.ts:3
  [ 22 ]
  # modules/web.ts:8
  (lib.mkBefore [ 80 443 ])
  # modules/odd name.ts
  (lib.mkForce (lib.mkAfter [ (-1) ]))
];
`);
  });

  it("settles conditions and expands merges of whole definitions", () => {
    expect(
      renderDefinitions(
        ["a", "if"],
        [
          def("x.ts", 1, mkMerge([mkIf(false, 1), mkIf(true, mkOverride(900, 2))])),
          def("y.ts", 2, mkIf(false, 3)),
        ],
      ),
    ).toBe('# x.ts:1\na."if" = lib.mkOverride 900 2;\n');
    expect(renderDefinitions(["a"], [def("y.ts", 2, mkIf(false, 3))])).toBe("a = lib.mkMerge [ ];\n");
  });

  it("names the option when a definition cannot be written", () => {
    expect(() => renderDefinitions(["a", "b"], [def("x.ts", 1, { f: () => 1 })])).toThrow(/`a\.b\.f'/);
  });
});
