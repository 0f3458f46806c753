import { escapeNixIdentifier, GroveError, showPath } from "../errors.js";
import { force, isStackOverflow, Lazy } from "./lazy.js";
import { attrsSourceOf } from "./lazy-attrs.js";
import { FloatValue } from "./types/type.js";

/** A definition as errors show it: where it comes from and what it holds. */
export interface Shown {
  file: string;
  line?: number | undefined;
  value: unknown;
}

/** `` `a.b' ``: an option path as Nix's messages quote it. */
export function showOption(path: readonly string[]): string {
  return showPath(path);
}

function isIdentifier(k: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_'-]*$/.test(k);
}

/** Renders a value in Nix syntax for error messages; unforced parts show as `<thunk>`. */
export function showValue(v: unknown, indent = "", depth = 0): string {
  if (Lazy.is(v)) return "<thunk>";
  if (v === null) return "null";
  if (v === undefined) return "<undefined>";
  switch (typeof v) {
    case "string":
      return v.includes("\n") ? `''\n${indent}  ${v.split("\n").join(`\n${indent}  `)}''` : JSON.stringify(v);
    case "number":
      return String(v);
    case "boolean":
      return String(v);
    case "function":
      return "<function>";
    case "bigint":
      return String(v);
    case "symbol":
      return "<symbol>";
  }
  if (depth > 4) return "…";
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) return "[ ]";
    return `[\n${v.map((x) => `${inner}${showValue(x, inner, depth + 1)}`).join("\n")}\n${indent}]`;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 0) return "{ }";
  const lines = keys.map((k) => {
    const d = Object.getOwnPropertyDescriptor(o, k);
    const shown = d?.get ? "<getter>" : showValue(d?.value, inner, depth + 1);
    return `${inner}${isIdentifier(k) ? k : JSON.stringify(k)} = ${shown};`;
  });
  return `{\n${lines.join("\n")}\n${indent}}`;
}

function where(d: Shown): string {
  return d.line === undefined ? d.file : `${d.file}:${d.line}`;
}

/**
 * The "Definition values:" list of Nix's errors: each value printed as Nix's `toPretty` does
 * (ten levels deep, five lines at most), or only its file when reading the value fails.
 */
export function showDefs(defs: readonly Shown[]): string {
  return defs
    .map((d) => {
      let text: string;
      try {
        text = pretty(d.value, "", 0);
      } catch (e) {
        // Nix's `tryEval`: a value that throws is left out; a cycle or a missing attribute is not caught.
        if (escapesTryEval(e)) throw e;
        return `\n- In \`${where(d)}'`;
      }
      const lines = text.split("\n");
      const value = [...lines.slice(0, 5), ...(lines.length > 5 ? ["..."] : [])].join("\n    ");
      return `\n- In \`${where(d)}'${lines.length > 1 ? `:\n    ${value}` : `: ${value}`}`;
    })
    .join("");
}

/** Errors Nix's `tryEval` does not catch: evaluation itself failing, not a `throw`. */
export function escapesTryEval(e: unknown): boolean {
  if (isStackOverflow(e)) return true;
  return (
    e instanceof GroveError &&
    (e.code === "InfiniteRecursion" ||
      e.code === "EagerConfigRead" ||
      e.code === "MissingAttribute" ||
      e.code === "MissingArgument")
  );
}

/** How deep `toPretty` looks (Nix's `withRecursion { depthLimit = 10; }`); below, "<unevaluated>". */
const depthLimit = 10;

