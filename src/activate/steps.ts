/**
 * Activation steps: a DAG of shell commands around four built-in steps. Ordering follows
 * home-manager's: `before` edges become `after` edges of the other step, then a depth-first
 * topological sort runs over the steps in name order, so unconstrained steps run alphabetically and
 * constrained ones as early as their edges allow.
 */
import { execa } from "execa";
import { GroveError } from "../errors.js";
import type { Log } from "./log.js";

/** A step as stored in a generation's manifest. */
export interface ManifestStep {
  name: string;
  command: string;
  after: string[];
  before: string[];
}

/**
 * The built-in steps: collision check, the line between checking and writing, linking, and the
 * `onChange` commands. User steps that change anything belong after `writeBoundary`.
 */
export const builtinSteps: Record<string, { after: string[]; before: string[] }> = {
  checkLinkTargets: { after: [], before: ["writeBoundary"] },
  writeBoundary: { after: [], before: [] },
  linkGeneration: { after: ["writeBoundary"], before: [] },
  onFilesChange: { after: ["linkGeneration"], before: [] },
};

interface Node {
  name: string;
  after: Set<string>;
}

type Dfs = { minimal: Node; visited: Node[]; rest: Node[] } | { cycle: Node };

/** One depth-first descent from the head of `list` to a step that nothing remaining must precede. */
function descend(list: Node[], before: (a: Node, b: Node) => boolean): Dfs {
  let us = list[0]!;
  let visited: Node[] = [];
  let rest = list.slice(1);
  for (;;) {
    const current = us;
    if (visited.some((x) => before(x, current))) return { cycle: current };
    const earlier = rest.filter((x) => before(x, current));
    if (earlier.length === 0) return { minimal: current, visited, rest };
    visited = [current, ...visited];
    us = earlier[0]!;
    rest = [...earlier.slice(1), ...rest.filter((x) => !before(x, current))];
  }
}

/** The steps of a cycle through `start`, found by following `after` edges, for the error message. */
function cycleThrough(start: Node, byName: Map<string, Node>): string[] {
  const path: string[] = [];
  const seen = new Set<string>();
  const walk = (n: Node): boolean => {
    path.push(n.name);
    seen.add(n.name);
    for (const a of [...n.after].sort()) {
      if (a === start.name) return true;
      const next = byName.get(a);
      if (next !== undefined && !seen.has(a) && walk(next)) return true;
    }
    path.pop();
    return false;
  };
  walk(start);
  return [...path.reverse(), path[0] ?? start.name];
}

/**
 * Orders the built-in and user steps. References to steps that do not exist are ignored, as in
 * home-manager, so a module may order itself against an optional step.
 *
 * @example
 * orderSteps([{ name: "greet", command: "echo hi", after: ["linkGeneration"], before: [] }])
 * // ["checkLinkTargets", "writeBoundary", "linkGeneration", "greet", "onFilesChange"]
 */
export function orderSteps(steps: readonly ManifestStep[]): string[] {
  const all = new Map<string, { after: string[]; before: string[] }>(Object.entries(builtinSteps));
  for (const s of steps) {
    if (all.has(s.name)) {
      throw new GroveError(
        "HomeSpecInvalid",
        `The activation step \`${s.name}\` has the name of a built-in step.`,
        {
          path: ["activation", s.name],
        },
      );
    }
    all.set(s.name, { after: s.after, before: s.before });
  }
  const names = [...all.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const byName = new Map<string, Node>(names.map((n) => [n, { name: n, after: new Set(all.get(n)!.after) }]));
  for (const [name, s] of all) {
    for (const b of s.before) byName.get(b)?.after.add(name);
  }
  const before = (a: Node, b: Node) => b.after.has(a.name);

  const result: string[] = [];
  let list = names.map((n) => byName.get(n)!);
  while (list.length >= 2) {
    const d = descend(list, before);
    if ("cycle" in d) {
      const cycle = cycleThrough(d.cycle, byName);
      throw new GroveError("HomeStepCycle", `The activation steps form a cycle: ${cycle.join(" → ")}.`, {
        path: ["activation", d.cycle.name],
      });
    }
    result.push(d.minimal.name);
    list = [...d.visited, ...d.rest];
  }
  return [...result, ...list.map((n) => n.name)];
}

/** Everything a step's command is run with. */
export interface StepContext {
  home: string;
  env: Record<string, string>;
  log: Log;
}

/**
 * Shell prelude giving commands home-manager's `run` helper: print instead of running on a dry run,
 * so steps can honour `DRY_RUN` with one word.
 */
const prelude = 'run() { if [ -n "$DRY_RUN" ]; then echo "$*"; else "$@"; fi; }\n';

/**
 * Runs one shell command with `/bin/sh` in the home directory. Its output is passed to the logger; a
 * non-zero exit becomes a `HomeStepFailed` naming the step and showing the end of its output.
 */
export async function runShell(label: string, command: string, ctx: StepContext): Promise<void> {
  const r = await execa("/bin/sh", ["-c", prelude + command], {
    cwd: ctx.home,
    env: ctx.env,
    extendEnv: false,
    all: true,
    reject: false,
    stdin: "ignore",
  });
  const output = r.all ?? "";
  for (const line of output.split("\n")) if (line !== "") ctx.log.info(`${label}: ${line}`);
  if (r.exitCode !== 0 || r.failed) {
    const tail = output.split("\n").slice(-10).join("\n").trim();
    const status = r.exitCode === undefined ? (r.signal ?? "an error") : `exit status ${r.exitCode}`;
    throw new GroveError(
      "HomeStepFailed",
      `${label} failed with ${status}.${tail === "" ? "" : `\n${tail}`}`,
    );
  }
}
