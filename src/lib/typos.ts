/**
 * Likely typos among pass-through definitions: an undeclared name one edit away from an option
 * declared beside it (`networking.hostNmae` next to `networking.hostName`) would otherwise go to
 * Nix unchecked and fail there, far from the file that wrote it.
 */

import type { Evaluation, Unmatched } from "./modules.js";
import { levenshtein, showOption } from "./show.js";

/** A definition whose name is probably a misspelt declared option. */
export interface LikelyTypo {
  readonly definition: Unmatched;
  /** The declared option paths it is one edit (or one swap of neighbours) away from. */
  readonly declared: readonly (readonly string[])[];
}

/** The names declared at `path` of an `options` tree; none under an option or an undeclared name. */
function declaredAt(options: unknown, path: readonly string[]): string[] {
  let at = options;
  for (const p of path) {
    if (!isNamespace(at)) return [];
    at = at[p];
  }
  return isNamespace(at) ? Object.keys(at) : [];
}

/** A set of declared names in an `options` tree (not an option, nor nothing). */
function isNamespace(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && (v as { _type?: unknown })._type !== "option";
}

/** One substitution, insertion, deletion, or swap of two neighbouring letters. */
function oneEdit(a: string, b: string): boolean {
  if (levenshtein(a, b) === 1) return true;
  if (a.length !== b.length) return false;
  const diff: number[] = [];
  for (let i = 0; i < a.length && diff.length <= 2; i++) if (a[i] !== b[i]) diff.push(i);
  return (
    diff.length === 2 &&
    diff[1] === diff[0]! + 1 &&
    a[diff[0]!] === b[diff[1]!] &&
    a[diff[1]!] === b[diff[0]!]
  );
}

/**
 * The undeclared definitions of `evaluation` whose name is one edit away from a name declared at
 * the same place. Short names (under four letters) are left alone: too many are a letter apart.
 */
export function likelyTypos(evaluation: Evaluation): LikelyTypo[] {
  const out: LikelyTypo[] = [];
  for (const d of evaluation.undeclaredDefinitions()) {
    const name = d.prefix[d.prefix.length - 1]!;
    if (name.length < 4) continue;
    const parent = d.prefix.slice(0, -1);
    const siblings = declaredAt(evaluation.options, parent);
    const near = siblings.filter((n) => n.length >= 4 && oneEdit(name, n));
    if (near.length > 0) out.push({ definition: d, declared: near.map((n) => [...parent, n]) });
  }
  return out;
}

/** The warning for a likely typo, naming the definition's file. */
export function typoWarning(t: LikelyTypo): string {
  const d = t.definition;
  const where = d.line === undefined ? d.file : `${d.file}:${d.line}`;
  const options = t.declared.map((p) => `\`${showOption(p)}'`).join(" or ");
  return `\`${showOption(d.prefix)}' (${where}) is not an option Grove declares, so it goes to Nix as written. Did you mean ${options}?`;
}
