import { GroveError } from "../../errors.js";
import { isAttrs } from "../definitions.js";
import { ComputedAttrs, lazyAttrs } from "../lazy-attrs.js";
import {
  type Evaluation,
  evalModules,
  evaluationOf,
  moduleLocation,
  submoduleNameModule,
  unifiedAhead,
} from "../modules.js";
import { showOption } from "../show.js";
import { mkForce, mkOptionDefault } from "../wrappers.js";
import {
  type AnyModule,
  checkDefsForError,
  defaultFunctor,
  mkOptionType,
  type OptionType,
  phrase,
} from "./type.js";

export interface SubmoduleWithOptions {
  modules: readonly AnyModule[];
  specialArgs?: Record<string, unknown>;
  /** Whether a plain object definition is config only (`submodule`), or a whole module. */
  shorthandOnlyDefinesConfig?: boolean | null;
  description?: string | null;
  class?: string | null;
}

/** What documentation is made with: checks off (Nix's `noCheckForDocsModule`). */
const noCheckForDocsModule = {
  _file: "<built-in module that disables checks for the purpose of documentation generation>",
  config: { _module: { check: mkForce(false) } },
};

/** A module, a module function, or (as Nix's check allows) an absolute path to a module file. */
const isModuleLike = (v: unknown) =>
  isAttrs(v) || typeof v === "function" || (typeof v === "string" && v.startsWith("/"));

/**
 * The evaluation a submodule's value (its `config`) came from, or undefined for any other value.
 * The Nix output reads it to tell the sub-options a module defined from those left at their
 * defaults.
 *
 * @example
 * const users = machine.config.users.users;
 * submoduleEvaluation(users.alice)?.options.isNormalUser.highestPrio  // 1000 for an `mkDefault`
 */
export function submoduleEvaluation(value: unknown): Evaluation | undefined {
  return evaluationOf(value);
}

/**
 * A typed attribute set whose value is its own module evaluation (Nix's `submoduleWith`).
 *
 * @example
 * types.attrsOf(types.submodule({ options: { port: mkOption({ type: types.port }) } }))
 */
export function submoduleWith(attrs: SubmoduleWithOptions): OptionType {
  const modules = attrs.modules;
  // Read where they are used: declarations merged with conflicting ones fail only there, as in Nix.
  const specialArgs = () => attrs.specialArgs ?? {};
  const cls = () => attrs.class ?? null;
  // The type's modules, with the placeholder name every instance overrides; unified once, as
  // they lead every instance's module list.
  const typeModules = unifiedAhead([submoduleNameModule(mkOptionDefault("‹name›")), ...modules]);
  let baseEval: Evaluation | undefined;
  const base = (): Evaluation =>
    (baseEval ??= evalModules({
      class: cls(),
      specialArgs: specialArgs(),
      name: "‹name›",
      modules: typeModules,
    }));
  // Evaluating the type's modules: a module that fails them fails the description too, as in Nix.
  const freeform = (): OptionType | null => (base()._module.freeformType as OptionType | null) ?? null;
  const description = () => {
    if (attrs.description) return attrs.description;
    const f = freeform();
    return f ? `open submodule of ${phrase((c) => c === "noun" || c === "composite", f)}` : "submodule";
  };
  return mkOptionType({
    name: "submodule",
    description,
    v2: true,
    check: isModuleLike,
    checkAndMerge: (loc, defs) => ({
      headError: checkDefsForError(isModuleLike, defs),
      value: () => {
        const name = loc[loc.length - 1]!;
        const shorthand = attrs.shorthandOnlyDefinesConfig ?? false;
        const defModules = defs.map(({ value, file, line }) => {
          const m: Record<PropertyKey, unknown> =
            isAttrs(value) && shorthand ? { _file: file, config: value } : { _file: file, imports: [value] };
          if (line !== undefined) m[moduleLocation] = { file, line };
          return m;
        });
        // What `base().extendModules(…)` makes, without evaluating the base for every instance.
        return evalModules({
          class: cls(),
          specialArgs: specialArgs(),
          prefix: loc,
          name,
          modules: [...typeModules, submoduleNameModule(name), ...defModules],
        }).config;
      },
    }),
    emptyValue: () => ({ value: base().config }),
    getSubOptions: (prefix) => {
      const docs = base().extendModules({ prefix, modules: [noCheckForDocsModule] });
      const free = docs._module.freeformType as OptionType | null;
      if (!free) return docs.options;
      // The freeform type's own sub-options beside the declared ones, as Nix lists them for docs.
      const options = docs.options;
      const names = [...Object.keys(options), "_freeformOptions"];
      return lazyAttrs(
        new ComputedAttrs(names, (name) =>
          name === "_freeformOptions" ? free.getSubOptions(prefix) : options[name],
        ),
      );
    },
    getSubModules: modules,
    nestedTypes: () => {
      const f = freeform();
      return f ? { freeformType: f } : {};
    },
    substSubModules: (m) => submoduleWith(withModules(attrs, m)),
    functor: {
      ...defaultFunctor("submodule"),
      payload: {
        modules,
        get class() {
          return cls();
        },
        get specialArgs() {
          return specialArgs();
        },
        // An explicit null (options nested under a submodule option) defers to the other side.
        get shorthandOnlyDefinesConfig() {
          return attrs.shorthandOnlyDefinesConfig === undefined ? false : attrs.shorthandOnlyDefinesConfig;
        },
        get description() {
          return attrs.description ?? null;
        },
      },
      binOp: (l: SubmoduleWithOptions, r: SubmoduleWithOptions) => mergedAttrs(l, r),
      make: (p) => submoduleWith(p),
    },
  });
}

