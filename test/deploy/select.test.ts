import { describe, expect, it } from "vitest";
import { type Candidate, selectTargets } from "../../src/deploy/index.js";

const at = (host: string | null) => ({ host, user: "root", port: 22 });
const candidates: Candidate[] = [
  { name: "web1", kind: "machine", tags: ["web", "all", "nixos"], deploy: at("10.0.0.1") },
  { name: "db", kind: "machine", tags: ["all", "nixos"], deploy: at(null) },
  { name: "alice@buildbox", kind: "home", tags: ["all"], deploy: at("buildbox") },
  { name: "bob@buildbox", kind: "home", tags: ["all"], deploy: at(null) },
];

describe("selectTargets", () => {
  it("selects by name and tag, each once, in the order named", () => {
    const s = selectTargets(candidates, ["alice@buildbox", "@web", "web1"]);
    expect(s.map((t) => t.name)).toEqual(["alice@buildbox", "web1"]);
    expect(s[0]!.skip).toBeUndefined();
  });

  it("selects everything without selectors, marking what cannot be deployed as skipped", () => {
    const s = selectTargets(candidates, []);
    expect(s.map((t) => [t.name, t.skip ?? "deploy"])).toEqual([
      ["web1", "deploy"],
      ["db", "no deploy target (deploy.host is not set)"],
      ["alice@buildbox", "deploy"],
      ["bob@buildbox", "no deploy target (deploy.host is not set)"],
    ]);
  });

  it("refuses unknown names and tags with the nearest ones", () => {
    expect(() => selectTargets(candidates, ["alice@buildbx"])).toThrow(
      expect.objectContaining({
        code: "UnknownDeployTarget",
        hint: expect.stringContaining("`alice@buildbox'"),
      }),
    );
    expect(() => selectTargets(candidates, ["@wbe"])).toThrow(
      expect.objectContaining({ code: "UnknownDeployTarget", hint: expect.stringContaining("`@web'") }),
    );
  });
});
