import { GroveError } from "../../errors.js";
import { isAttrs, Merging, mergeDefinitions } from "../definitions.js";
import { force, Lazy, lazyList, takesLazyArgument } from "../lazy.js";
import { ComputedAttrs, lazyAttrs } from "../lazy-attrs.js";
import { showDefs, showOption } from "../show.js";
import { typeTag } from "../wrappers.js";
import {
  type CheckedMerge,
  checkDefsForError,
  checksWhileMerging,
  type Def,
  defaultFunctor,
  type Functor,
  getFiles,
  mergeOneOption,
  mergeUniqueOption,
  mkOptionType,
  type OptionType,
  phrase,
} from "./type.js";

function elemFunctor(name: string, elemType: OptionType, make: (e: OptionType) => OptionType): Functor {
  return {
    name,
    payload: { elemType },
    binOp: (a: { elemType: OptionType }, b: { elemType: OptionType }) => {
      const merged = a.elemType.typeMerge(b.elemType);
      return merged === null ? null : { elemType: merged };
    },
    make: (p: { elemType: OptionType }) => make(p.elemType),
  };
}

export function listOf(elemType: OptionType): OptionType {
  const check = Array.isArray;
  const single = elemType.single;
  return mkOptionType({
    name: "listOf",
    description: () => `list of ${phrase((c) => c === "noun" || c === "composite", elemType)}`,
    descriptionClass: "composite",
    check,
    v2: true,
    checkAndMerge: (loc, defs) => ({
      headError: checkDefsForError(check, defs),
      value: () => {
        const out: unknown[] = [];
        let deferred = false; // whether an item is left to merge when it is read
        for (let n = 0; n < defs.length; n++) {
          const def = defs[n]!;
          const list = def.value as unknown[];
          for (let m = 0; m < list.length; m++) {
            const item = force(list[m]);
            // A plain element of a scalar type is its own value; anything else is merged in full.
            if (single !== null && typeTag(item) === undefined && elemType.check(item)) {
              out.push(single(item));
              continue;
            }
            const merging = mergeDefinitions([...loc, `[definition ${n + 1}-entry ${m + 1}]`], elemType, [
              { file: def.file, line: def.line, value: item },
            ]);
            if (merging.isDefined) {
              out.push(Lazy.of(() => merging.mergedValue));
              deferred = true;
            }
          }
        }
        return deferred ? lazyList(out) : out;
      },
    }),
    emptyValue: { value: [] },
    getSubOptions: (prefix) => elemType.getSubOptions([...prefix, "*"]),
    getSubModules: elemType.getSubModules,
    substSubModules: (m) => listOf(elemType.substSubModules(m)),
    functor: elemFunctor("listOf", elemType, listOf),
    nestedTypes: { elemType },
  });
}

export function nonEmptyListOf(elemType: OptionType): OptionType {
  const list = listOf(elemType);
  const check = (v: unknown) => Array.isArray(v) && v.length > 0;
  return mkOptionType({
    name: "listOf",
    description: () => `non-empty ${phrase((c) => c === "noun", list)}`,
    descriptionClass: list.descriptionClass,
    check,
    v2: true,
    checkAndMerge: (loc, defs) => {
      const r = list.checkAndMerge(loc, defs);
      return r.headError !== null ? r : { headError: checkDefsForError(check, defs), value: r.value };
    },
    getSubOptions: list.getSubOptions,
    getSubModules: list.getSubModules,
    substSubModules: (m) => nonEmptyListOf(elemType.substSubModules(m)),
    functor: list.functor,
    nestedTypes: { elemType },
  });
}

export interface AttrsWithOptions {
  elemType: OptionType;
  lazy?: boolean;
  placeholder?: string;
}

/**
 * Per attribute name, the definitions of that attribute, each keeping its file. Values stay
 * unread for a lazy set; otherwise they are read now, as Nix must to know the names.
 */
function zipAttrs(defs: readonly Def[], lazy: boolean): Map<string, Def[]> {
  const byName = new Map<string, Def[]>();
  for (const def of defs) {
    const value = def.value as Record<string, unknown>;
    for (const k of Object.keys(value)) {
      const d: Def = { file: def.file, line: def.line, value: lazy ? Lazy.ref(value, k) : force(value[k]) };
      const list = byName.get(k);
      if (list) list.push(d);
      else byName.set(k, [d]);
    }
  }
  return byName;
}

