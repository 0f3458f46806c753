import { GroveError } from "../../errors.js";
import { force } from "../lazy.js";
import { showDefs, showFiles, showOption } from "../show.js";

/** One definition of an option: its value and where it comes from. */
export interface Def {
  readonly file: string;
  readonly line?: number | undefined;
  readonly value: unknown;
  /** The `mkOrder` priority it was sorted by, once sorted (Nix keeps it on the definition). */
  readonly priority?: number;
}

/** What a type's check-and-merge returns: the first type error, or a way to get the value. */
export interface CheckedMerge {
  readonly headError: string | null;
  readonly value: () => unknown;
}

export type DescriptionClass = "noun" | "composite" | "conjunction" | "nonRestrictiveClause" | null;

/** How two declarations of one option combine their types (Nix's type functor). */
export interface Functor {
  readonly name: string;
  readonly payload: unknown;
  readonly binOp: (a: any, b: any) => unknown;
  readonly make: ((payload: any) => OptionType) | null;
}

/** A module as types hold it (deferred, submodule): any module form. */
export type AnyModule = unknown;

/**
 * An option type: what `lib.types.*` returns. `check` is shallow; `merge` combines checked
 * definitions; `checkAndMerge` is both at once, for types whose errors live deeper (lists,
 * attribute sets, submodules).
 */
export interface OptionType {
  readonly _type: "option-type";
  readonly name: string;
  readonly description: string;
  readonly descriptionClass: DescriptionClass;
  readonly check: (value: unknown) => boolean;
  readonly merge: (loc: readonly string[], defs: readonly Def[]) => unknown;
  readonly checkAndMerge: (loc: readonly string[], defs: readonly Def[]) => CheckedMerge;
  /** The value of an option that has no definition, when the type has one (`[]`, `{}`, `null`). */
  readonly emptyValue: { value: unknown } | undefined;
  readonly getSubOptions: (prefix: readonly string[]) => Record<string, unknown>;
  readonly getSubModules: readonly AnyModule[] | null;
  readonly substSubModules: (modules: readonly AnyModule[]) => OptionType;
  readonly typeMerge: (other: OptionType) => OptionType | null;
  readonly functor: Functor;
  readonly nestedTypes: Readonly<Record<string, OptionType>>;
  readonly deprecationMessage: string | null;
  /** Whether the type checks its definitions while it merges them (Nix's `merge.v2`). */
  readonly v2: boolean;
  /**
   * The merge of a single checked definition, when it needs no context (scalars): lets the
   * module system skip building a merge for the common one-definition case.
   */
  readonly single: ((value: unknown) => unknown) | null;
}

export interface TypeSpec {
  name: string;
  /** A function when the description needs nested types (computed on first read). */
  description?: string | (() => string);
  descriptionClass?: DescriptionClass;
  check?: (value: unknown) => boolean;
  merge?: (loc: readonly string[], defs: readonly Def[]) => unknown;
  checkAndMerge?: (loc: readonly string[], defs: readonly Def[]) => CheckedMerge;
  emptyValue?: { value: unknown } | (() => { value: unknown } | undefined);
  getSubOptions?: (prefix: readonly string[]) => Record<string, unknown>;
  getSubModules?: readonly AnyModule[] | null;
  substSubModules?: (modules: readonly AnyModule[]) => OptionType;
  typeMerge?: (other: OptionType) => OptionType | null;
  functor?: Functor;
  /** A function when the nested types are known only later (a submodule's freeform type). */
  nestedTypes?: Record<string, OptionType> | (() => Record<string, OptionType>);
  deprecationMessage?: string | null;
  single?: ((value: unknown) => unknown) | null;
  v2?: boolean;
}

export function defaultFunctor(name: string, make: ((payload: any) => OptionType) | null = null): Functor {
  return { name, payload: null, binOp: () => null, make };
}

/** `lib.types` by name: what two declarations of a type without a payload merge into. */
const canonicalTypes = new Map<string, OptionType>();

