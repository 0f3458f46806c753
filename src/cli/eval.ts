/** `grove eval [machine|user@host] [option.path] [--json]`: the evaluated configuration. */
import { defineCommand } from "citty";
import { GroveError } from "../errors.js";
import { deepForce, type Evaluation, evaluationWarnings, jsonText } from "../lib/index.js";
import type { Project } from "../project/index.js";
import { dirArg, openProject } from "./fleet.js";

/** The evaluation a target names: a machine, or a home `user@host`. */
export function targetEvaluation(project: Project, target: string): Evaluation {
  return target.includes("@") ? project.home(target) : project.machine(target);
}

/** Reads `a.b.c` from a configuration, naming the first missing segment. */
export function selectPath(config: unknown, dotted: string, target: string): unknown {
  let cur = config;
  const seen: string[] = [];
  for (const segment of dotted.split(".").filter((s) => s !== "")) {
    seen.push(segment);
    if (cur === null || typeof cur !== "object" || !(segment in (cur as object))) {
      throw new GroveError("UndefinedOption", `\`${seen.join(".")}' is not set in ${target}.`, {
        path: seen,
        hint: "Check the option path; `grove options <class>` lists the declared options.",
      });
    }
    cur = (cur as Record<string, unknown>)[segment];
  }
  return cur;
}

/** A configuration, after its assertions; warnings go to stderr. */
function asserted(evaluation: Evaluation): unknown {
  for (const w of evaluationWarnings(evaluation)) process.stderr.write(`warning: ${w}\n`);
  return evaluation.config;
}

/** A configuration as plain data, after its assertions. */
export function checked(evaluation: Evaluation): unknown {
  return deepForce(asserted(evaluation));
}

export const evalCommand = defineCommand({
  meta: { name: "eval", description: "Print the evaluated configuration of the fleet, a machine or a home" },
  args: {
    target: { type: "positional", required: false, description: "A machine name or a home `user@host`" },
    path: { type: "positional", required: false, description: "An option path, e.g. networking.hostName" },
    json: { type: "boolean", description: "Print JSON" },
    ...dirArg,
  },
  async run({ args }) {
    const { project } = await openProject(args.dir, { cache: args.target !== undefined });
    if (args.target !== undefined) {
      const config = asserted(targetEvaluation(project, args.target));
      const value = args.path === undefined ? config : selectPath(config, args.path, args.target);
      process.stdout.write(`${jsonText(value, { indent: 2 })}\n`);
      return;
    }
    // Every machine and home, each written as soon as it is evaluated and then let go (standard
    // output is synchronous on Linux for files and pipes, so nothing piles up in memory).
    const out = (text: string) => process.stdout.write(text);
    const section = (name: string, ids: readonly string[], evaluate: (id: string) => Evaluation) => {
      out(`  ${JSON.stringify(name)}: {`);
      ids.forEach((id, i) => {
        out(
          `${i === 0 ? "" : ","}\n    ${JSON.stringify(id)}: ${jsonText(asserted(evaluate(id)), { indent: 2, base: "    " })}`,
        );
      });
      out(ids.length === 0 ? "}" : "\n  }");
    };
    out("{\n");
    section("machines", project.machineNames(), (m) => project.machine(m));
    out(",\n");
    section(
      "homes",
      project.homeTargets().map((h) => h.id),
      (h) => project.home(h),
    );
    out("\n}\n");
  },
});
