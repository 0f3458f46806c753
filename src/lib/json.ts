/**
 * JSON text of a configuration, written straight from its lazy attribute sets (names and values
 * read from their sources), without copying it into plain objects first.
 */
import { force } from "./lazy.js";
import { attrsSourceOf } from "./lazy-attrs.js";
import { isShared } from "./shared-merges.js";
import { toNixString } from "./to-string.js";

export interface JsonOptions {
  /** Spaces per level; 0 writes no whitespace at all. */
  indent?: number;
  /** Sort object keys by UTF-16 code unit (canonical JSON, as `nix-instantiate --json` prints). */
  sortKeys?: boolean;
  /** Indentation of the lines after the first, for a value written inside other text. */
  base?: string;
}

/** Names sorted by code unit; most lists are in order already (names are often written sorted). */
function sortedNames(names: readonly string[]): readonly string[] {
  return inOrder(names) ? names : [...names].sort();
}

function inOrder(names: readonly string[]): boolean {
  for (let i = 1; i < names.length; i++) if (names[i - 1]! > names[i]!) return false;
  return true;
}

/** Quoted strings, made once: configurations repeat the same option names and values. */
const quoted = new Map<string, string>();
function quotedString(k: string): string {
  let q = quoted.get(k);
  if (q === undefined) {
    q = JSON.stringify(k);
    if (quoted.size < 100_000) quoted.set(k, q);
  }
  return q;
}

/** A shared value's text, for the layout it was written in. */
interface Written {
  readonly indent: string;
  readonly step: string;
  readonly sortKeys: boolean;
  readonly text: string;
}

/**
 * Texts of values shared between evaluations: written once for every machine. A value sits at
 * the same depth in every machine, so one layout per value is kept.
 */
const texts = new WeakMap<object, Written>();

/** The JSON text of `value`; built by appending to one string, which V8 does without copying. */
function write(value: unknown, indent: string, step: string, sortKeys: boolean): string {
  const v = force(value);
  if (typeof v !== "object" || v === null || !isShared(v)) return writeValue(v, indent, step, sortKeys);
  const known = texts.get(v);
  if (known?.indent === indent && known.step === step && known.sortKeys === sortKeys) return known.text;
  const text = writeValue(v, indent, step, sortKeys);
  texts.set(v, { indent, step, sortKeys, text });
  return text;
}

function writeValue(value: unknown, indent: string, step: string, sortKeys: boolean): string {
  const v = force(value);
  if (v === null || v === undefined) return "null";
  switch (typeof v) {
    case "string":
      return quotedString(v);
    case "number":
      return Number.isFinite(v) ? String(v) : "null";
    case "boolean":
      return v ? "true" : "false";
    case "object":
      break;
    default:
      return "null";
  }
  const inner = indent + step;
  const sep = step === "" ? "," : `,\n${inner}`;
  const open = step === "" ? "" : `\n${inner}`;
  const close = step === "" ? "" : `\n${indent}`;
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    let out = `[${open}`;
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out += sep;
      out += write(v[i], inner, step, sortKeys);
    }
    return `${out}${close}]`;
  }
  const source = attrsSourceOf(v);
  if (!source && typeof (v as { toJSON?: unknown }).toJSON === "function") {
    return write((v as { toJSON(): unknown }).toJSON(), indent, step, sortKeys);
  }
  // As Nix writes JSON: a set that turns into a string is that string, a derivation its path.
  if ("__toString" in v) return quotedString(toNixString(v));
  if ("outPath" in v) return write((v as { outPath: unknown }).outPath, indent, step, sortKeys);
  let names = sortKeys ? source?.sortedNames?.() : undefined;
  if (names === undefined) {
    const listed = source ? source.names() : Object.keys(v);
    names = sortKeys ? sortedNames(listed) : listed;
  }
  if (names.length === 0) return "{}";
  let out = `{${open}`;
  const colon = step === "" ? ":" : ": ";
  for (let i = 0; i < names.length; i++) {
    const k = names[i]!;
    if (i > 0) out += sep;
    out += quotedString(k) + colon;
    out += write(source ? source.value(k) : (v as Record<string, unknown>)[k], inner, step, sortKeys);
  }
  return `${out}${close}}`;
}

/**
 * `JSON.stringify` for configurations: lazy values forced, package references as their JSON.
 *
 * @example
 * jsonText(config.networking, { indent: 2 });
 * jsonText(config, { sortKeys: true }); // canonical, as Nix prints it
 */
export function jsonText(value: unknown, options: JsonOptions = {}): string {
  return write(value, options.base ?? "", " ".repeat(options.indent ?? 0), options.sortKeys ?? false);
}
