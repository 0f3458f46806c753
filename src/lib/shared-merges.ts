/**
 * Merged values shared between evaluations. A merge is a pure function of the option's type, its
 * path and its final definitions (values, files, lines); machines that import one aspect give the
 * same definition objects to the same options, so the value merged for one machine is the value
 * for the next — a submodule's instances, for one, are evaluated once for the whole fleet.
 */
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
    if (x.value !== y.value || x.file !== y.file || x.line !== y.line) return false;
  }
  return true;
}

/** The value merged before from these very definitions at `loc`, or `missing`. */
export function sharedMerge(type: OptionType, loc: readonly string[], defs: readonly Def[]): unknown {
  const shelf = shelves.get(type);
  if (shelf === undefined) return missing;
  for (const e of shelf.entries) {
    if (sameDefs(e.defs, defs) && sameLoc(e.loc, loc)) {
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
  if (shelf.misses >= giveUpAfter) return;
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