export function attrsWith(opts: AttrsWithOptions): OptionType {
  const { elemType } = opts;
  const single = elemType.single;
  const lazy = opts.lazy ?? false;
  const placeholder = opts.placeholder ?? "name";
  const check = isAttrs;
  return mkOptionType({
    name: lazy ? "lazyAttrsOf" : "attrsOf",
    description: () =>
      `${lazy ? "lazy attribute set" : "attribute set"} of ${phrase((c) => c === "noun" || c === "composite", elemType)}`,
    descriptionClass: "composite",
    check,
    v2: true,
    checkAndMerge: (loc, defs): CheckedMerge => ({
      headError: checkDefsForError(check, defs),
      value: () => {
        const names: string[] = [];
        // Per name: its merge, or its one plain definition of a scalar (checked when read).
        const merges: (Merging | Def)[] = [];
        for (const [name, nameDefs] of zipAttrs(defs, lazy)) {
          if (
            !lazy &&
            nameDefs.length === 1 &&
            single !== null &&
            typeTag(nameDefs[0]!.value) === undefined
          ) {
            names.push(name);
            merges.push(nameDefs[0]!);
            continue;
          }
          const merging = mergeDefinitions([...loc, name], elemType, nameDefs);
          if (!lazy && !merging.isDefined) continue;
          names.push(name);
          merges.push(merging);
        }
        return lazyAttrs(
          new ComputedAttrs(names, (name, i) => {
            const m = merges[i]!;
            if (m instanceof Merging) return lazy ? lazyAttrValue(m, elemType) : m.mergedValue;
            return elemType.check(m.value)
              ? single!(m.value)
              : mergeDefinitions([...loc, name], elemType, [m]).mergedValue;
          }),
        );
      },
    }),
    emptyValue: { value: {} },
    getSubOptions: (prefix) => elemType.getSubOptions([...prefix, `<${placeholder}>`]),
    getSubModules: elemType.getSubModules,
    substSubModules: (m) => attrsWith({ elemType: elemType.substSubModules(m), lazy, placeholder }),
    functor: {
      name: "attrsWith",
      payload: { elemType, lazy, placeholder },
      binOp: (a: Required<AttrsWithOptions>, b: Required<AttrsWithOptions>) => {
        const e = a.elemType.typeMerge(b.elemType);
        const l = a.lazy === b.lazy ? a.lazy : null;
        const p =
          a.placeholder === b.placeholder
            ? a.placeholder
            : a.placeholder === "name"
              ? b.placeholder
              : b.placeholder === "name"
                ? a.placeholder
                : null;
        return e === null || l === null || p === null ? null : { elemType: e, lazy: l, placeholder: p };
      },
      make: (p: Required<AttrsWithOptions>) => attrsWith(p),
    },
    nestedTypes: { elemType },
  });
}

function lazyAttrValue(merging: Merging, elemType: OptionType): unknown {
  if (merging.isDefined) return merging.mergedValue;
  const empty = elemType.emptyValue;
  return empty ? empty.value : merging.mergedValue;
}

export const attrsOf = (elemType: OptionType): OptionType => attrsWith({ elemType });
export const lazyAttrsOf = (elemType: OptionType): OptionType => attrsWith({ elemType, lazy: true });

export function nullOr(elemType: OptionType): OptionType {
  return mkOptionType({
    name: "nullOr",
    description: () => `null or ${phrase((c) => c === "noun" || c === "conjunction", elemType)}`,
    descriptionClass: "conjunction",
    check: (v) => v === null || elemType.check(v),
    merge: (loc, defs) => {
      const nulls = defs.filter((d) => d.value === null).length;
      if (nulls === 0) return elemType.merge(loc, defs);
      if (nulls === defs.length) return null;
      throw new GroveError(
        "Conflict",
        `The option \`${showOption(loc)}\` is defined both null and not null, in ${getFiles(defs)}.`,
        { path: loc, file: defs[0]?.file },
      );
    },
    emptyValue: { value: null },
    single: elemType.single && ((v: unknown) => (v === null ? null : elemType.single!(v))),
    getSubOptions: elemType.getSubOptions,
    getSubModules: elemType.getSubModules,
    substSubModules: (m) => nullOr(elemType.substSubModules(m)),
    functor: elemFunctor("nullOr", elemType, nullOr),
    nestedTypes: { elemType },
  });
}

export function unique(message: string, type: OptionType): OptionType {
  const merge = mergeUniqueOption(message, type.merge);
  return mkOptionType({
    name: "unique",
    description: () => type.description,
    descriptionClass: type.descriptionClass,
    // Checked by the type's check alone, as Nix's `unique` is: the inner type's own merge checks
    // (of an `either`, a submodule) come after, for the one definition allowed.
    check: type.check,
    merge,
    emptyValue: () => type.emptyValue,
    single: type.single,
    getSubOptions: type.getSubOptions,
    getSubModules: type.getSubModules,
    // Nix rebuilds it as `uniq`: a declared option's own message is not kept.
    substSubModules: (m) => unique("", type.substSubModules(m)),
    functor: elemFunctor("unique", type, (e) => unique(message, e)),
    nestedTypes: { elemType: type },
  });
}
export const uniq = (type: OptionType): OptionType => unique("", type);

export function functionTo(elemType: OptionType): OptionType {
  return mkOptionType({
    name: "functionTo",
    description: () =>
      `function that evaluates to a(n) ${phrase((c) => c === "noun" || c === "composite", elemType)}`,
    descriptionClass: "composite",
    check: (v) => typeof v === "function",
    // The merged function hands its argument on unread, as Nix's does.
    merge: (loc, defs) =>
      takesLazyArgument(
        (arg: unknown) =>
          mergeDefinitions(
            [...loc, "<function body>"],
            elemType,
            defs.map((d) => ({
              file: d.file,
              line: d.line,
              value: Lazy.of(() => (d.value as (a: unknown) => unknown)(arg)),
            })),
          ).mergedValue,
      ),
    getSubOptions: (prefix) => elemType.getSubOptions([...prefix, "<function body>"]),
    getSubModules: elemType.getSubModules,
    substSubModules: (m) => functionTo(elemType.substSubModules(m)),
    functor: elemFunctor("functionTo", elemType, functionTo),
    nestedTypes: { elemType },
  });
}

