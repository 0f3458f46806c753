/**
 * Runs conformance cases (shared/conformance/FORMAT.md) against Grove's module system: each check
 * is a fresh evaluation, compared with what real Nix computed.
 */
import { type ErrorCode, GroveError } from "../errors.js";
import { deepForce, evalModules, FloatValue, force } from "../lib/index.js";
import { byCodePoint } from "../lib/show.js";
import { toNixString } from "../lib/to-string.js";
import { nixEqual } from "../lib/types/type.js";
import { caseModules, type Json, nixView } from "./translate.js";

export interface Check {
  path?: (string | number)[];
  option?: string[];
  field?: "isDefined" | "highestPrio" | "typeDescription";
  withAssertions?: boolean;
  expect: { value: Json } | { error: string; match?: string };
}

export interface Case {
  id: string;
  about?: string;
  class?: string;
  specialArgs?: Record<string, unknown>;
  modules: Json[];
  checks: Check[];
}

const floatKey = "\u0000float";

/**
 * A case file's JSON, numbers written with a point or an exponent read as floats (`2.0` is a
 * float in Nix, as in the Nix the case is turned into), which `JSON.parse` alone would lose.
 */
export function parseCase(text: string): Case {
  let marked = "";
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      for (i++; text[i] !== '"'; i++) if (text[i] === "\\") i++;
      continue;
    }
    if (c !== "-" && (c < "0" || c > "9")) continue;
    let end = i;
    while (end < text.length && /[-+0-9.eE]/.test(text[end]!)) end++;
    const token = text.slice(i, end);
    if (/[.eE]/.test(token)) {
      marked += `${text.slice(from, i)}{"\\u0000float":${token}}`;
      from = end;
    }
    i = end - 1;
  }
  marked += text.slice(from);
  return JSON.parse(marked, (_k, v) =>
    v !== null && typeof v === "object" && floatKey in v ? new FloatValue(v[floatKey] as number) : v,
  ) as Case;
}

/** Grove's error codes as the error kinds Nix's messages are classified into. */
export const errorKinds: Partial<Record<ErrorCode, string>> = {
  EagerConfigRead: "infinite-recursion",
  InfiniteRecursion: "infinite-recursion",
  UndefinedOption: "undefined-option",
  NoValue: "no-value",
  TypeMismatch: "type",
  Conflict: "conflict",
  ReadOnly: "read-only",
  DuplicateDeclaration: "declaration",
  OptionUnderLeaf: "declaration",
  ClassMismatch: "class-mismatch",
  BadModule: "bad-module",
  MissingArgument: "missing-attribute",
  MissingAttribute: "missing-attribute",
  RemovedOption: "removed-option",
  AssertionFailed: "assertion",
  DefinitionThrew: "throw",
  BadValue: "type",
};

export type Outcome = { value: unknown } | { error: string; message: string };

function classify(e: unknown): { error: string; message: string } {
  if (e instanceof GroveError) return { error: errorKinds[e.code] ?? e.code, message: e.message };
  if (e instanceof RangeError && /call stack/i.test(e.message))
    return { error: "infinite-recursion", message: e.message };
  if (e instanceof Error) return { error: "throw", message: e.message };
  return { error: "throw", message: String(e) };
}

function walk(v: unknown, path: readonly (string | number)[]): unknown {
  let cur = v;
  for (const p of path) {
    // An option is read as the attribute set Nix makes of it.
    cur = nixView(force(cur));
    if (typeof p === "number") {
      if (!Array.isArray(cur) || p >= cur.length)
        throw new GroveError("MissingAttribute", `list index ${p} out of range`);
      cur = cur[p];
    } else {
      if (cur === null || typeof cur !== "object" || !(p in cur))
        throw new GroveError("MissingAttribute", `attribute '${p}' missing`);
      cur = (cur as Record<string, unknown>)[p];
    }
  }
  return cur;
}

/** Evaluates one check of a case in a fresh evaluation. */
export function evaluateCheck(c: Case, check: Check): Outcome {
  try {
    const r = evalModules({
      modules: caseModules(c.modules),
      ...(c.specialArgs ? { specialArgs: c.specialArgs } : {}),
      ...(c.class ? { class: c.class } : {}),
    });
    if (check.withAssertions) {
      // As the reference does: every assertion is read, a message only when its assertion fails.
      const assertions = force(r.config.assertions) as unknown[];
      const failed = assertions
        .map((a) => force(a) as { assertion: unknown; message: unknown })
        .filter((a) => force(a.assertion) !== true)
        .map((a) => deepForce(a.message) as string);
      if (failed.length > 0)
        throw new GroveError(
          "AssertionFailed",
          `Failed assertions:\n${failed.map((m) => `- ${m}`).join("\n")}`,
        );
    }
    if (check.option) {
      const field = check.field ?? "isDefined";
      const fieldPath = field === "typeDescription" ? ["type", "description"] : [field];
      return { value: force(walk(r.options, [...check.option, ...fieldPath])) };
    }
    // Forced as `nix-instantiate --strict` does, attributes by sorted name: which of several
    // errors a check meets depends on that order.
    return { value: deepForce(walk(r.config, check.path ?? []), new Set(), byCodePoint) };
  } catch (e) {
    return classify(e);
  }
}

/**
 * A value as `nix-instantiate --json` has it: a set that turns into a string is that string, a
 * derivation its path; attributes holding `undefined` (a definition's unknown line) left out.
 */
function asJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(asJson);
  if (typeof v !== "object" || v === null || FloatValue.is(v)) return v;
  if ("__toString" in v) return toNixString(v);
  if ("outPath" in v) return asJson((v as { outPath: unknown }).outPath);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = asJson(x);
  return out;
}

/** Whether an outcome is what the check expects; a mismatch says what happened instead. */
export function judge(check: Check, outcome: Outcome): string | null {
  const expect = check.expect;
  if ("value" in expect) {
    if ("value" in outcome)
      return nixEqual(asJson(outcome.value), expect.value)
        ? null
        : `expected ${JSON.stringify(expect.value)}, got ${JSON.stringify(outcome.value)}`;
    return `expected ${JSON.stringify(expect.value)}, got error ${outcome.error}: ${outcome.message}`;
  }
  if ("value" in outcome) return `expected error ${expect.error}, got value ${JSON.stringify(outcome.value)}`;
  if (outcome.error !== expect.error)
    return `expected error ${expect.error}, got ${outcome.error}: ${outcome.message}`;
  if (expect.match !== undefined && !outcome.message.includes(expect.match)) {
    return `error message lacks ${JSON.stringify(expect.match)}: ${outcome.message}`;
  }
  return null;
}

export interface CheckResult {
  caseId: string;
  index: number;
  failure: string | null;
}

export function runCase(c: Case): CheckResult[] {
  return c.checks.map((check, index) => ({
    caseId: c.id,
    index,
    failure: judge(check, evaluateCheck(c, check)),
  }));
}
