import { GroveError } from "../errors.js";
import { force, Lazy } from "./lazy.js";
import { missing, sharedMerge, shareMerge } from "./shared-merges.js";
import { showOption } from "./show.js";
import { type Def, FloatValue, type OptionType, typeError } from "./types/type.js";
import { type Condition, orders, priorities, typeTag, wrapperField, wrapperPriority } from "./wrappers.js";

export function isAttrs(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !Lazy.is(v) && !FloatValue.is(v);
}

/** A wrapper pushed into one attribute: the attribute's value is read only when discharged. */
abstract class Pushed {
  #pushed = true;
  static is(v: unknown): v is PushedIf | PushedOverride {
    return typeof v === "object" && v !== null && #pushed in v;
  }
  constructor(
    readonly holder: Record<string, unknown>,
    readonly key: string,
  ) {}
  get content(): unknown {
    return this.holder[this.key];
  }
}

/** `mkIf` pushed into one attribute. */
class PushedIf extends Pushed {
  readonly _type = "if";
  constructor(
    readonly condition: Condition,
    holder: Record<string, unknown>,
    key: string,
  ) {
    super(holder, key);
  }
}

/** `mkOverride` pushed into one attribute. */
class PushedOverride extends Pushed {
  readonly _type = "override";
  constructor(
    readonly priority: number,
    holder: Record<string, unknown>,
    key: string,
  ) {
    super(holder, key);
  }
}

/**
 * Expands `mkMerge` and pushes `mkIf`/`mkOverride` down into each attribute, without evaluating
 * conditions: what lets a condition read the options it sets.
 */
export function pushDownProperties(cfg: unknown): unknown[] {
  const v = force(cfg);
  const tag = typeTag(v);
  if (tag === undefined) return [v];
  const out: unknown[] = [];
  pushDown(v, tag, out);
  return out;
}

function pushDown(v: unknown, tag: string | undefined, out: unknown[]): void {
  switch (tag) {
    case "merge":
      for (const c of wrapperField(v, "contents") as readonly unknown[]) {
        const fc = force(c);
        pushDown(fc, typeTag(fc), out);
      }
      return;
    case "if": {
      // Read when discharged: a missing condition fails only a definition that is used.
      const condition: Condition =
        "condition" in (v as object)
          ? (v as { condition: Condition }).condition
          : () => wrapperField(v, "condition") as boolean;
      for (const c of pushDownProperties(wrapperField(v, "content"))) {
        if (!isAttrs(c)) out.push(c);
        else {
          const pushed: Record<string, unknown> = {};
          for (const k of Object.keys(c)) pushed[k] = new PushedIf(condition, c, k);
          out.push(pushed);
        }
      }
      return;
    }
    case "override": {
      const priority = wrapperPriority(v);
      for (const c of pushDownProperties(wrapperField(v, "content"))) {
        if (!isAttrs(c)) out.push(c);
        else {
          const pushed: Record<string, unknown> = {};
          for (const k of Object.keys(c)) pushed[k] = new PushedOverride(priority, c, k);
          out.push(pushed);
        }
      }
      return;
    }
    default:
      out.push(v);
  }
}

/** Reads an `mkIf` condition, which must be a boolean (or a thunk returning one). */
export function evalCondition(condition: unknown, loc: readonly string[], file: string): boolean {
  // A function written as the condition is called; a thunk that gives a function is an error.
  const c = force(typeof condition === "function" ? condition() : condition);
  if (typeof c !== "boolean") {
    throw new GroveError("TypeMismatch", "‘mkIf’ called with a non-Boolean condition", {
      path: loc,
      file,
      hint: "Pass a boolean or a function returning one: `mkIf(() => config.x.enable, …)`.",
    });
  }
  return c;
}

/** Expands `mkMerge` and evaluates `mkIf`: the values a definition really contributes. */
function discharge(value: unknown, def: Def, loc: readonly string[], out: Def[]): void {
  const v = force(value);
  switch (typeTag(v)) {
    case "merge":
      for (const c of wrapperField(v, "contents") as readonly unknown[]) discharge(c, def, loc, out);
      return;
    case "if": {
      if (evalCondition(wrapperField(v, "condition"), loc, def.file))
        discharge(wrapperField(v, "content"), def, loc, out);
      return;
    }
    case "definition": {
      const w = v as { file: string; value: unknown };
      out.push({ file: w.file, value: force(w.value) });
      return;
    }
    default:
      out.push(v === def.value ? def : { file: def.file, line: def.line, value: v });
  }
}

export function dischargeProperties(defs: readonly Def[], loc: readonly string[]): Def[] {
  const out: Def[] = [];
  for (const d of defs) discharge(d.value, d, loc, out);
  return out;
}

/** The priority a definition's value carries: its `mkOverride`'s, or that of a plain definition. */
export function prioOf(v: unknown): number {
  return typeTag(v) === "override" ? wrapperPriority(v) : priorities.plain;
}

function stripOverride(d: Def): Def {
  if (typeTag(d.value) !== "override") return d;
  return { file: d.file, line: d.line, value: asData(force(wrapperField(d.value, "content"))) };
}

/**
 * A pushed-down wrapper that a priority left undischarged, as the plain set Nix sees there
 * (`{ _type = "if"; condition; content; }`): a type may take it as data.
 */
export function asData(v: unknown): unknown {
  if (!Pushed.is(v)) return v;
  // One wrapper may be pushed into another (`mkForce (mkIf c { … })`): each becomes a plain set.
  const content = Lazy.of(() => asData(force(v.content)));
  return v._type === "if"
    ? { _type: "if", condition: v.condition, content }
    : { _type: "override", priority: v.priority, content };
}

