import { readdirSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listGenerations, type ManifestStep, orderSteps } from "../../src/activate/index.js";
import { exists, read, type Sandbox, sandbox, snapshot } from "./helpers.js";

const step = (name: string, after: string[] = [], before: string[] = []): ManifestStep => ({
  name,
  command: "true",
  after,
  before,
});

describe("orderSteps", () => {
  it("places the built-ins and sorts unconstrained steps by name", () => {
    expect(orderSteps([])).toEqual(["checkLinkTargets", "writeBoundary", "linkGeneration", "onFilesChange"]);
    expect(orderSteps([step("zzz"), step("aaa")])).toEqual([
      "aaa",
      "checkLinkTargets",
      "writeBoundary",
      "linkGeneration",
      "onFilesChange",
      "zzz",
    ]);
    // As in home-manager: a constrained step runs as early as its edges allow.
    expect(orderSteps([step("zeta", ["writeBoundary"]), step("alpha", ["writeBoundary"])])).toEqual([
      "checkLinkTargets",
      "writeBoundary",
      "alpha",
      "linkGeneration",
      "onFilesChange",
      "zeta",
    ]);
  });

  it("honours before and after edges", () => {
    const order = orderSteps([
      step("reload", ["linkGeneration"]),
      step("check", [], ["writeBoundary"]),
      step("prepare", ["writeBoundary"], ["linkGeneration"]),
    ]);
    const at = (n: string) => order.indexOf(n);
    expect(at("check")).toBeLessThan(at("writeBoundary"));
    expect(at("prepare")).toBeGreaterThan(at("writeBoundary"));
    expect(at("prepare")).toBeLessThan(at("linkGeneration"));
    expect(at("reload")).toBeGreaterThan(at("linkGeneration"));
  });

  it("ignores edges to steps that do not exist", () => {
    expect(orderSteps([step("a", ["optional"])])).toContain("a");
  });

  it("names the steps of a cycle", () => {
    expect(() => orderSteps([step("a", ["b"]), step("b", ["c"]), step("c", ["a"])])).toThrow(
      /cycle: (a → c → b → a|b → a → c → b|c → b → a → c)/,
    );
  });

  it("refuses a step named like a built-in", () => {
    expect(() => orderSteps([step("writeBoundary")])).toThrow(/built-in/);
  });
});

let s: Sandbox;
beforeEach(() => {
  s = sandbox();
});
afterEach(() => s.dispose());

describe("activation steps", () => {
  it("run in order with HOME, DRY_RUN and VERBOSE set", async () => {
    const log = (tag: string) =>
      `echo "${tag} linked=$(test -L "$HOME/.a" && echo yes) dry=\${DRY_RUN:-} verbose=\${VERBOSE:-}" >> "$HOME/steps.log"`;
    const spec = {
      files: { ".a": { text: "a" } },
      activation: {
        after: { command: log("after"), after: ["linkGeneration"] },
        before: { command: log("before"), before: ["writeBoundary"] },
      },
    };
    await s.switchTo(spec, { verbose: true });
    expect(read(join(s.home, "steps.log"))).toBe(
      "before linked= dry= verbose=1\nafter linked=yes dry= verbose=1\n",
    );
    await s.switchTo({ ...spec, files: { ".a": { text: "b" } } }, { dryRun: true });
    expect(read(join(s.home, "steps.log"))).toContain("dry=1");
    expect(s.logs.some((l) => l.level === "verbose")).toBe(true);
  });

  it("offer the `run` helper, which only prints on a dry run", async () => {
    const spec = {
      files: {},
      activation: { touch: { command: 'run touch "$HOME/touched"', after: ["writeBoundary"] } },
    };
    await s.switchTo(spec, { dryRun: true });
    expect(exists(join(s.home, "touched"))).toBe(false);
    expect(s.logs.map((l) => l.message)).toContain(`Step touch: touch ${s.home}/touched`);
    await s.switchTo(spec);
    expect(exists(join(s.home, "touched"))).toBe(true);
  });

  it("leave the home and the live generation as they were when one fails after linking", async () => {
    s.userFile(".bashrc", "mine");
    await s.switchTo({
      files: { ".a": { text: "one" }, ".gone": { text: "g" }, ".m": { text: "m1", mutable: true } },
    });
    const before = snapshot(s.home);
    const e = await s
      .switchTo(
        {
          files: {
            ".a": { text: "two" },
            ".b/c/d": { text: "new" },
            ".bashrc": { text: "grove" },
            ".m": { text: "m2", mutable: true },
          },
          activation: { boom: { command: "echo about to fail; exit 3", after: ["onFilesChange"] } },
        },
        { backupExtension: "bak" },
      )
      .catch((err: unknown) => err);
    expect(e).toMatchObject({ code: "HomeStepFailed" });
    expect((e as Error).message).toMatch(/Step boom failed with exit status 3\.\nabout to fail/);
    expect(snapshot(s.home)).toEqual(before);
    expect(read(join(s.home, ".a"))).toBe("one");
    expect(listGenerations(s.stateDir).map((g) => [g.number, g.current])).toEqual([[1, true]]);
    expect(readdirSync(s.stateDir).sort()).toEqual(["current", "generations", "store"]);
    expect(readlinkSync(join(s.stateDir, "current"))).toBe("generations/1");
  });

  it("change nothing when one fails before the write boundary", async () => {
    await s.switchTo({ files: { ".a": { text: "one" } } });
    const before = snapshot(s.root, "");
    writeFileSync(join(s.repo, "unused"), "");
    const e = await s
      .switchTo({
        files: { ".a": { text: "one" } },
        activation: { check: { command: "exit 1", before: ["writeBoundary"] } },
      })
      .catch((err: unknown) => err);
    expect(e).toMatchObject({ code: "HomeStepFailed" });
    const after = snapshot(s.root, "");
    delete after["repo/unused"];
    // Only the new generation's store folder was added (content-addressed, not live).
    const changed = Object.keys(after).filter((k) => after[k] !== before[k]);
    expect(changed.every((k) => k.includes(".local/state/grove/home/store/"))).toBe(true);
  });
});