/** Records the named types (`types.int`, `types.str`…) for {@link defaultTypeMerge}. */
export function registerCanonicalTypes(types: Record<string, unknown>): void {
  for (const [name, t] of Object.entries(types)) {
    if ((t as { _type?: unknown } | null)?._type === "option-type") canonicalTypes.set(name, t as OptionType);
  }
}

/**
 * Two declarations of one option merge their types when the functors agree (Nix's
 * `defaultTypeMerge`). Without a payload the result is the named type itself: `ints.between 0 10`
 * declared twice is `int`, its bounds gone, as in Nix. A type Nix could not name merges only
 * with itself.
 */
export function defaultTypeMerge(
  f: Functor,
  other: Functor,
  self: OptionType,
  otherType: OptionType,
): OptionType | null {
  if (f.name !== other.name) return null;
  if (f.payload === null || other.payload === null) {
    if (f.payload !== other.payload) return null;
    return canonicalTypes.get(f.name) ?? (self === otherType ? self : null);
  }
  const merged = f.binOp(f.payload, other.payload);
  if (merged === null || merged === undefined || f.make === null) return null;
  return f.make(merged);
}

/** A type without sub-options (most): a new empty set each time, as the Nix default gives. */
function noSubOptions(): Record<string, unknown> {
  return {};
}

const noNestedTypes: Readonly<Record<string, OptionType>> = Object.freeze({});

function acceptsAll(): boolean {
  return true;
}

/**
 * An option type's object. A class, not an object literal: a literal with getters is a slow
 * dictionary in V8, and a fleet holds thousands of types read on every option's merge.
 */
class TypeObject implements OptionType {
  readonly _type = "option-type" as const;
  readonly name: string;
  readonly descriptionClass: DescriptionClass;
  readonly check: (value: unknown) => boolean;
  readonly merge: (loc: readonly string[], defs: readonly Def[]) => unknown;
  readonly checkAndMerge: (loc: readonly string[], defs: readonly Def[]) => CheckedMerge;
  readonly getSubOptions: (prefix: readonly string[]) => Record<string, unknown>;
  readonly getSubModules: readonly AnyModule[] | null;
  readonly substSubModules: (modules: readonly AnyModule[]) => OptionType;
  readonly typeMerge: (other: OptionType) => OptionType | null;
  readonly functor: Functor;
  readonly deprecationMessage: string | null;
  readonly single: ((value: unknown) => unknown) | null;
  readonly v2: boolean;
  readonly #nestedTypes: TypeSpec["nestedTypes"];
  readonly #description: string | (() => string);
  #describedAs: string | undefined;
  readonly #emptyValue: TypeSpec["emptyValue"];

  constructor(spec: TypeSpec) {
    const check = spec.check ?? acceptsAll;
    const cm = spec.checkAndMerge;
    const merge =
      spec.merge ??
      (cm ? (loc: readonly string[], defs: readonly Def[]) => cm(loc, defs).value() : mergeDefaultOption);
    const functor = spec.functor ?? defaultFunctor(spec.name);
    this.name = spec.name;
    this.#description = spec.description ?? spec.name;
    this.descriptionClass = spec.descriptionClass ?? null;
    this.check = check;
    this.merge = merge;
    this.checkAndMerge =
      spec.checkAndMerge ??
      ((loc, defs) => ({
        headError: checkDefsForError(check, defs),
        value: () => merge(loc, defs),
      }));
    this.#emptyValue = spec.emptyValue;
    this.getSubOptions = spec.getSubOptions ?? noSubOptions;
    this.getSubModules = spec.getSubModules ?? null;
    this.substSubModules = spec.substSubModules ?? (() => this);
    this.typeMerge = spec.typeMerge ?? ((other) => defaultTypeMerge(functor, other.functor, this, other));
    this.functor = functor;
    this.#nestedTypes = spec.nestedTypes;
    this.deprecationMessage = spec.deprecationMessage ?? null;
    this.single = spec.single !== undefined ? spec.single : identityOnOne.has(merge) ? identity : null;
    this.v2 = spec.v2 ?? false;
  }

