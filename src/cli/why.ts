/** `grove why <machine|user@host> <option.path>`: every definition of an option, and which won. */
import { defineCommand } from "citty";
import { GroveError } from "../errors.js";
import { type DefinitionTrace, force, OptionNode, typeTag } from "../lib/index.js";
import { showValue } from "../lib/show.js";
import { targetEvaluation } from "./eval.js";
import { dirArg, openProject } from "./fleet.js";

function where(d: DefinitionTrace): string {
  return d.line === undefined ? d.file : `${d.file}:${d.line}`;
}

/** The lines `grove why` prints for one option. */
export function formatTrace(path: string, node: OptionNode): string {
  const trace = node.explain();
  const lines = [`${path} = ${showValue(node.value)}`, `  type: ${node.type.description}`];
  if (trace.length === 0) lines.push("  no definitions");
  for (const d of trace) {
    const prio = d.priority === undefined ? "" : ` (priority ${d.priority})`;
    const order =
      typeTag(d.value) === "order" ? (d.value as { priority: number; content: unknown }) : undefined;
    const ordered = order ? `, order ${order.priority}` : "";
    lines.push(`  ${d.status === "applied" ? "*" : "-"} ${where(d)}${prio}${ordered}: ${d.status}`);
    if (d.status !== "condition false")
      lines.push(`      ${showValue(order ? force(order.content) : d.value, "      ")}`);
  }
  return `${lines.join("\n")}\n`;
}

export const whyCommand = defineCommand({
  meta: {
    name: "why",
    description: "Show every definition of an option with its file, priority and whether it won",
  },
  args: {
    target: { type: "positional", required: true, description: "A machine name or a home `user@host`" },
    path: {
      type: "positional",
      required: true,
      description: "An option path, e.g. networking.firewall.allowedTCPPorts",
    },
    ...dirArg,
  },
  async run({ args }) {
    const { project } = await openProject(args.dir);
    let node: unknown = targetEvaluation(project, args.target).options;
    const seen: string[] = [];
    for (const segment of args.path.split(".")) {
      seen.push(segment);
      if (node === null || typeof node !== "object" || node instanceof OptionNode || !(segment in node)) {
        throw new GroveError(
          "UndefinedOption",
          `\`${seen.join(".")}' is not a declared option of ${args.target}.`,
          {
            path: seen,
            hint: "`grove why` explains declared options; `grove options <class>` lists them. Pass-through values show in `grove eval`.",
          },
        );
      }
      node = (node as Record<string, unknown>)[segment];
    }
    if (!(node instanceof OptionNode)) {
      throw new GroveError("UndefinedOption", `\`${args.path}' is a group of options, not one option.`, {
        path: seen,
        hint: "Name an option inside it.",
      });
    }
    process.stdout.write(formatTrace(args.path, node));
  },
});