/** Nix's `generators.toPretty` (multi-line), forcing the value as it goes. */
function pretty(value: unknown, indent: string, depth: number): string {
  if (depth > depthLimit) return '"<unevaluated>"';
  const v = force(value);
  const isContainer = typeof v === "object" && v !== null && !FloatValue.is(v);
  if (!isContainer && depth >= depthLimit) return '"<unevaluated>"';
  const intro = `\n${indent}  `;
  const outro = `\n${indent}`;
  if (v === null || v === undefined) return "null";
  if (FloatValue.is(v)) return nixFloat(v.value);
  switch (typeof v) {
    case "number":
      return Number.isInteger(v) ? String(v) : nixFloat(v);
    case "boolean":
      return String(v);
    case "function":
      return "<function>";
    case "string":
      return prettyString(v, intro, outro);
    case "object":
      break;
    default:
      return String(v);
  }
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) return "[ ]";
    return `[${intro}${v.map((x) => pretty(x, inner, depth + 1)).join(intro)}${outro}]`;
  }
  const source = attrsSourceOf(v);
  const read = (k: string) => (source ? source.value(k) : (v as Record<string, unknown>)[k]);
  const names = [...(source ? source.names() : Object.keys(v))].sort(byCodePoint);
  if (names.length === 0) return "{ }";
  if (names.includes("type") && force(read("type")) === "derivation") {
    const name = names.includes("name") ? force(read("name")) : undefined;
    return `<derivation ${typeof name === "string" ? name : "???"}>`;
  }
  const entries = names.map((k) => `${escapeNixIdentifier(k)} = ${pretty(read(k), inner, depth + 1)};`);
  return `{${intro}${entries.join(intro)}${outro}}`;
}

/** A string as `toPretty` writes it: quoted, or as an indented `''` block when it has lines. */
function prettyString(s: string, intro: string, outro: string): string {
  const lines = s.split("\n");
  if (lines.length === 1) return `"${s.replace(/\\|"|\$\{/g, (m) => `\\${m}`)}"`;
  const escaped = lines.map((l) => l.replaceAll("''", "'''").replaceAll("${", "''${"));
  const last = escaped[escaped.length - 1]!;
  return `''${intro}${escaped.slice(0, -1).join(intro)}${last === "" ? outro : intro + last}''`;
}

const utf8 = new TextEncoder();

/** A float as Nix 2.8's `toJSON` prints it: six significant digits, as C's `%g`. */
function nixFloat(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return "0";
  const exponent = Math.floor(Math.log10(Math.abs(Number(x.toPrecision(6)))));
  const trim = (t: string) => (t.includes(".") ? t.replace(/0+$/, "").replace(/\.$/, "") : t);
  if (exponent < -4 || exponent >= 6) {
    const [mantissa, e] = x.toExponential(5).split("e") as [string, string];
    const n = Number(e);
    return `${trim(mantissa)}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
  }
  return trim(x.toFixed(Math.max(0, 5 - exponent)));
}

/** Names in Nix's order: by their UTF-8 bytes, that is by code point (not by UTF-16 unit). */
export function byCodePoint(a: string, b: string): number {
  if (a === b) return 0;
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < x.length && i < y.length; i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** `` `a.nix' and `b.nix' ``, every file as given (Nix's `showFiles`). */
export function showFiles(files: readonly string[]): string {
  return files.map((f) => `\`${f}'`).join(" and ");
}

export function levenshtein(first: string, second: string): number {
  // Nix measures strings in UTF-8 bytes: "é" is two edits away from "e".
  const a = utf8.encode(first);
  const b = utf8.encode(second);
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** Up to three names nearest to `name`, as "Did you mean" suggestions. */
export function nearest(name: string, candidates: readonly string[], limit = 3): string[] {
  const scored = candidates.map((c) => ({ c, d: levenshtein(name, c) }));
  const bound = candidates.length < 100 ? Number.POSITIVE_INFINITY : 2;
  return scored
    .filter((s) => s.d <= bound)
    .sort((x, y) => x.d - y.d)
    .slice(0, limit)
    .map((s) => s.c);
}

/** " Did you mean `a' or `b'?" for a list of full paths, or "". */
export function didYouMean(paths: readonly string[][]): string {
  if (paths.length === 0) return "";
  const q = paths.map((p) => `\`${showOption(p)}'`);
  if (q.length === 1) return `\n\nDid you mean ${q[0]}?`;
  return `\n\nDid you mean ${q.slice(0, -1).join(", ")} or ${q[q.length - 1]}?`;
}