export function either(t1: OptionType, t2: OptionType): OptionType {
  const description = () =>
    t1.descriptionClass === "nonRestrictiveClause"
      ? `${t1.description}, or ${phrase((c) => c === "noun" || c === "conjunction", t2)}`
      : `${phrase((c) => c === "noun" || c === "conjunction", t1)} or ${phrase((c) => c === "noun" || c === "conjunction" || c === "composite", t2)}`;
  const self: OptionType = mkOptionType({
    name: "either",
    description,
    descriptionClass: "conjunction",
    check: (v) => t1.check(v) || t2.check(v),
    v2: true,
    checkAndMerge: (loc, defs) => {
      const r1 = t1.checkAndMerge(loc, defs);
      if (r1.headError === null) return r1;
      const r2 = t2.checkAndMerge(loc, defs);
      if (r2.headError === null) return r2;
      return {
        headError: `The option \`${showOption(loc)}\` is neither a value of type \`${t1.description}\` nor \`${t2.description}\`, Definition values: ${showDefs(defs)}`,
        value: () => mergeOneOption(loc, defs),
      };
    },
    typeMerge: (other) => {
      if (other.functor.name !== "either") return null;
      const [o1, o2] = other.functor.payload as [OptionType, OptionType];
      const m1 = t1.typeMerge(o1);
      const m2 = t2.typeMerge(o2);
      return m1 && m2 ? either(m1, m2) : null;
    },
    functor: { ...defaultFunctor("either"), payload: [t1, t2] },
    nestedTypes: { left: t1, right: t2 },
  });
  return self;
}

export function oneOf(ts: readonly OptionType[]): OptionType {
  if (ts.length === 0)
    throw new GroveError("BadValue", "types.oneOf needs to get at least one type in its argument");
  return ts.slice(1).reduce((acc, t) => either(acc, t), ts[0]!);
}

export function coercedTo(
  coercedType: OptionType,
  coerce: (v: unknown) => unknown,
  finalType: OptionType,
): OptionType {
  const check = (v: unknown) =>
    (coercedType.check(v) && finalType.check(force(coerce(v)))) || finalType.check(v);
  return mkOptionType({
    name: "coercedTo",
    description: () =>
      `${phrase((c) => c === "noun", finalType)} or ${phrase((c) => c === "noun", coercedType)} convertible to it`,
    check,
    v2: true,
    checkAndMerge: (loc, defs) => {
      const coercible = (d: Def) =>
        checksWhileMerging(coercedType)
          ? coercedType.checkAndMerge(loc, [d]).headError === null
          : coercedType.check(d.value);
      const finalDefs = defs.map((d) =>
        coercible(d) ? { file: d.file, line: d.line, value: force(coerce(d.value)) } : d,
      );
      if (checksWhileMerging(finalType)) return finalType.checkAndMerge(loc, finalDefs);
      // Otherwise Nix checks the definitions as written, then merges the coerced ones unchecked.
      return {
        headError: checkDefsForError(check, defs),
        value: () => finalType.merge(loc, finalDefs),
      };
    },
    emptyValue: () => finalType.emptyValue,
    getSubOptions: finalType.getSubOptions,
    getSubModules: finalType.getSubModules,
    substSubModules: (m) => coercedTo(coercedType, coerce, finalType.substSubModules(m)),
    typeMerge: () => null,
    nestedTypes: { coercedType, finalType },
  });
}

/**
 * `type` with one more check. A type that checks while merging checks its own way first, then
 * the extra check; any other is checked once, by both checks together (which lists every
 * definition that fails either), as in Nix.
 */
export function addCheck(type: OptionType, extra: (v: unknown) => boolean): OptionType {
  const check = (v: unknown) => type.check(v) && extra(v);
  return mkOptionType({
    name: type.name,
    description: () => type.description,
    descriptionClass: type.descriptionClass,
    check,
    merge: type.merge,
    ...(type.v2
      ? {
          checkAndMerge: (loc: readonly string[], defs: readonly Def[]) => {
            const r = type.checkAndMerge(loc, defs);
            return r.headError !== null ? r : { headError: checkDefsForError(extra, defs), value: r.value };
          },
          v2: true,
        }
      : {}),
    emptyValue: () => type.emptyValue,
    getSubOptions: type.getSubOptions,
    getSubModules: type.getSubModules,
    // As Nix's `elemType // { check }`: rebuilt with its modules, the extra check is gone.
    substSubModules: (m) => type.substSubModules(m),
    functor: type.functor,
    // Merged with another declaration as the type it checks more (the extra check is lost, as in Nix).
    typeMerge: type.typeMerge,
    nestedTypes: type.nestedTypes,
  });
}
