import { checkAssertions } from "./assertions.js";
import { deepForce, force, lazy } from "./lazy.js";
import { evalModules } from "./modules.js";
import { mkEnableOption, mkOption } from "./options.js";
import {
  mkAliasOptionModule,
  mkChangedOptionModule,
  mkRemovedOptionModule,
  mkRenamedOptionModule,
} from "./renames.js";
import { types } from "./types/index.js";
import {
  mkAfter,
  mkBefore,
  mkDefault,
  mkDefinition,
  mkForce,
  mkIf,
  mkImageMediaOverride,
  mkMerge,
  mkOptionDefault,
  mkOrder,
  mkOverride,
  mkVMOverride,
} from "./wrappers.js";

/**
 * Grove's `lib`: the module system's public surface, what a module receives as its `lib` argument.
 *
 * @example
 * ({ lib }) => ({ options: { port: lib.mkOption({ type: lib.types.port, default: 22 }) } })
 */
export const lib = {
  evalModules,
  mkOption,
  mkEnableOption,
  types,
  mkIf,
  mkMerge,
  mkOverride,
  mkForce,
  mkDefault,
  mkOptionDefault,
  mkImageMediaOverride,
  mkVMOverride,
  mkOrder,
  mkBefore,
  mkAfter,
  mkDefinition,
  mkRenamedOptionModule,
  mkAliasOptionModule,
  mkRemovedOptionModule,
  mkChangedOptionModule,
  checkAssertions,
  lazy,
  force,
  deepForce,
};

export type Lib = typeof lib;
export { type Assertion, checkAssertions, evaluationWarnings } from "./assertions.js";
export { type JsonOptions, jsonText } from "./json.js";
export { deepForce, force, Lazy, lazy, takesLazyArgument } from "./lazy.js";
export { type AttrsSource, attrsSourceOf, ComputedAttrs, lazyAttrs } from "./lazy-attrs.js";
export {
  type DefinitionTrace,
  type EvalModulesOptions,
  type Evaluation,
  evalModules,
  type ModuleLocation,
  moduleLocation,
  type NormalModule,
  OptionNode,
  resolveDeferred,
  type Unmatched,
} from "./modules.js";
export { isOption, mkEnableOption, mkOption, type OptionDecl, type OptionSpec } from "./options.js";
export {
  mkAliasOptionModule,
  mkChangedOptionModule,
  mkRemovedOptionModule,
  mkRenamedOptionModule,
} from "./renames.js";
export { FloatValue } from "./types/basic.js";
export type { Def, OptionType } from "./types/index.js";
export { types } from "./types/index.js";
export { isPackage } from "./types/package.js";
export { submoduleEvaluation } from "./types/submodule.js";
export * from "./wrappers.js";
