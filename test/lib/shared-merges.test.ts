import { describe, expect, it } from "vitest";
import { deepForce, evalModules, jsonText, lazy, mkIf, mkOption, types } from "../../src/lib/index.js";

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
      evalModules({ modules: [aspectOptions, { _file: "other.nix", config: { tags: [1] } }] }).config.tags;
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
});
