/** `grove options <class> [--json|--md]`: the documentation of a class's options. */
import { defineCommand } from "citty";
import { classModules, knownClasses } from "../classes/index.js";
import { GroveError } from "../errors.js";
import { deepForce, evalModules, OptionNode } from "../lib/index.js";
import { nearest } from "../lib/show.js";
import { projectModule } from "../project/index.js";

export interface OptionDoc {
  path: string;
  type: string;
  default?: unknown;
  description?: string;
  example?: unknown;
  declarations: string[];
  readOnly?: boolean;
}

function docValue(v: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(deepForce(v) ?? null));
  } catch {
    return "<computed>";
  }
}

/** Every visible option below `tree` (submodules' options under `<name>`), in path order. */
export function collectDocs(
  tree: Record<string, unknown>,
  prefix: string[] = [],
  out: OptionDoc[] = [],
): OptionDoc[] {
  for (const name of Object.keys(tree)) {
    const node = tree[name];
    // A freeform submodule's free values' options live at the submodule's own place.
    const path = name === "_freeformOptions" ? prefix : [...prefix, name];
    if (node instanceof OptionNode) {
      if (node.internal || node.visible === false) continue;
      out.push({
        path: path.join("."),
        type: node.type.description,
        ...(node.hasDefault ? { default: docValue(node.default) } : {}),
        ...(node.description !== undefined ? { description: node.description } : {}),
        ...(node.example !== undefined ? { example: docValue(node.example) } : {}),
        declarations: [...new Set(node.declarations)],
        ...(node.readOnly ? { readOnly: true } : {}),
      });
      if (node.type.getSubModules !== null) {
        const sub = node.type.getSubOptions(path) as Record<string, unknown>;
        collectDocs(sub, subPrefix(node, path), out);
      }
    } else if (node !== null && typeof node === "object") {
      collectDocs(node as Record<string, unknown>, path, out);
    }
  }
  return out;
}

/** Where a submodule's options live: `users.<name>`, `list.*`. */
function subPrefix(node: OptionNode, path: string[]): string[] {
  const name = node.type.name;
  if (name === "attrsOf" || name === "lazyAttrsOf") return [...path, "<name>"];
  if (name === "listOf") return [...path, "*"];
  return path;
}

/** The option tree of a class (or of the project itself). */
export function classOptions(cls: string): Record<string, unknown> {
  const classes = [...knownClasses, "project"];
  if (!classes.includes(cls as never)) {
    const near = nearest(cls, classes, 1);
    throw new GroveError("Usage", `There is no class \`${cls}'.`, {
      hint: `The classes are ${classes.join(", ")}.${near.length > 0 ? ` Did you mean \`${near[0]}'?` : ""}`,
    });
  }
  const modules = cls === "project" ? [projectModule] : classModules(cls);
  return evalModules({ class: cls, modules: [...modules, { config: { _module: { check: false } } }] })
    .options;
}

function markdown(docs: readonly OptionDoc[]): string {
  return docs
    .map((d) => {
      const lines = [`## \`${d.path}\``, "", d.description ?? "", "", `*Type:* ${d.type}`];
      if ("default" in d) lines.push("", `*Default:* \`${JSON.stringify(d.default)}\``);
      if (d.example !== undefined) lines.push("", `*Example:* \`${JSON.stringify(d.example)}\``);
      lines.push("", `*Declared in:* ${d.declarations.map((f) => `\`${f}\``).join(", ")}`, "");
      return lines.join("\n");
    })
    .join("\n");
}

export const optionsCommand = defineCommand({
  meta: {
    name: "options",
    description: "Document the options of a class (nixos, darwin, home, terraform, project)",
  },
  args: {
    class: { type: "positional", required: true, description: "The class" },
    json: { type: "boolean", description: "Print JSON" },
    md: { type: "boolean", description: "Print Markdown" },
  },
  run({ args }) {
    const docs = collectDocs(classOptions(args.class));
    if (args.json) process.stdout.write(`${JSON.stringify(docs, null, 2)}\n`);
    else if (args.md) process.stdout.write(markdown(docs));
    else
      for (const d of docs)
        process.stdout.write(`${d.path}: ${d.type}${d.description ? ` — ${d.description}` : ""}\n`);
  },
});
