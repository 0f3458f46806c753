/**
 * Definition wrappers: priorities, conditions, merges and ordering, as `lib.mkIf` and friends.
 * Each is a tagged object the module system takes apart while merging definitions.
 */

import { GroveError } from "../errors.js";
import { force, Lazy } from "./lazy.js";

/** A condition: a boolean, or a thunk read only when the definition is merged. */
export type Condition = boolean | (() => boolean);

export interface IfWrapper<T = unknown> {
  readonly _type: "if";
  readonly condition: Condition;
  readonly content: T;
}
export interface MergeWrapper<T = unknown> {
  readonly _type: "merge";
  readonly contents: readonly T[];
}
export interface OverrideWrapper<T = unknown> {
  readonly _type: "override";
  readonly priority: number;
  readonly content: T;
}
export interface OrderWrapper<T = unknown> {
  readonly _type: "order";
  readonly priority: number;
  readonly content: T;
}
export interface DefinitionWrapper<T = unknown> {
  readonly _type: "definition";
  readonly file: string;
  readonly value: T;
}

/** Priorities of `mkOverride`: lower numbers win. */
export const priorities = {
  vmOverride: 10,
  force: 50,
  imageMediaOverride: 60,
  plain: 100,
  default: 1000,
  optionDefault: 1500,
  /** What `highestPrio` reports when nothing is defined. */
  none: 9999,
} as const;

/** Order priorities of `mkOrder`. */
export const orders = { before: 500, plain: 1000, after: 1500 } as const;

/**
 * Applies `content` only when `condition` holds; the condition is read lazily and is pushed down
 * into each attribute, so it may depend on the very options it sets.
 *
 * @example
 * mkIf(() => config.services.ssh.enable, { networking: { firewall: { allowedTCPPorts: [22] } } })
 */
export function mkIf<T>(condition: Condition, content: T): T {
  return { _type: "if", condition, content } satisfies IfWrapper<T> as unknown as T;
}

/** Several definitions given as one. @example mkMerge([{ a: 1 }, mkIf(cond, { b: 2 })]) */
export function mkMerge<T>(contents: readonly T[]): T {
  return { _type: "merge", contents } satisfies MergeWrapper<T> as unknown as T;
}

/** A definition with an explicit priority. @example mkOverride(900, "x") */
export function mkOverride<T>(priority: number, content: T): T {
  return { _type: "override", priority, content } satisfies OverrideWrapper<T> as unknown as T;
}

/** Priority 50: beats plain definitions. */
export const mkForce = <T>(content: T): T => mkOverride(priorities.force, content);
/** Priority 1000: loses to plain definitions. */
export const mkDefault = <T>(content: T): T => mkOverride(priorities.default, content);
/** Priority 1500, the priority of option defaults. */
export const mkOptionDefault = <T>(content: T): T => mkOverride(priorities.optionDefault, content);
/** Priority 60. */
export const mkImageMediaOverride = <T>(content: T): T => mkOverride(priorities.imageMediaOverride, content);
/** Priority 10. */
export const mkVMOverride = <T>(content: T): T => mkOverride(priorities.vmOverride, content);

/** Sorts a list (or lines) definition among the others: lower comes first. */
export function mkOrder<T>(priority: number, content: T): T {
  return { _type: "order", priority, content } satisfies OrderWrapper<T> as unknown as T;
}
/** Order 500: before plain definitions. */
export const mkBefore = <T>(content: T): T => mkOrder(orders.before, content);
/** Order 1500: after plain definitions. */
export const mkAfter = <T>(content: T): T => mkOrder(orders.after, content);

/** A definition that names its own file, for definitions made on another module's behalf. */
export function mkDefinition<T>(file: string, value: T): T {
  return { _type: "definition", file, value } satisfies DefinitionWrapper<T> as unknown as T;
}

/** The `_type` tag of a value, if it is a tagged object. */
export function typeTag(v: unknown): string | undefined {
  if (v === null || typeof v !== "object") return undefined;
  const t = (v as { _type?: unknown })._type;
  if (typeof t === "string") return t;
  // A `_type` computed by an expression is read to know what the set is, as Nix reads it.
  if (t !== undefined && Lazy.is(t)) {
    const forced = force(t);
    return typeof forced === "string" ? forced : undefined;
  }
  return undefined;
}

/**
 * A wrapper's field. A set that only claims to be a wrapper (`{ _type = "if"; content = 5; }`)
 * fails where the missing field is needed, as in Nix.
 */
export function wrapperField(wrapper: unknown, name: string): unknown {
  const v = (wrapper as Record<string, unknown>)[name];
  if (v !== undefined || name in (wrapper as object)) return v;
  throw new GroveError("MissingAttribute", `attribute '${name}' missing`);
}

/** A wrapper's priority, read (it may be computed) and required. */
export function wrapperPriority(wrapper: unknown): number {
  return force(wrapperField(wrapper, "priority")) as number;
}
