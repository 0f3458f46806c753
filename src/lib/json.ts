/**
 * JSON text of a configuration, written straight from its lazy attribute sets (names and values
 * read from their sources), without copying it into plain objects first.
 */
import { force } from "./lazy.js";
import { attrsSourceOf } from "./lazy-attrs.js";

export interface JsonOptions {
  /** Spaces per level; 0 writes no whitespace at all. */
  indent?: number;
  /** Sort object keys by UTF-16 code unit (canonical JSON, as `nix-instantiate --json` prints). */
  sortKeys?: boolean;
  /** Indentation of the lines after the first, for a value written inside other text. */
  base?: string;
}

/** Sorted copies of the (frozen) name lists that lazy attribute sets of one shape share. */
const sorted = new WeakMap<readonly string[], string[]>();
function sortedNames(names: readonly string[]): string[] {
  // Only shared (frozen) lists are worth remembering; others are sorted once and dropped.
  if (!Object.isFrozen(names)) return [...names].sort();
  let s = sorted.get(names);
  if (!s) sorted.set(names, (s = [...names].sort()));
  return s;
}

/** Quoted keys, made once: configurations repeat the same option names. */
const quoted = new Map<string, string>();
function quotedKey(k: string): string {
  let q = quoted.get(k);
  if (q === undefined) {
    q = JSON.stringify(k);
    if (quoted.size < 100_000) quoted.set(k, q);
  }
  return q;
}

function write(value: unknown, indent: string, step: string, sortKeys: boolean, out: string[]): void {
  const v = force(value);
  if (v === null || v === undefined) {
    out.push("null");
    return;
  }
  switch (typeof v) {
    case "string":
      out.push(JSON.stringify(v));
      return;
    case "number":
      out.push(Number.isFinite(v) ? String(v) : "null");
      return;
    case "boolean":
      out.push(String(v));
      return;
    case "object":
      break;
    default:
      out.push("null");
      return;
  }
  const inner = indent + step;
  const sep = step === "" ? "," : `,\n${inner}`;
  const open = step === "" ? "" : `\n${inner}`;
  const close = step === "" ? "" : `\n${indent}`;
  if (Array.isArray(v)) {
    if (v.length === 0) {
      out.push("[]");
      return;
    }
    out.push(`[${open}`);
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out.push(sep);
      write(v[i], inner, step, sortKeys, out);
    }
    out.push(`${close}]`);
    return;
  }
  const source = attrsSourceOf(v);
  if (!source && typeof (v as { toJSON?: unknown }).toJSON === "function") {
    write((v as { toJSON(): unknown }).toJSON(), indent, step, sortKeys, out);
    return;
  }
  const listed = source ? source.names() : Object.keys(v);
  const names = sortKeys ? sortedNames(listed) : listed;
  if (names.length === 0) {
    out.push("{}");
    return;
  }
  out.push(`{${open}`);
  const colon = step === "" ? ":" : ": ";
  for (let i = 0; i < names.length; i++) {
    const k = names[i]!;
    if (i > 0) out.push(sep);
    out.push(quotedKey(k), colon);
    write(source ? source.value(k) : (v as Record<string, unknown>)[k], inner, step, sortKeys, out);
  }
  out.push(`${close}}`);
}

/**
 * `JSON.stringify` for configurations: lazy values forced, package references as their JSON.
 *
 * @example
 * jsonText(config.networking, { indent: 2 });
 * jsonText(config, { sortKeys: true }); // canonical, as Nix prints it
 */
export function jsonText(value: unknown, options: JsonOptions = {}): string {
  const out: string[] = [];
  write(value, options.base ?? "", " ".repeat(options.indent ?? 0), options.sortKeys ?? false, out);
  return out.join("");
}