/** Keeps the definitions of the highest priority (lowest number), stripping `mkOverride`. */
export function filterOverrides(defs: readonly Def[]): { values: Def[]; highestPrio: number } {
  if (defs.length === 1) return { values: [stripOverride(defs[0]!)], highestPrio: prioOf(defs[0]!.value) };
  let highestPrio: number = priorities.none;
  for (const d of defs) highestPrio = Math.min(highestPrio, prioOf(d.value));
  const values: Def[] = [];
  for (const d of defs) if (prioOf(d.value) === highestPrio) values.push(stripOverride(d));
  return { values, highestPrio };
}

/** Stable sort by `mkOrder` priority, stripping the wrappers. */
export function sortProperties(defs: readonly Def[]): Def[] {
  const keyed = defs.map((d) => {
    if (typeTag(d.value) !== "order") return { d, p: orders.plain as number };
    // The content stays unread: ordering a definition does not evaluate it (Nix's `isDefined`).
    const content = wrapperField(d.value, "content");
    const priority = wrapperPriority(d.value);
    // The order's priority stays on the definition, as Nix leaves it there.
    return { d: { file: d.file, line: d.line, value: content, priority }, p: priority };
  });
  keyed.sort((a, b) => a.p - b.p);
  return keyed.map((k) => k.d);
}

/** The definitions that survive conditions and priorities, in order, with the priority that won. */
export interface FinalDefs {
  readonly values: readonly Def[];
  readonly highestPrio: number;
}

/**
 * Conditions, priorities and order applied (Nix's `defsFinal`). `optionDefault` is the option's
 * default as a definition of priority 1500; it only counts when nothing else is defined or
 * everything else is wrapped.
 */
export function finalDefinitions(
  defs: readonly Def[],
  loc: readonly string[],
  optionDefault?: Def,
): FinalDefs {
  // Fast path: plain definitions (no wrapper) all have priority 100 and no order.
  let plain = defs.length > 0;
  for (let i = 0; plain && i < defs.length; i++)
    if (typeTag(force(defs[i]!.value)) !== undefined) plain = false;
  if (plain) {
    let values = defs;
    for (let i = 0; i < defs.length; i++) {
      const d = defs[i]!;
      const v = force(d.value);
      if (v !== d.value) {
        if (values === defs) values = defs.slice();
        (values as Def[])[i] = { file: d.file, line: d.line, value: v };
      }
    }
    return { values, highestPrio: priorities.plain };
  }
  if (defs.length === 0 && optionDefault) {
    const content = force((optionDefault.value as { content: unknown }).content);
    if (typeTag(content) === undefined) {
      return {
        values: [{ file: optionDefault.file, value: content }],
        highestPrio: priorities.optionDefault,
      };
    }
  }
  const all = optionDefault ? [optionDefault, ...defs] : defs;
  const filtered = filterOverrides(dischargeProperties(all, loc));
  const values = filtered.values.some((d) => typeTag(d.value) === "order")
    ? sortProperties(filtered.values)
    : filtered.values;
  return { values, highestPrio: filtered.highestPrio };
}

const UNSET = Symbol("unset");

/**
 * The merge of one option's definitions (Nix's `mergeDefinitions`): conditions, priorities and
 * order first, then the type's check and merge. Each part is computed once, when first asked.
 */
export class Merging {
  #final: FinalDefs | undefined;
  #value: unknown = UNSET;

  constructor(
    readonly loc: readonly string[],
    readonly type: OptionType,
    readonly defs: readonly Def[],
    readonly optionDefault?: Def,
  ) {}

  get final(): FinalDefs {
    return (this.#final ??= finalDefinitions(this.defs, this.loc, this.optionDefault));
  }

  get isDefined(): boolean {
    return this.final.values.length > 0;
  }

  get mergedValue(): unknown {
    if (this.#value !== UNSET) return this.#value;
    let final = this.final.values;
    let value: unknown;
    if (final.length > 0) {
      // Scalars merge faster than they are looked up; composite values are worth sharing.
      const share = this.type.single === null;
      final = forcedValues(final);
      value = share ? sharedMerge(this.type, this.loc, final) : missing;
      if (value === missing) {
        const r = this.type.checkAndMerge(this.loc, final);
        if (r.headError !== null) throw typeError(this.loc, this.type, r.headError, final);
        value = r.value();
        if (share) shareMerge(this.type, this.loc, final, value);
      }
    } else {
      const empty = this.type.emptyValue;
      if (!empty) {
        throw new GroveError(
          "NoValue",
          `The option \`${showOption(this.loc)}' was accessed but has no value defined. Try setting the option.`,
          { path: this.loc },
        );
      }
      value = empty.value;
    }
    this.#value = value;
    return value;
  }
}

/** The definitions with their values read (an ordered one's content is read only to merge it). */
export function forcedValues(defs: readonly Def[]): readonly Def[] {
  let out: Def[] | undefined;
  for (let i = 0; i < defs.length; i++) {
    const d = defs[i]!;
    if (!Lazy.is(d.value)) continue;
    out ??= defs.slice();
    out[i] = { ...d, value: force(d.value) };
  }
  return out ?? defs;
}

export function mergeDefinitions(loc: readonly string[], type: OptionType, defs: readonly Def[]): Merging {
  return new Merging(loc, type, defs);
}