  get description(): string {
    const d = this.#description;
    return typeof d === "function" ? (this.#describedAs ??= d()) : d;
  }

  get emptyValue(): { value: unknown } | undefined {
    const e = this.#emptyValue;
    return typeof e === "function" ? e() : e;
  }

  get nestedTypes(): Readonly<Record<string, OptionType>> {
    const n = this.#nestedTypes;
    return typeof n === "function" ? n() : (n ?? noNestedTypes);
  }
}

/** Builds an option type from its parts, filling in Nix's defaults. */
export function mkOptionType(spec: TypeSpec): OptionType {
  return new TypeObject(spec);
}

/** The parts of `type`, to build one like it with some changed (Nix's `type // { … }`). */
export function specOf(type: OptionType): TypeSpec {
  return {
    name: type.name,
    description: () => type.description,
    descriptionClass: type.descriptionClass,
    check: type.check,
    merge: type.merge,
    // A type that checks while merging does so in its merge; any other is checked by `check`,
    // which the copy may change, so its check-and-merge is made again from the parts.
    ...(type.v2 ? { checkAndMerge: type.checkAndMerge } : {}),
    emptyValue: () => type.emptyValue,
    getSubOptions: type.getSubOptions,
    getSubModules: type.getSubModules,
    substSubModules: type.substSubModules,
    typeMerge: type.typeMerge,
    functor: type.functor,
    nestedTypes: () => type.nestedTypes,
    deprecationMessage: type.deprecationMessage,
    single: type.single,
    v2: type.v2,
  };
}

export function isOptionType(v: unknown): v is OptionType {
  return typeof v === "object" && v !== null && (v as { _type?: unknown })._type === "option-type";
}

/** "Definition values: …" for the definitions that fail `check`, or null when all pass. */
export function checkDefsForError(check: (v: unknown) => boolean, defs: readonly Def[]): string | null {
  let bad: Def[] | undefined;
  for (const d of defs) if (!check(d.value)) (bad ??= []).push(d);
  return bad ? `Definition values:${showDefs(bad)}` : null;
}

/** Whether `type` checks its definitions while it merges them (Nix's `merge.v2`). */
export function checksWhileMerging(type: OptionType): boolean {
  return type.v2;
}

/** The type error Nix raises for a definition that fails its option's type. */
export function typeError(
  loc: readonly string[],
  type: OptionType,
  detail: string,
  defs?: readonly Def[],
): GroveError {
  const first = defs?.[0];
  // Types that check while they merge (Nix's `merge.v2`) word the error as Nix does for them.
  const shown = checksWhileMerging(type) ? `TypeError: ${detail}` : detail;
  return new GroveError(
    "TypeMismatch",
    `A definition for option \`${showOption(loc)}' is not of type \`${type.description}'. ${shown}`,
    { path: loc, file: first?.file, line: first?.line },
  );
}

export function conflictError(loc: readonly string[], message: string, defs: readonly Def[]): GroveError {
  return new GroveError("Conflict", message, { path: loc, file: defs[0]?.file, line: defs[0]?.line });
}

const prioritySuggestion =
  "Use `lib.mkForce value` or `lib.mkDefault value` to change the priority on any of these definitions.";

/** Marks a number as a float, so `float` accepts `float(1)` and Nix output renders `1.0`. */
export class FloatValue {
  #float = true;
  constructor(readonly value: number) {}
  /** A brand check: unlike `instanceof`, it runs no proxy trap (configuration values are proxies). */
  static is(v: unknown): v is FloatValue {
    return typeof v === "object" && v !== null && #float in v;
  }
  valueOf(): number {
    return this.value;
  }
  toJSON(): number {
    return this.value;
  }
}

/** Nix's `==`: structural on lists and sets, numbers by value (`1 == 1.0`), functions never equal. */
export function nixEqual(a: unknown, b: unknown): boolean {
  // Each level read only as far as the comparison goes, as Nix's `==` does.
  a = force(a);
  b = force(b);
  if (FloatValue.is(a)) a = a.value;
  if (FloatValue.is(b)) b = b.value;
  if (a === b) return typeof a !== "function";
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => nixEqual(x, b[i]));
  }
  if (Array.isArray(b)) return false;
  // Two derivations are equal when their outputs are (Nix compares their `outPath`s).
  const sa = a as Record<string, unknown>;
  const sb = b as Record<string, unknown>;
  if (
    "outPath" in sa &&
    "outPath" in sb &&
    force(sa.type) === "derivation" &&
    force(sb.type) === "derivation"
  )
    return nixEqual(sa.outPath, sb.outPath);
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && nixEqual((a as any)[k], (b as any)[k]));
}

