import { describe, expect, it } from "vitest";
import {
  deepForce,
  evalModules,
  lazy,
  mkAfter,
  mkBefore,
  mkDefault,
  mkForce,
  mkIf,
  mkMerge,
  mkOption,
  mkOrder,
  mkOverride,
  moduleLocation,
  type OptionNode,
  types,
} from "../../src/lib/index.js";

const intOpt = (extra = {}) => mkOption({ type: types.int, ...extra });
const listOpt = () => mkOption({ type: types.listOf(types.str), default: [] });

describe("wrappers", () => {
  it("priorities: lower wins, equal ones merge", () => {
    const r = evalModules({
      modules: [
        { options: { a: intOpt({ default: 1 }), b: intOpt(), l: listOpt() } },
        { config: { a: mkDefault(2), b: mkOverride(10, 5), l: mkForce(["forced"]) } },
        { config: { b: 6, l: ["plain"] } },
      ],
    });
    expect(r.config.a).toBe(2);
    expect(r.config.b).toBe(5);
    expect(deepForce(r.config.l)).toEqual(["forced"]);
    expect(r.options.a.highestPrio).toBe(1000);
    expect(r.options.b.highestPrio).toBe(10);
  });

  it("mkIf reads its condition lazily and is pushed into attribute sets", () => {
    const r = evalModules({
      modules: [
        {
          options: {
            enable: mkOption({ type: types.bool, default: false }),
            port: intOpt({ default: 0 }),
            l: listOpt(),
          },
        },
        ({ config }: any) => ({ config: mkIf(() => config.enable, { port: 8080, l: ["on"] }) }),
        { config: { enable: true } },
      ],
    });
    expect(r.config.port).toBe(8080);
    expect(deepForce(r.config.l)).toEqual(["on"]);
  });

  it("mkMerge, mkOrder, mkBefore and mkAfter", () => {
    const r = evalModules({
      modules: [
        { options: { l: listOpt() } },
        { config: { l: mkMerge([["m1"], mkAfter(["last"]), mkBefore(["first"]), mkOrder(700, ["early"])]) } },
      ],
    });
    expect(deepForce(r.config.l)).toEqual(["first", "early", "m1", "last"]);
  });

  it("a non-boolean condition is a type error", () => {
    const r = evalModules({
      modules: [{ options: { a: intOpt({ default: 0 }) } }, { config: { a: mkIf("yes" as never, 1) } }],
    });
    expect(() => r.config.a).toThrowError(
      expect.objectContaining({ code: "TypeMismatch", message: expect.stringContaining("non-Boolean") }),
    );
  });
});

describe("laziness", () => {
  it("forces only what a read needs", () => {
    let forced = 0;
    const r = evalModules({
      modules: [
        { options: { a: intOpt(), b: intOpt() } },
        {
          config: {
            a: 1,
            b: lazy(() => {
              forced++;
              return 2;
            }),
          },
        },
      ],
    });
    expect(r.config.a).toBe(1);
    expect(forced).toBe(0);
    expect(r.config.b).toBe(2);
    expect(r.config.b).toBe(2);
    expect(forced).toBe(1);
  });

  it("getters are lazy positions", () => {
    const r = evalModules({
      modules: [
        {
          options: {
            name: mkOption({ type: types.str, default: "x" }),
            greeting: mkOption({ type: types.str }),
          },
        },
        ({ config }: any) => ({
          config: {
            get greeting() {
              return `hello ${config.name}`;
            },
          },
        }),
      ],
    });
    expect(r.config.greeting).toBe("hello x");
  });

  it("reading config while modules are collected is EagerConfigRead, naming the path and the fix", () => {
    const r = () =>
      evalModules({
        modules: [
          { options: { a: intOpt({ default: 1 }) } },
          ({ config }: any) => ({ config: { b: config.a } }),
        ],
      });
    expect(r).toThrowError(
      expect.objectContaining({
        code: "EagerConfigRead",
        path: ["a"],
        hint: expect.stringContaining("lazy(() => value)"),
      }),
    );
  });

  it("a cycle is InfiniteRecursion listing the option paths", () => {
    const r = evalModules({
      modules: [
        { options: { a: intOpt(), b: intOpt() } },
        ({ config }: any) => ({ config: { a: lazy(() => config.b + 1), b: lazy(() => config.a + 1) } }),
      ],
    });
    expect(() => r.config.a).toThrowError(
      expect.objectContaining({
        code: "InfiniteRecursion",
        message: expect.stringContaining("`a' -> `b' -> `a'"),
      }),
    );
  });

  it("a module argument from _module.args can be taken while collecting and used later", () => {
    const r = evalModules({
      modules: [
        { options: { a: mkOption({ type: types.str }) } },
        { config: { _module: { args: { greeting: "hi" } } } },
        ({ greeting }: any) => ({ config: { a: lazy(() => `${greeting}!`) } }),
      ],
    });
    expect(r.config.a).toBe("hi!");
  });
});

describe("provenance and errors", () => {
  it("definitions keep their file and line; conflicts list every one", () => {
    const m1 = Object.assign({ config: { a: 1 } }, { [moduleLocation]: { file: "hosts/a.ts", line: 3 } });
    const m2 = Object.assign({ config: { a: 2 } }, { [moduleLocation]: { file: "hosts/b.ts", line: 7 } });
    const r = evalModules({ modules: [{ options: { a: intOpt() } }, m1, m2] });
    expect(() => r.config.a).toThrowError(
      expect.objectContaining({
        code: "Conflict",
        message: expect.stringMatching(/hosts\/b\.ts:7': 2[\s\S]*hosts\/a\.ts:3': 1/),
        hint: expect.stringContaining("mkForce"),
      }),
    );
    const node = r.options.a as OptionNode;
    expect(node.files).toEqual(["hosts/b.ts", "hosts/a.ts"]);
    expect(node.isDefined).toBe(true);
  });

  it("an undefined option names the nearest declared one", () => {
    const r = evalModules({
      modules: [
        { options: { enable: mkOption({ type: types.bool, default: false }) } },
        { config: { enabel: true } },
      ],
    });
    expect(() => r.config.enable).toThrowError(
      expect.objectContaining({
        code: "UndefinedOption",
        message: expect.stringContaining("Did you mean `enable'?"),
      }),
    );
  });

  it("a user's exception inside a definition names the option", () => {
    const r = evalModules({
      modules: [
        { options: { a: intOpt() } },
        {
          config: {
            a: lazy(() => {
              throw new Error("boom");
            }),
          },
        },
      ],
    });
    expect(() => r.config.a).toThrowError(
      expect.objectContaining({
        code: "DefinitionThrew",
        path: ["a"],
        message: expect.stringContaining("boom"),
      }),
    );
  });

  it("keys apply a module once; _class rejects another class's module", () => {
    const shared = { key: "shared", options: { n: intOpt({ default: 1 }) } };
    const r = evalModules({ modules: [{ imports: [shared] }, { imports: [shared] }] });
    expect(r.config.n).toBe(1);
    expect(() =>
      evalModules({ class: "nixos", modules: [{ _class: "darwin", _file: "mac.ts", config: {} }] }),
    ).toThrowError(expect.objectContaining({ code: "ClassMismatch", file: "mac.ts" }));
  });
});
