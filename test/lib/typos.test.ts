import { describe, expect, it } from "vitest";
import { evalModules, mkOption, types } from "../../src/lib/index.js";
import { likelyTypos } from "../../src/lib/typos.js";

/** The likely typos of one pass-through evaluation of `config` against a few declared options. */
function typos(config: Record<string, unknown>): string[] {
  const evaluation = evalModules({
    passthrough: types.anything,
    modules: [
      {
        options: {
          networking: {
            hostName: mkOption({ type: types.str, default: "h" }),
            domain: mkOption({ type: types.str, default: "d" }),
          },
          ssh: { port: mkOption({ type: types.port, default: 22 }) },
          users: mkOption({ type: types.attrsOf(types.anything), default: {} }),
        },
      },
      { _file: "m.ts", config },
    ],
  });
  return likelyTypos(evaluation).map(
    (t) => `${t.definition.prefix.join(".")} → ${t.declared.map((p) => p.join(".")).join(" | ")}`,
  );
}

describe("likely typos among pass-through definitions", () => {
  it("finds one substitution, insertion, deletion or swap from a declared sibling", () => {
    expect(typos({ networking: { hostNme: "a", hostNamee: "b", hsotName: "c", domian: "x" } })).toEqual([
      "networking.hostNme → networking.hostName",
      "networking.hostNamee → networking.hostName",
      "networking.hsotName → networking.hostName",
      "networking.domian → networking.domain",
    ]);
  });

  it("leaves real pass-through options, short names and undeclared places alone", () => {
    // `firewall` is far from every declared name; `prt` is too short to judge; nothing is declared
    // under `boot`, and `users` is one option, not a set of declared names.
    expect(
      typos({
        networking: { firewall: { enable: true } },
        ssh: { prt: 2 },
        boot: { loader: { grub: { enabel: true } } },
        users: { alice: { hostNam: 1 } },
      }),
    ).toEqual([]);
  });
});
