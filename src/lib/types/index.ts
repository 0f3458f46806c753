import { isAttrs } from "../definitions.js";
import { optionType } from "../modules.js";
import { attrTag } from "./attr-tag.js";
import {
  anything,
  attrs,
  bool,
  boolByOr,
  commas,
  enumType,
  envVar,
  externalPath,
  float,
  int,
  ints,
  isFloat,
  lines,
  nonEmptyStr,
  path,
  pathInStore,
  pathWith,
  port,
  raw,
  separatedString,
  singleLineStr,
  str,
  strMatching,
  unspecified,
} from "./basic.js";
import {
  addCheck,
  attrsOf,
  attrsWith,
  coercedTo,
  either,
  functionTo,
  lazyAttrsOf,
  listOf,
  nonEmptyListOf,
  nullOr,
  oneOf,
  uniq,
  unique,
} from "./containers.js";
import { packageType, shellPackage } from "./package.js";
import { deferredModule, deferredModuleWith, submodule, submoduleWith } from "./submodule.js";
import { mkOptionType, type OptionType, registerCanonicalTypes, specOf } from "./type.js";
import { json, luaInline, optionDeclaration, serializableValueWith, toml } from "./values.js";

const number = either(int, float);

function numberWith(
  check: (n: number) => boolean,
  name: string,
  description: string,
  descriptionClass: "conjunction" | "nonRestrictiveClause",
): OptionType {
  return mkOptionType({
    ...specOf(addCheck(number, (v) => check(Number(v)))),
    name,
    description,
    descriptionClass,
  });
}

/**
 * The option types: what `lib.types` is in Nix.
 *
 * @example
 * mkOption({ type: types.listOf(types.str), default: [] })
 */
export const types = {
  raw,
  anything,
  unspecified,
  bool,
  boolByOr,
  int,
  ints,
  port,
  float,
  number,
  numbers: {
    between: (lo: number, hi: number) =>
      numberWith(
        (n) => n >= lo && n <= hi,
        "numberBetween",
        // Nix writes these bounds as JSON (ints.between's with toString).
        `integer or floating point number between ${JSON.stringify(lo)} and ${JSON.stringify(hi)} (both inclusive)`,
        // `number`'s class, as Nix's `addCheck number … // { description }` keeps it.
        "conjunction",
      ),
    nonnegative: numberWith(
      (n) => n >= 0,
      "numberNonnegative",
      "nonnegative integer or floating point number, meaning >=0",
      "nonRestrictiveClause",
    ),
    positive: numberWith(
      (n) => n > 0,
      "numberPositive",
      "positive integer or floating point number, meaning >0",
      "nonRestrictiveClause",
    ),
  },
  str,
  nonEmptyStr,
  singleLineStr,
  strMatching,
  separatedString,
  lines,
  commas,
  envVar,
  attrs,
  path,
  pathInStore,
  externalPath,
  pathWith,
  json,
  toml,
  serializableValueWith,
  luaInline,
  optionType,
  optionDeclaration,
  package: packageType,
  shellPackage,
  pkgs: addCheck(
    mkOptionType({
      ...specOf(unique("A Nixpkgs pkgs set can not be merged with another pkgs set.", attrs)),
      name: "pkgs",
      descriptionClass: "noun",
      description: "Nixpkgs package set",
    }),
    (v) => isAttrs(v) && v._type === "pkgs",
  ),
  enum: enumType,
  listOf,
  nonEmptyListOf,
  attrsOf,
  lazyAttrsOf,
  attrsWith,
  nullOr,
  uniq,
  unique: (opts: { message: string }, type: OptionType) => unique(opts.message, type),
  functionTo,
  either,
  oneOf,
  coercedTo,
  addCheck,
  attrTag,
  submodule,
  submoduleWith,
  deferredModule: deferredModule(),
  deferredModuleWith,
  mkOptionType,
  isFloat,
};

registerCanonicalTypes(types);

export type Types = typeof types;
export type { Def, OptionType } from "./type.js";