/** `attrs` with other modules, its other fields still read only when used. */
function withModules(attrs: SubmoduleWithOptions, modules: readonly AnyModule[]): SubmoduleWithOptions {
  // Only merged declarations read their fields late; anything else is copied.
  if (!(attrs as { [merged]?: true })[merged]) return { ...attrs, modules };
  return Object.defineProperty(Object.create(attrs), "modules", { value: modules, enumerable: true });
}

/** Marks the fields of merged declarations (see {@link mergedAttrs}): getters, some of which throw. */
const merged: unique symbol = Symbol("grove.mergedSubmoduleAttrs");

/**
 * Two `submoduleWith` declarations of one option merged. A field both give differently fails
 * when it is read (evaluating an instance, say), not when the declarations merge, as in Nix.
 */
function mergedAttrs(l: SubmoduleWithOptions, r: SubmoduleWithOptions): SubmoduleWithOptions {
  const pick = <T>(a: T | null | undefined, b: T | null | undefined, what: string): T | null => {
    if (a === null || a === undefined) return b ?? null;
    if (b === null || b === undefined || a === b) return a;
    throw new GroveError(
      what === "class" ? "ClassMismatch" : "DuplicateDeclaration",
      `A submoduleWith option is declared multiple times with conflicting ${what} values ${JSON.stringify(a)} and ${JSON.stringify(b)}.`,
    );
  };
  let specialArgs: Record<string, unknown> | undefined;
  return {
    [merged]: true,
    modules: [...l.modules, ...r.modules],
    get class() {
      return pick(l.class, r.class, "class");
    },
    get specialArgs() {
      if (specialArgs) return specialArgs;
      const left = l.specialArgs ?? {};
      const right = r.specialArgs ?? {};
      const shared = Object.keys(left).filter((k) => Object.hasOwn(right, k));
      if (shared.length > 0) {
        throw new GroveError(
          "DuplicateDeclaration",
          `A submoduleWith option is declared multiple times with the same specialArgs "${shared.join(" ")}"`,
        );
      }
      return (specialArgs = { ...left, ...right });
    },
    get shorthandOnlyDefinesConfig() {
      return pick(l.shorthandOnlyDefinesConfig, r.shorthandOnlyDefinesConfig, "shorthandOnlyDefinesConfig");
    },
    get description() {
      return pick(l.description, r.description, "description");
    },
  } as SubmoduleWithOptions;
}

/** `submoduleWith` for plain submodules: a plain object definition is config only. */
export function submodule(modules: AnyModule | readonly AnyModule[]): OptionType {
  return submoduleWith({
    modules: Array.isArray(modules) ? modules : [modules],
    shorthandOnlyDefinesConfig: true,
  });
}

/**
 * A module kept as a value, to be imported by another evaluation (Nix's `deferredModuleWith`):
 * its definitions merge into one module that imports each of them, keeping their files.
 */
export function deferredModuleWith(attrs: { staticModules?: readonly AnyModule[] } = {}): OptionType {
  const staticModules = attrs.staticModules ?? [];
  const sub = submoduleWith({ modules: staticModules });
  return mkOptionType({
    name: "deferredModule",
    description: "module",
    descriptionClass: "noun",
    check: isModuleLike,
    merge: (loc, defs) => ({
      imports: [
        ...staticModules,
        ...defs.map((d) => ({
          _file: `${d.file}, via option ${showOption(loc)}`,
          // Keeps the line of the definition for the module's own definitions.
          ...(d.line !== undefined ? { [moduleLocation]: { file: d.file, line: d.line } } : {}),
          imports: [d.value],
        })),
      ],
    }),
    getSubOptions: sub.getSubOptions,
    getSubModules: staticModules,
    substSubModules: (m) => deferredModuleWith({ ...attrs, staticModules: m }),
    functor: {
      ...defaultFunctor("deferredModuleWith"),
      payload: { staticModules },
      binOp: (l, r) => ({ staticModules: [...l.staticModules, ...r.staticModules] }),
      make: deferredModuleWith,
    },
  });
}

export const deferredModule = (): OptionType => deferredModuleWith();
