import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import {
  deepForce,
  evalModules,
  jsonText,
  lazy,
  mkDefault,
  mkForce,
  mkIf,
  mkOption,
  types,
} from "../../src/lib/index.js";

// One aspect as a fleet shares it: its option tree and its constant definitions are the same
// objects in every machine that imports it.
const instanceType = types.attrsOf(
  types.submodule({
    options: {
      host: mkOption({ type: types.str, default: "localhost" }),
      port: mkOption({ type: types.port, default: 8080 }),
    },
  }),
);
const aspectOptions = {
  options: {
    instances: mkOption({ type: instanceType, default: {} }),
    tags: mkOption({ type: types.listOf(types.str), default: [] }),
    host: mkOption({ type: types.str, default: "nixos" }),
  },
};
const constant = { _file: "aspect.nix", config: { instances: { main: { port: 8365 } }, tags: ["a", "b"] } };

const machine = (host: string, extra: unknown[] = []) =>
  evalModules({ modules: [aspectOptions, constant, { _file: `${host}.nix`, config: { host } }, ...extra] });

describe("merged values shared between evaluations", () => {
  it("gives machines with the same definitions the very same merged value", () => {
    const a = machine("m1").config;
    const b = machine("m2").config;
    expect(b.instances).toBe(a.instances);
    expect(b.tags).toBe(a.tags);
    expect(b.host).toBe("m2");
    expect(deepForce(b.instances)).toEqual({ main: { host: "localhost", port: 8365 } });
    expect(jsonText(b, { sortKeys: true })).toBe(
      '{"host":"m2","instances":{"main":{"host":"localhost","port":8365}},"tags":["a","b"]}',
    );
  });

  it("merges again when a definition, its file or the option's path differs", () => {
    const a = machine("m1").config;
    const more = machine("m2", [{ _file: "m2.nix", config: { tags: ["c"] } }]).config;
    expect(more.tags).not.toBe(a.tags);
    expect(deepForce(more.tags)).toEqual(["c", "a", "b"]);

    const elsewhere = evalModules({
      modules: [aspectOptions, { _file: "other.nix", config: constant.config }],
    }).config;
    expect(elsewhere.tags).not.toBe(a.tags);
    const bad = () =>
      // A list's items are checked when read, as in Nix.
      deepForce(
        evalModules({ modules: [aspectOptions, { _file: "other.nix", config: { tags: [1] } }] }).config.tags,
      );
    expect(bad).toThrow(/other\.nix/);
  });

  it("never shares a value computed from one evaluation's config", () => {
    const fromConfig = ({ config }: { config: Record<string, any> }) => ({
      config: { tags: lazy(() => [config.host]), instances: { main: { host: lazy(() => config.host) } } },
    });
    const one = machine("m1", [fromConfig]).config;
    const two = machine("m2", [fromConfig]).config;
    expect(deepForce(one.tags)).toEqual(["m1", "a", "b"]);
    expect(deepForce(two.tags)).toEqual(["m2", "a", "b"]);
    expect(two.instances.main.host).toBe("m2");
    expect(one.instances.main.host).toBe("m1");
  });

  it("keeps a condition's effect per evaluation", () => {
    const guarded = ({ config }: { config: Record<string, any> }) => ({
      config: { tags: mkIf(() => config.host === "m2", ["only-m2"]) },
    });
    const one = machine("m1", [guarded]).config;
    const two = machine("m2", [guarded]).config;
    expect(deepForce(one.tags)).toEqual(["a", "b"]);
    expect(deepForce(two.tags)).toEqual(["only-m2", "a", "b"]);
    // After the condition, both machines define the same lists: the first one's value serves.
    expect(machine("m1", [guarded]).config.tags).toBe(one.tags);
  });

  it("shares what a module function writes afresh each time when it is equal plain data", () => {
    const writing =
      (port: number, wrap = mkDefault) =>
      () => ({ _file: "fresh.nix", config: { instances: wrap({ main: { port, host: "h" } }), tags: ["x"] } });
    const bare = (m: unknown) => evalModules({ modules: [aspectOptions, m] }).config;
    const a = bare(writing(8365));
    const b = bare(writing(8365));
    expect(b.instances).toBe(a.instances);
    expect(b.tags).toBe(a.tags);
    // After priorities, a forced definition of the same data is the same definition.
    expect(bare(writing(8365, mkForce)).instances).toBe(a.instances);
    expect(bare(writing(8366)).instances.main.port).toBe(8366);
    expect(bare(writing(8365)).instances.main.port).toBe(8365);
  });

  it("never reads a getter or a thunk to compare, and shares neither", () => {
    let reads = 0;
    const withGetter = (host: string) => () => ({
      _file: "getter.nix",
      config: {
        instances: {
          main: {
            get host() {
              reads++;
              return host;
            },
          },
        },
      },
    });
    const one = machine("m1", [withGetter("one")]).config;
    const two = machine("m2", [withGetter("two")]).config;
    expect(reads).toBe(0);
    expect(two.instances).not.toBe(one.instances);
    expect(two.instances.main.host).toBe("two");
    expect(one.instances.main.host).toBe("one");
    const withThunk = (v: string) => () => ({ _file: "thunk.nix", config: { tags: [lazy(() => v)] } });
    expect(deepForce(machine("m1", [withThunk("p")]).config.tags)).toEqual(["p", "a", "b"]);
    expect(deepForce(machine("m2", [withThunk("q")]).config.tags)).toEqual(["q", "a", "b"]);
  });

  it("lets go of evaluations whose merges never repeat", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    // Each machine's instance holds a condition on its own config: no later machine can reuse it.
    const own =
      (port: number) =>
      ({ config }: { config: Record<string, any> }) => ({
        config: { instances: { own: { port: mkIf(() => config.host !== "", port) } } },
      });
    const refs = Array.from({ length: 20 }, (_, i) => {
      const m = machine(`m${i}`, [own(1000 + i)]);
      expect(m.config.instances.own.port).toBe(1000 + i);
      return new WeakRef(m);
    });
    // Let the test's own frames drop their references before collecting.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(refs.filter((r) => r.deref() !== undefined)).toHaveLength(0);
  });
});
