import { showPath } from "../errors.js";
import { Lazy } from "./lazy.js";

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

/** The "Definition values:" list of Nix's errors, one line per definition. */
export function showDefs(defs: readonly Shown[]): string {
  return defs
    .map((d) => {
      const shown = showValue(d.value, "    ");
      return shown.includes("\n")
        ? `\n- In \`${where(d)}':\n    ${shown}`
        : `\n- In \`${where(d)}': ${shown}`;
    })
    .join("");
}

/** `` `a.nix' and `b.nix' `` */
export function showFiles(files: readonly string[]): string {
  const quoted = [...new Set(files)].map((f) => `\`${f}'`);
  if (quoted.length <= 1) return quoted.join("");
  return `${quoted.slice(0, -1).join(", ")} and ${quoted[quoted.length - 1]}`;
}

export function levenshtein(a: string, b: string): number {
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
