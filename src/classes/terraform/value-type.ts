/**
 * The option types of the terraform class: free-form Terraform values merged as terranix merges
 * them (objects key by key, lists concatenated, scalars must agree), and provider configurations
 * merged by alias.
 */
import { GroveError, showPath } from "../../errors.js";
import { type Def, FloatValue, force, type OptionType, types } from "../../lib/index.js";
import { Expression, Reference, Template } from "./references.js";

type Kind = "null" | "scalar" | "set" | "list" | "bad";

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** How a value merges, or `bad` for what Terraform JSON cannot hold (functions, NaN, class instances…). */
export function kindOf(v: unknown): Kind {
  if (v === null || v === undefined) return "null";
  switch (typeof v) {
    case "string":
    case "boolean":
      return "scalar";
    case "number":
      return Number.isFinite(v) ? "scalar" : "bad";
    case "object":
      if (Array.isArray(v)) return "list";
      if (
        v instanceof Reference ||
        v instanceof Expression ||
        v instanceof Template ||
        v instanceof FloatValue
      )
        return "scalar";
      return isPlainObject(v) ? "set" : "bad";
    default:
      return "bad";
  }
}

function sameScalar(a: unknown, b: unknown): boolean {
  if (a instanceof Reference || a instanceof Expression || a instanceof Template) return a.equals(b);
  if (a instanceof FloatValue || b instanceof FloatValue) return Number(a) === Number(b);
  return a === b || (a == null && b == null);
}

function showDef(d: Def): string {
  const v = d.value;
  const shown =
    v instanceof Reference || v instanceof Expression
      ? `\${${v.text}}`
      : v instanceof Template
        ? JSON.stringify(v.text)
        : (JSON.stringify(v) ?? String(v));
  return `\n- In \`${d.file}${d.line === undefined ? "" : `:${d.line}`}': ${shown}`;
}

let attrsOfValue: OptionType | undefined;
let listOfValue: OptionType | undefined;

/**
 * A Terraform value: string, number, boolean, null, list, object, or a reference/expression/
 * template made by `tf`. Objects merge key by key, lists concatenate (as in terranix), scalars
 * must be equal. Also the type for options of your own that hold Terraform values.
 *
 * @example
 * options: { web: { labels: mkOption({ type: types.attrsOf(terraformValue), default: {} }) } }
 */
export const terraformValue: OptionType = types.mkOptionType({
  name: "terraformValue",
  description: "Terraform value (string, number, bool, null, list, object or tf reference)",
  descriptionClass: "noun",
  check: (v) => kindOf(v) !== "bad",
  merge: (loc, defs) => {
    const kind = kindOf(defs[0]!.value);
    for (const d of defs)
      if (kindOf(d.value) !== kind)
        throw new GroveError(
          "Conflict",
          `The option \`${showPath(loc)}' has definitions of different kinds (object, list, scalar or null):${defs.map(showDef).join("")}`,
          { path: loc, file: defs[0]!.file, line: defs[0]!.line },
        );
    switch (kind) {
      case "set":
        attrsOfValue ??= types.attrsOf(terraformValue);
        return attrsOfValue.merge(loc, defs);
      case "list":
        listOfValue ??= types.listOf(terraformValue);
        return listOfValue.merge(loc, defs);
      default: {
        const first = defs[0]!;
        const other = defs.find((d) => !sameScalar(first.value, d.value));
        if (other)
          throw new GroveError(
            "Conflict",
            `The option \`${showPath(loc)}' has conflicting definition values:${showDef(first)}${showDef(other)}`,
            { path: loc, file: first.file, line: first.line },
          );
        return first.value;
      }
    }
  },
});

const isObject = (v: unknown) => kindOf(v) === "set";

/** A Terraform block body: an object of {@link terraformValue}s. */
export const terraformBlock: OptionType = types.mkOptionType({
  name: "terraformBlock",
  description: "Terraform block (an object of Terraform values)",
  descriptionClass: "noun",
  check: isObject,
  merge: (loc, defs) => terraformValue.merge(loc, defs),
  emptyValue: { value: {} },
});

/** The definitions of one provider, one per configuration (an object, or a list of them). */
function entries(defs: readonly Def[]): Def[] {
  return defs.flatMap((d) =>
    Array.isArray(d.value)
      ? d.value.map((value) => ({ file: d.file, line: d.line, value }))
      : [{ file: d.file, line: d.line, value: d.value }],
  );
}

let listOfBlocks: OptionType | undefined;

/**
 * `provider.<name>`: one configuration (an object) or several (a list, each but one with an
 * `alias`). Definitions from many modules merge per alias; the value is always a list, the default
 * configuration first, then the aliases by name.
 */
export const terraformProvider: OptionType = types.mkOptionType({
  name: "terraformProvider",
  description: "Terraform provider configuration, or list of them (one per alias)",
  descriptionClass: "noun",
  check: (v) => isObject(v) || Array.isArray(v),
  merge: (loc, defs) => {
    listOfBlocks ??= types.listOf(terraformBlock);
    // The default configuration is keyed by "" (no alias can be empty), so that it sorts first.
    const groups = new Map<string, Def[]>();
    for (const entry of entries(defs)) {
      // Each configuration on its own first, so that `mkIf` around one resolves and its alias can be read.
      const [body] = listOfBlocks.merge(loc, [{ ...entry, value: [entry.value] }]) as Record<
        string,
        unknown
      >[];
      if (body === undefined) continue;
      const aliasValue = force(body.alias);
      const alias = aliasValue === null || aliasValue === undefined ? "" : String(aliasValue);
      const group = groups.get(alias);
      const def = { ...entry, value: body };
      if (group) group.push(def);
      else groups.set(alias, [def]);
    }
    return [...groups.keys()]
      .sort()
      .map((alias) => terraformBlock.merge([...loc, alias || "default"], groups.get(alias)!));
  },
  emptyValue: { value: [] },
});
