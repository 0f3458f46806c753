/**
 * Merged values shared between evaluations. A merge is a pure function of the option's type, its
 * path and its final definitions (values, files, lines); machines that import one aspect give the
 * same definitions to the same options, so the value merged for one machine is the value for the
 * next — a submodule's instances, for one, are evaluated once for the whole fleet. Definitions
 * match when they are the same objects, or equal plain data (what a module function writes
 * afresh each time it is called).
 */
import { attrsSourceOf } from "./lazy-attrs.js";
import type { Def, OptionType } from "./types/type.js";

interface Entry {
  readonly loc: readonly string[];
  readonly defs: readonly Def[];
  readonly value: unknown;
}

interface Shelf {
  entries: Entry[];
  /** Where the next entry goes once the shelf is full (the oldest is replaced). */
  next: number;
  /** Stores since the last hit: a type whose merges never repeat stops being remembered. */
  misses: number;
}

/** Entries kept per type: most options see one definition list, lists of names a few. */
const perType = 2;
/** Stores without a hit after which a type's merges are no longer remembered. */
const giveUpAfter = 8;

const shelves = new WeakMap<OptionType, Shelf>();

/** Values that more than one evaluation may hold: worth keeping their JSON text. */
const sharedValues = new WeakSet<object>();

/** Whether `v` is a merged value remembered for sharing. */
export function isShared(v: object): boolean {
  return sharedValues.has(v);
}

function sameLoc(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = a.length - 1; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
}

function sameDefs(a: readonly Def[], b: readonly Def[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.file !== y.file || x.line !== y.line) return false;
    if (x.value !== y.value && !sameData(x.value, y.value, { left: dataBudget })) return false;
  }
  return true;
}

/** Values compared at most per definition: a larger one is merged again rather than compared. */
const dataBudget = 256;

/** An object literal's kind of object: no class, no lazy attribute set, no symbol-keyed extras. */
function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return (
    (proto === Object.prototype || proto === null) &&
    attrsSourceOf(v) === undefined &&
    Object.getOwnPropertySymbols(v).length === 0
  );
}

/**
 * Whether `a` and `b` are equal plain data: primitives, arrays and plain objects of data values
 * (wrappers such as `mkDefault` included). A function, a thunk, a getter or a lazy attribute set
 * is never read here, and makes the two differ unless it is the same object.
 */
function sameData(a: unknown, b: unknown, budget: { left: number }): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (--budget.left < 0) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameData(a[i], b[i], budget)) return false;
    return true;
  }
  if (Array.isArray(b) || !isPlainObject(a) || !isPlainObject(b)) return false;
  const keys = Object.keys(a);
  const other = Object.keys(b);
  if (keys.length !== other.length) return false;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (other[i] !== k) return false;
    const x = Object.getOwnPropertyDescriptor(a, k)!;
    const y = Object.getOwnPropertyDescriptor(b, k)!;
    if (x.get || y.get || !sameData(x.value, y.value, budget)) return false;
  }
  return true;
}

/** The value merged before from these very definitions at `loc`, or `missing`. */
export function sharedMerge(type: OptionType, loc: readonly string[], defs: readonly Def[]): unknown {
  const shelf = shelves.get(type);
  if (shelf === undefined) return missing;
  for (const e of shelf.entries) {
    if (sameLoc(e.loc, loc) && sameDefs(e.defs, defs)) {
      shelf.misses = 0;
      return e.value;
    }
  }
  return missing;
}

/** Remembers a merged value for {@link sharedMerge}. */
export function shareMerge(
  type: OptionType,
  loc: readonly string[],
  defs: readonly Def[],
  value: unknown,
): void {
  let shelf = shelves.get(type);
  if (shelf === undefined) shelves.set(type, (shelf = { entries: [], next: 0, misses: 0 }));
  if (shelf.misses >= giveUpAfter) {
    // Kept entries would pin the evaluations their definitions close over.
    shelf.entries.length = 0;
    return;
  }
  shelf.misses++;
  const entry = { loc, defs, value };
  if (typeof value === "object" && value !== null) sharedValues.add(value);
  if (shelf.entries.length < perType) shelf.entries.push(entry);
  else {
    shelf.entries[shelf.next] = entry;
    shelf.next = (shelf.next + 1) % perType;
  }
}

export const missing: unique symbol = Symbol("grove.noSharedMerge");
