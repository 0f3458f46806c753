/**
 * Types of plain values: what a `json` or `toml` file can hold, inline Lua, option types and
 * option declarations.
 */
import { isAttrs } from "../definitions.js";
import { bool, float, int, path, str } from "./basic.js";
import { attrsOf, listOf, nullOr, oneOf } from "./containers.js";
import { mergeEqualOption, mkOptionType, type OptionType, specOf } from "./type.js";

/** A type that is `make()`'s, built when first used: what lets a type contain itself. */
function later(
  make: () => OptionType,
  descriptionClass: OptionType["descriptionClass"],
  v2: boolean,
): OptionType {
  let type: OptionType | undefined;
  const t = () => (type ??= make());
  return mkOptionType({
    name: "serializableValue",
    description: () => t().description,
    descriptionClass,
    check: (v) => t().check(v),
    checkAndMerge: (loc, defs) => t().checkAndMerge(loc, defs),
    emptyValue: () => t().emptyValue,
    v2,
  });
}

/**
 * Values a serialisation format holds (Nix's `serializableValueWith`): booleans, numbers,
 * strings, paths, and sets and lists of them, `null` too when `nullable`.
 */
export function serializableValueWith(opts: { typeName: string; nullable?: boolean }): OptionType {
  const nullable = opts.nullable ?? true;
  let valueType: OptionType | undefined;
  // Nix's value type is `nullOr (oneOf …)` or `oneOf …`: only the latter checks while merging.
  const inner = later(() => valueType!, "conjunction", !nullable);
  const base = oneOf([bool, int, float, str, path, attrsOf(inner), listOf(inner)]);
  const shaped = nullable ? nullOr(base) : base;
  // The container's own type with the format's name; its class stays, as Nix's `//` keeps it.
  valueType = mkOptionType({ ...specOf(shaped), description: `${opts.typeName} value` });
  return valueType;
}

export const json = serializableValueWith({ typeName: "JSON" });
export const toml = serializableValueWith({ typeName: "TOML", nullable: false });

export const luaInline = mkOptionType({
  name: "luaInline",
  description: "inline lua",
  descriptionClass: "noun",
  check: (v) => isAttrs(v) && v._type === "lua-inline",
  merge: mergeEqualOption,
});

export const optionDeclaration = mkOptionType({
  name: "optionDeclaration",
  description: "option declaration",
  descriptionClass: "noun",
  check: (v) => isAttrs(v) && v._type === "option" && !("value" in v),
});