/** All definitions must be equal (bool, int, str, enum…). */
export function mergeEqualOption(loc: readonly string[], defs: readonly Def[]): unknown {
  const first = defs[0]!;
  for (let i = 1; i < defs.length; i++) {
    if (!nixEqual(defs[i]!.value, first.value)) {
      throw conflictError(
        loc,
        `The option \`${showOption(loc)}' has conflicting definition values:${showDefs([first, defs[i]!])}\n${prioritySuggestion}`,
        defs,
      );
    }
  }
  return first.value;
}

/** Exactly one definition is allowed. */
export function mergeUniqueOption(
  message: string,
  merge: (loc: readonly string[], defs: readonly Def[]) => unknown,
) {
  return (loc: readonly string[], defs: readonly Def[]): unknown => {
    if (defs.length === 1) return merge(loc, defs);
    throw conflictError(
      loc,
      `The option \`${showOption(loc)}' is defined multiple times while it's expected to be unique.\n${message}\nDefinition values:${showDefs(defs)}\n${prioritySuggestion}`,
      defs,
    );
  };
}

export const mergeOneOption = mergeUniqueOption("", (_loc, defs) => defs[0]!.value);

function isAttrsValue(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !FloatValue.is(v);
}

/** The merge of `unspecified`: lists concatenate, sets combine, strings join, equal ints pass. */
export function mergeDefaultOption(loc: readonly string[], defs: readonly Def[]): unknown {
  const list = defs.map((d) => d.value);
  if (list.length === 1) return list[0];
  if (list.every((v) => typeof v === "function")) {
    return (x: unknown) =>
      mergeDefaultOption(
        loc,
        defs.map((d) => ({ file: d.file, value: (d.value as any)(x) })),
      );
  }
  if (list.every(Array.isArray)) return (list as unknown[][]).flat(1);
  if (list.every(isAttrsValue)) return Object.assign({}, ...list);
  if (list.every((v) => typeof v === "boolean")) return list.some(Boolean);
  if (list.every((v) => typeof v === "string")) return list.join("");
  if (list.every((v) => Number.isInteger(v) && v === list[0])) return list[0];
  throw conflictError(
    loc,
    `Cannot merge definitions of \`${showOption(loc)}'. Definition values:${showDefs(defs)}`,
    defs,
  );
}

/** `(a or b)` when a nested description would read ambiguously, as Nix's optionDescriptionPhrase. */
export function phrase(unparenthesize: (c: DescriptionClass) => boolean, t: OptionType): string {
  return unparenthesize(t.descriptionClass) ? t.description : `(${t.description})`;
}

export function getFiles(defs: readonly Def[]): string {
  return showFiles(defs.map((d) => d.file));
}

const identity = (v: unknown): unknown => v;

/** Merges that return the value of a lone definition unchanged. */
const identityOnOne = new Set<unknown>([mergeEqualOption, mergeOneOption, mergeDefaultOption]);
