import { escapeNixString, GroveError } from "../errors.js";
import {
  type DeclSource,
  describeKind,
  type MergedDecl,
  mergeOptionDecls,
  type Skeleton,
  skeletonFor,
} from "./declarations.js";
import {
  asData,
  dischargeProperties,
  evalCondition,
  forcedValues,
  isAttrs,
  Merging,
  mergeDefinitions,
  prioOf,
  pushDownProperties,
} from "./definitions.js";
import { lib } from "./index.js";
import {
  acceptsLazyArgument,
  enterOption,
  force,
  isStackOverflow,
  Lazy,
  leaveOption,
  recursionError,
} from "./lazy.js";
import { type AttrsSource, attrsSourceOf, ComputedAttrs, lazyAttrs } from "./lazy-attrs.js";
import { mkOption } from "./options.js";
import { byCodePoint, didYouMean, nearest, showDefs, showOption, showValue } from "./show.js";
import { convertsToString, toNixString } from "./to-string.js";
import { bool, raw } from "./types/basic.js";
import { lazyAttrsOf, nullOr } from "./types/containers.js";
import { submoduleWith } from "./types/submodule.js";
import { type Def, isOptionType, mkOptionType, nixEqual, type OptionType } from "./types/type.js";
import { priorities, typeTag, wrapperField, wrapperPriority } from "./wrappers.js";

/** Where a module was written, attached by the helpers that create modules (`aspect`, `machine`…). */
export const moduleLocation: unique symbol = Symbol.for("grove.moduleLocation");

export interface ModuleLocation {
  file: string;
  line?: number | undefined;
}

/** A module in canonical form (Nix's `unifyModuleSyntax`). */
export interface NormalModule {
  readonly key: string;
  readonly file: string;
  readonly line: number | undefined;
  /** `_class` as given, read only by an evaluation that has a class (as in Nix). */
  readonly class: unknown;
  readonly disabledModules: readonly unknown[];
  readonly imports: readonly unknown[];
  readonly options: unknown;
  readonly config: unknown;
}

export interface EvalModulesOptions {
  modules: readonly unknown[];
  /** Arguments available while modules are collected (so `imports` may depend on them). */
  specialArgs?: Record<string, unknown>;
  /** Modules of another class are rejected. */
  class?: string | null;
  /** The option path this evaluation lives at (submodules). */
  prefix?: readonly string[];
  /** The `name` argument of a submodule, known before its modules are collected. */
  name?: string;
  /**
   * Grove's extension for class evaluations: definitions no option declares pass through,
   * merged with this type (an element type, per attribute) when read — not merged all at once
   * at the first read of `config` as a `freeformType` is, so a definition may be computed from
   * `config` without a cycle.
   */
  passthrough?: OptionType;
}

/** What `evalModules` returns. */
export interface Evaluation {
  readonly _type: "configuration";
  /** The merged configuration (undeclared definitions are checked first). */
  readonly config: Record<string, any>;
  readonly options: Record<string, any>;
  readonly _module: Record<string, any>;
  readonly class: string | null;
  readonly type: OptionType;
  /** A new evaluation with more modules, special arguments or another prefix. */
  extendModules(extra: {
    modules?: readonly unknown[];
    specialArgs?: Record<string, unknown>;
    prefix?: readonly string[];
    name?: string;
  }): Evaluation;
  /** The collected modules, in merge order (after keys and `disabledModules`). */
  readonly modules: readonly NormalModule[];
  /**
   * Every definition that no option declares, in the module system's merge order: what passes
   * through to Nix (with `passthrough`), or what `_module.check = false` ignores.
   */
  undeclaredDefinitions(): Unmatched[];
}

const unknownFile = "<unknown-file>";

/** The type of a type (Nix's `types.optionType`): several merge as declarations of one option do. */
export const optionType: OptionType = mkOptionType({
  name: "optionType",
  description: "optionType",
  descriptionClass: "noun",
  check: isOptionType,
  merge: (loc, defs) =>
    defs.length === 1
      ? defs[0]!.value
      : mergeOptionDecls(
          loc,
          defs.map((d) => ({ file: d.file, options: mkOption({ type: d.value as OptionType }) })),
        ).type,
});

/**
 * The module system's own options. `_module.args` is internal only below the top, as in Nix: the
 * top-level one is documented, once for the whole tree.
 */
const internalOptions = (atTop: boolean) => ({
  _module: {
    args: mkOption({
      type: lazyAttrsOf(raw),
      ...(atTop ? {} : { internal: true }),
      description: "Additional arguments passed to each module.",
    }),
    check: mkOption({
      type: bool,
      internal: true,
      default: true,
      description: "Whether to check whether all option definitions have matching declarations.",
    }),
    freeformType: mkOption({
      type: nullOr(optionType),
      internal: true,
      default: null,
      description: "The type of definitions that have no declared option; null rejects them.",
    }),
    specialArgs: mkOption({
      readOnly: true,
      internal: true,
      description: "Externally provided module arguments.",
    }),
  },
});
const topInternalOptions = internalOptions(true);
const nestedInternalOptions = internalOptions(false);

/** One definition as `grove why` shows it. */
export interface DefinitionTrace {
  readonly file: string;
  readonly line: number | undefined;
  readonly value: unknown;
  /** Undefined when a false condition dropped the definition. */
  readonly priority: number | undefined;
  readonly status: "applied" | "overridden" | "condition false";
}

/** One evaluation's state: the collected modules and the lazy trees over them. */
class Context {
  collecting = true;
  /** The module being loaded, for the message of an eager config read. */
  loading: string | undefined;
  root!: Namespace;
  /** What `config` reads once built: the root namespace, merged with freeform values if any. */
  #configSource: AttrsSource | undefined;
  #configState = 0; // 0 not built, 1 building, 2 built
  #checked = false;

  modules: readonly NormalModule[] = [];
  #config: Record<string, any> | undefined;
  #options: Record<string, any> | undefined;
  #args: Record<string, unknown> | undefined;

  constructor(
    readonly opts: EvalModulesOptions,
    readonly result: EvaluationResult,
  ) {}

  /** `config` as modules see it (made on first use: most submodule instances never need it). */
  get config(): Record<string, any> {
    return (this.#config ??= lazyAttrs(new GuardedConfig(this)));
  }

  /** `options` as modules see it. */
  get options(): Record<string, any> {
    return (this.#options ??= lazyAttrs(new GuardedOptions(this)));
  }

  /** The arguments module functions are called with (made when the first function is met). */
  get args(): Record<string, unknown> {
    if (this.#args) return this.#args;
    const opts = this.opts;
    const specialArgs = opts.specialArgs ?? {};
    const base: Record<string, unknown> = {
      lib,
      config: this.config,
      options: this.options,
      specialArgs,
      _class: opts.class ?? null,
      _prefix: opts.prefix ?? [],
      // The name as given: what `_module.args.name` is unless a module defines it (see `bindName`).
      ...(opts.name !== undefined ? { name: opts.name } : {}),
      ...specialArgs,
    };
    this.#argsBase = base;
    if (this.#nameFromArgs && !Object.hasOwn(specialArgs, "name")) this.nameFromArgs(base);
    return (this.#args = moduleArgs(this, base));
  }

  /**
   * After collection: when a module other than the submodule's own defines `_module.args.name`,
   * `name` is read from `_module.args` from then on, as Nix reads it. The common case keeps the
   * plain name (a getter here would hold the whole evaluation in every closure over its args).
   */
  bindName(): void {
    const name = this.opts.name;
    if (name === undefined || Object.hasOwn(this.opts.specialArgs ?? {}, "name")) return;
    if (!this.modules.some((m) => definesName(m.config))) return;
    this.#nameFromArgs = true;
    if (this.#argsBase) this.nameFromArgs(this.#argsBase);
  }

  #nameFromArgs = false;
  #argsBase: Record<string, unknown> | undefined;

  private nameFromArgs(base: Record<string, unknown>): void {
    Object.defineProperty(base, "name", { enumerable: true, get: () => readModuleArg(this, "name") });
  }

  /** Every module's config, pushed down: the definitions at the root. */
  rootConfigs(): ConfigSource[] {
    const out: ConfigSource[] = [];
    for (const m of this.modules) addPushedDown(out, m.file, m.line, m.config);
    return out;
  }

  get prefix(): readonly string[] {
    return this.opts.prefix ?? [];
  }

  eager(what: string, key: PropertyKey): GroveError {
    const path = typeof key === "string" ? key : String(key);
    return new GroveError(
      "EagerConfigRead",
      // Nix's words first (this is an infinite recursion there), then what happened.
      `infinite recursion encountered: \`${what}.${path}' was read while modules were being collected${this.loading ? ` (in ${this.loading})` : ""}. Imports and module structure cannot depend on ${what}.`,
      { path: [...this.prefix, path], file: this.loading },
    );
  }

  /** Builds the root of `config` on first use (Nix forces `_module.freeformType` on any read). */
  configSource(): AttrsSource {
    if (this.#configSource) return this.#configSource;
    if (this.#configState === 1) throw recursionError(this.prefix);
    this.#configState = 1;
    try {
      const freeformType = this.moduleSetting("freeformType") as OptionType | null;
      let source: AttrsSource = this.root;
      if (freeformType !== null && freeformType !== undefined) {
        const found: Unmatched[] = [];
        this.root.unmatched(found, [], false, true);
        const defs = found.map((d) => ({
          file: d.file,
          line: d.line,
          value: setAttrByPath(d.prefix, d.value),
        }));
        if (defs.length > 0) {
          source = new FreeformConfig(
            this.root,
            force(freeformType.merge(this.prefix, defs)) as Record<string, unknown>,
          );
        }
      } else if (this.opts.passthrough) {
        source = new FreeformView(this.root, [], new FreeValues(this, this.opts.passthrough));
      }
      this.#configSource = source;
      this.#configState = 2;
      return source;
    } catch (e) {
      this.#configState = 0;
      throw e;
    }
  }

  #settingsDefined: boolean | undefined;

  /**
   * `_module.check` or `_module.freeformType`. Most evaluations define neither (only
   * `_module.args`), and then the option's default is its value without building the option.
   */
  moduleSetting(name: "check" | "freeformType"): unknown {
    if (this.#settingsDefined === undefined) {
      this.#settingsDefined = false;
      for (const c of this.root.defs.get("_module") ?? []) {
        const v = force((c.config as Record<string, unknown>)._module);
        if (!isAttrs(v) || typeTag(v) !== undefined || "check" in v || "freeformType" in v) {
          this.#settingsDefined = true;
          break;
        }
      }
    }
    if (!this.#settingsDefined) {
      // Only a module that disabled the module system's own one can leave `_module` undeclared.
      if (!this.root.decls.has("_module")) {
        throw new GroveError("MissingAttribute", "attribute '_module' missing", {
          path: [...this.prefix, "_module"],
        });
      }
      return name === "check" ? true : null;
    }
    return ((this.root.child("_module") as Namespace).optionNode(name) as OptionNode).value;
  }

  /** Nix's `checkUnmatched`: a definition that no option matches is an error (unless freeform or unchecked). */
  check(): void {
    if (this.#checked || this.opts.passthrough) return;
    // Nix reads these settings from the whole `config`, free values merged in: with a freeform
    // type, that merge happens first (and forces what a strict freeform type forces).
    const freeform = this.moduleSetting("freeformType") !== null;
    if (freeform) this.configSource();
    if (this.moduleSetting("check") === true && !freeform) {
      const found: Unmatched[] = [];
      this.root.unmatched(found, [], true);
      if (found.length > 0) {
        // The error names the definition Nix would: the first in sorted order.
        const first: Unmatched[] = [];
        this.root.unmatched(first, [], true, true);
        throw this.undefinedOption(first[0]!);
      }
    }
    this.#checked = true;
  }

  undefinedOption(def: Unmatched): GroveError {
    const full = [...this.prefix, ...def.prefix];
    const parent = def.prefix.slice(0, -1);
    // Sorted, as Nix lists the names it suggests from: of equally near names, the first wins.
    const siblings = [...this.root.namesAt(parent)]
      .sort(byCodePoint)
      .filter((n) => parent.length > 0 || n !== "_module");
    const suggestions = nearest(def.prefix[def.prefix.length - 1]!, siblings).map((s) => [
      ...this.prefix,
      ...parent,
      s,
    ]);
    let message = `The option \`${showOption(full)}' does not exist. Definition values:${showDefs([{ file: def.file, line: def.line, value: def.value }])}${didYouMean(suggestions)}`;
    const onlyInternal = this.root.namesAt([]).every((n) => n === "_module");
    if (onlyInternal) {
      message +=
        this.prefix.length === 0
          ? "\n\nIt seems as if you're trying to declare an option by placing it into `config' rather than `options'!"
          : `\n\nHowever there are no options defined in \`${showOption(this.prefix)}'. Are you sure you've\ndeclared your options properly? This can happen if you e.g. declared your options in \`types.submodule'\nunder \`config' rather than \`options'.`;
    }
    return new GroveError("UndefinedOption", message, { path: full, file: def.file, line: def.line });
  }
}

/** Nix's message for an import that is not a module (its colours left out). */
function notAModule(type: string, file: string, prefix: readonly string[], cls: string | null): string {
  const into = [
    file !== unknownFile ? `, while trying to load a module into ${file}` : "",
    prefix.length > 0 ? `, while trying to load a module into ${showOption(prefix)}` : "",
  ].join("");
  const paragraphs = [
    `Expected a module, but found a value of type ${escapeNixString(type)}${into}.\nA module is typically loaded by adding it to the imports = [ ... ]; attribute of an existing module, or in the modules = [ ... ]; argument of various functions.\nPlease make sure that each of the list items is a module, and not a different kind of value.`,
  ];
  if (type === "configuration") {
    paragraphs.push(
      "If you really mean to import this configuration, instead please only import the modules that make up the configuration.\nYou may have to create a `let` binding, file or attribute to give yourself access to the relevant modules.\nWhile loading a configuration into the module system is a very sensible idea, it can not be done cleanly in practice.",
    );
  }
  if (type === "flake") {
    const suggestion = cls === null ? ".modules.someApp.default" : `.modules.${cls}.default`;
    const byClass: Record<string, string> = {
      nixos: ".nixosModules.default",
      darwin: ".darwinModules.default",
    };
    const more = cls !== null && byClass[cls] ? `\nor\n    inputs.someflake${byClass[cls]}` : "";
    paragraphs.push(
      `Perhaps you forgot to select an attribute name?\nInstead of, for example,\n    inputs.someflake\nyou need to write something like\n    inputs.someflake${suggestion}${more}`,
    );
  }
  return paragraphs.join("\n\n");
}

function isEmptyTree(t: unknown): boolean {
  const v = force(t);
  return isAttrs(v) && Object.keys(v).length === 0;
}

function setAttrByPath(path: readonly string[], value: unknown): unknown {
  let v = value;
  for (let i = path.length - 1; i >= 0; i--) v = { [path[i]!]: v };
  return v;
}

/** A definition no option declares: its path (relative to the evaluation) and where it is from. */
export interface Unmatched {
  file: string;
  line: number | undefined;
  prefix: string[];
  /** The definition as written, wrappers (`mkForce`, `mkIf`…) included; forcing it reads it. */
  value: unknown;
}

interface ConfigSource {
  file: string;
  line: number | undefined;
  config: unknown;
}

/** Appends the definitions in `config`, properties pushed down, as sources from `file:line`. */
function addPushedDown(out: ConfigSource[], file: string, line: number | undefined, config: unknown): void {
  const v = force(config);
  // Most configs are plain: nothing to push down, no list to make for them.
  if (typeTag(v) === undefined) out.push({ file, line, config: v });
  else for (const c of pushDownProperties(v)) out.push({ file, line, config: c });
}

/** A set of option names at one path (Nix's `mergeModules'`): declarations shared, definitions lazy. */
class Namespace implements AttrsSource {
  #configs: ConfigSource[] | undefined;
  #defs: Map<string, ConfigSource[]> | undefined;
  readonly #children = new Map<string, OptionNode | Namespace>();
  #config: Record<string, unknown> | undefined;
  #options: Record<string, unknown> | undefined;
  #loc: string[] | undefined;

  constructor(
    readonly ctx: Context,
    readonly parent: Namespace | undefined,
    readonly name: string,
    readonly skeleton: Skeleton,
  ) {}

  get loc(): string[] {
    return (this.#loc ??= this.parent ? [...this.parent.loc, this.name] : [...this.ctx.prefix]);
  }

  get rel(): string[] {
    return this.loc.slice(this.ctx.prefix.length);
  }

  get decls(): Map<string, DeclSource[]> {
    return this.skeleton.decls(this);
  }

  /** The definitions at this path: the root's come from the modules, others from the parent's. */
  get configs(): ConfigSource[] {
    if (this.#configs) return this.#configs;
    const configs = this.parent ? this.parent.pushedDown(this.name) : this.ctx.rootConfigs();
    for (const c of configs) {
      if (!isAttrs(c.config)) {
        // Nix joins this path plainly, without quoting its parts.
        const at = this.loc.join(".");
        throw new GroveError(
          "TypeMismatch",
          `In module \`${c.file}', you're trying to define a value of type \`${describeKind(c.config)}'\nrather than an attribute set for the option\n\`${at}'!\n\nThis usually happens if \`${at}' has option\ndefinitions inside that are not matched. Please check how to properly define\nthis option by e.g. referring to \`man 5 configuration.nix'!`,
          { path: this.loc, file: c.file, line: c.line },
        );
      }
    }
    this.#configs = configs;
    return configs;
  }

  /** Per attribute name, the configs that define it. */
  get defs(): Map<string, ConfigSource[]> {
    if (this.#defs) return this.#defs;
    const defs = new Map<string, ConfigSource[]>();
    for (const c of this.configs) {
      for (const k of Object.keys(c.config as object)) {
        const list = defs.get(k);
        if (list) list.push(c);
        else defs.set(k, [c]);
      }
    }
    this.#defs = defs;
    return defs;
  }

  /** The definitions of `name` with properties pushed down, for the namespace below. */
  pushedDown(name: string): ConfigSource[] {
    const out: ConfigSource[] = [];
    for (const c of this.defs.get(name) ?? []) {
      addPushedDown(out, c.file, c.line, (c.config as Record<string, unknown>)[name]);
    }
    return out;
  }

  child(name: string): OptionNode | Namespace | undefined {
    const existing = this.#children.get(name);
    if (existing) return existing;
    const entry = this.skeleton.entry(name, this);
    if (!entry) return undefined;
    const made =
      entry.kind === "option"
        ? new OptionNode(this.ctx, this, name, entry.merged)
        : new Namespace(this.ctx, this, name, entry.skeleton);
    this.#children.set(name, made);
    return made;
  }

  optionNode(name: string): OptionNode {
    return this.child(name) as OptionNode;
  }

  /** The definitions of option `name`, read (and so forced) now. */
  rawDefs(name: string): Def[] {
    const sources = this.defs.get(name);
    if (!sources) return [];
    const out: Def[] = new Array(sources.length);
    for (let i = 0; i < sources.length; i++) {
      const c = sources[i]!;
      let value: unknown;
      try {
        value = force((c.config as Record<string, unknown>)[name]);
      } catch (e) {
        // Raised when this definition's turn comes, as Nix reads definitions one by one: an
        // earlier one's condition may fail first.
        value = Lazy.of(() => {
          throw e;
        });
      }
      out[i] = { file: c.file, line: c.line, value };
    }
    return out;
  }

  namesAt(path: readonly string[]): readonly string[] {
    let ns: Namespace = this;
    for (const p of path) {
      const c = ns.child(p);
      if (!(c instanceof Namespace)) return [];
      ns = c;
    }
    return ns.names();
  }

  /**
   * Definitions here and below that no option declares (Nix's `unmatchedDefns`), appended to
   * `out`; stops at the first one when `firstOnly`. With `inOrder`, names are walked sorted, as
   * Nix lists them: the first found is the one Nix's error names.
   */
  unmatched(out: Unmatched[], prefix: string[], firstOnly: boolean, inOrder = false): void {
    if (this.configs.length === 0) return;
    const decls = this.decls;
    const defs = this.defs;
    // Every declared name is looked at (a declaration that cannot be one fails here, as in Nix),
    // and every undeclared name that has definitions.
    if (inOrder) {
      for (const name of [...new Set([...decls.keys(), ...defs.keys()])].sort(byCodePoint)) {
        if (this.unmatchedAt(name, out, prefix, firstOnly, true)) return;
      }
      return;
    }
    for (const name of decls.keys()) if (this.unmatchedAt(name, out, prefix, firstOnly, false)) return;
    for (const name of defs.keys()) {
      if (!decls.has(name) && this.unmatchedAt(name, out, prefix, firstOnly, false)) return;
    }
  }

  /** {@link unmatched} for one name; whether to stop (the first was wanted and is found). */
  private unmatchedAt(
    name: string,
    out: Unmatched[],
    prefix: string[],
    firstOnly: boolean,
    inOrder: boolean,
  ): boolean {
    if (this.decls.has(name)) {
      // Options need no node here: only namespaces hold definitions to look into.
      if (this.skeleton.entry(name, this)?.kind !== "namespace") return false;
      // One path array for the whole walk, copied only for what is found.
      prefix.push(name);
      (this.child(name) as Namespace).unmatched(out, prefix, firstOnly, inOrder);
      prefix.pop();
      return firstOnly && out.length > 0;
    }
    for (const c of this.defs.get(name)!) {
      out.push({
        file: c.file,
        line: c.line,
        prefix: [...prefix, name],
        // A wrapper pushed into it is shown as the set Nix has there.
        value: Lazy.of(() => asData(force((c.config as Record<string, unknown>)[name]))),
      });
      if (firstOnly) return true;
    }
    return false;
  }

  names(): readonly string[] {
    return this.skeleton.nameList(this);
  }

  sortedNames(): readonly string[] {
    return this.skeleton.sortedNames(this);
  }

  has(name: string): boolean {
    return this.decls.has(name);
  }

  /** The config value of a declared name: an option's value, or a nested namespace's config. */
  value(name: string): unknown {
    const c = this.child(name)!;
    return c instanceof OptionNode ? c.value : c.config();
  }

  config(): Record<string, unknown> {
    return (this.#config ??= lazyAttrs(this));
  }

  options(): Record<string, unknown> {
    return (this.#options ??= lazyAttrs(
      new ComputedAttrs(this.names(), (name) => {
        const c = this.child(name)!;
        return c instanceof OptionNode ? c : c.options();
      }),
    ));
  }
}

/** The root config beside freeform values (Nix's `recursiveUpdate freeformConfig declaredConfig`). */
class FreeformConfig implements AttrsSource {
  readonly #names: string[];
  readonly #values = new Map<string, unknown>();

  constructor(
    readonly ns: Namespace,
    readonly free: Record<string, unknown>,
  ) {
    const declared = ns.names();
    this.#names = [...declared, ...Object.keys(free).filter((k) => !ns.has(k))];
  }

  names(): readonly string[] {
    return this.#names;
  }

  has(name: string): boolean {
    return this.ns.has(name) || Object.hasOwn(this.free, name);
  }

  value(name: string): unknown {
    if (this.#values.has(name)) return this.#values.get(name);
    let v: unknown;
    if (!this.ns.has(name)) v = this.free[name];
    else {
      const c = this.ns.child(name)!;
      const sub = Object.hasOwn(this.free, name) ? force(this.free[name]) : undefined;
      v =
        c instanceof OptionNode
          ? updated(sub, c.value)
          : sub !== undefined && isAttrs(sub)
            ? lazyAttrs(new FreeformConfig(c, sub))
            : c.config();
    }
    this.#values.set(name, v);
    return v;
  }
}

/**
 * A declared option's value with free values beside it (Nix's `recursiveUpdate freeformConfig
 * declaredConfig`): where both are sets they merge name by name, the declared side winning;
 * otherwise the declared value stands.
 */
function updated(free: unknown, declared: unknown): unknown {
  if (free === undefined) return declared;
  const f = force(free);
  const d = force(declared);
  return isAttrs(f) && isAttrs(d) ? lazyAttrs(new UpdatedAttrs(f, d)) : d;
}

class UpdatedAttrs implements AttrsSource {
  readonly #names: string[];
  constructor(
    readonly free: Record<string, unknown>,
    readonly declared: Record<string, unknown>,
  ) {
    this.#names = [...Object.keys(declared), ...Object.keys(free).filter((k) => !Object.hasOwn(declared, k))];
  }
  names(): readonly string[] {
    return this.#names;
  }
  has(name: string): boolean {
    return Object.hasOwn(this.declared, name) || Object.hasOwn(this.free, name);
  }
  readonly #values = new Map<string, unknown>();
  value(name: string): unknown {
    if (this.#values.has(name)) return this.#values.get(name);
    const v = !Object.hasOwn(this.declared, name)
      ? this.free[name]
      : Object.hasOwn(this.free, name)
        ? updated(this.free[name], this.declared[name])
        : this.declared[name];
    this.#values.set(name, v);
    return v;
  }
}

/**
 * Pass-through values, merged one top-level name at a time: a definition under one name is read
 * only when that name (or something below it) is.
 */
class FreeValues {
  readonly #byKey = new Map<string, unknown>();

  constructor(
    readonly ctx: Context,
    readonly elemType: OptionType,
  ) {}

  /** The merged freeform value of top-level `key`, or undefined when nothing free is under it. */
  at(key: string): unknown {
    if (this.#byKey.has(key)) return this.#byKey.get(key);
    const root = this.ctx.root;
    const defs: Def[] = [];
    const child = root.child(key);
    if (child instanceof Namespace) {
      const found: Unmatched[] = [];
      child.unmatched(found, [], false);
      for (const d of found)
        defs.push({ file: d.file, line: d.line, value: setAttrByPath(d.prefix, d.value) });
    } else if (child === undefined) {
      for (const c of root.defs.get(key) ?? []) {
        defs.push({ file: c.file, line: c.line, value: Lazy.ref(c.config as object, key) });
      }
    }
    let value: unknown;
    if (defs.length > 0) {
      const merging = mergeDefinitions([...this.ctx.prefix, key], this.elemType, defs);
      if (merging.isDefined) value = merging.mergedValue;
    }
    this.#byKey.set(key, value);
    return value;
  }
}

/** A namespace's config with the freeform values beside its declared options. */
class FreeformView implements AttrsSource {
  #names: readonly string[] | undefined;
  readonly #values = new Map<string, unknown>();

  constructor(
    readonly ns: Namespace,
    readonly rel: readonly string[],
    readonly free: FreeValues,
  ) {}

  /** The merged free value at `name` below this namespace, or undefined when nothing is there. */
  private freeAt(name: string): unknown {
    const path = [...this.rel, name];
    let v = this.free.at(path[0]!);
    for (const p of path.slice(1)) {
      v = force(v);
      if (v === undefined || v === null || typeof v !== "object" || !(p in v)) return undefined;
      v = (v as Record<string, unknown>)[p];
    }
    return v;
  }

  /** Undeclared names with a value here (reading this level's definitions). */
  private freeNames(): string[] {
    return [...this.ns.defs.keys()].filter((k) => !this.ns.has(k) && this.freeAt(k) !== undefined);
  }

  names(): readonly string[] {
    return (this.#names ??= [...this.ns.names(), ...this.freeNames()]);
  }

  has(name: string): boolean {
    return this.ns.has(name) || (this.ns.defs.has(name) && this.freeAt(name) !== undefined);
  }

  value(name: string): unknown {
    if (this.#values.has(name)) return this.#values.get(name);
    let v: unknown;
    const c = this.ns.child(name);
    if (c instanceof OptionNode) v = updated(this.freeAt(name), c.value);
    else if (c instanceof Namespace) v = lazyAttrs(new FreeformView(c, [...this.rel, name], this.free));
    else v = this.freeAt(name);
    this.#values.set(name, v);
    return v;
  }
}

/**
 * One option: its declaration and definitions, and the value merged from them on first read.
 * This is also the object `options.a.b` gives (`value`, `isDefined`, `highestPrio`, `files`…).
 */
export class OptionNode {
  readonly _type = "option";
  #merging: Merging | undefined;
  #state = 0;

  /** A brand check: unlike `instanceof`, it runs no proxy trap (configuration values are proxies). */
  static is(v: unknown): v is OptionNode {
    return typeof v === "object" && v !== null && #state in v;
  }
  #value: unknown;

  #loc: readonly string[] | undefined;

  constructor(
    readonly ctx: Context,
    readonly parent: Namespace,
    readonly name: string,
    readonly merged: MergedDecl,
  ) {}

  /** The option's path (made when first needed: most options never need it). */
  get loc(): readonly string[] {
    return (this.#loc ??= [...this.parent.loc, this.name]);
  }

  get type(): OptionType {
    return this.merged.type;
  }
  get declarations(): readonly string[] {
    return this.merged.declarations;
  }
  get declarationPositions() {
    return this.merged.declarationPositions;
  }
  get description(): string | undefined {
    return this.merged.decl.description;
  }
  get default(): unknown {
    return this.merged.decl.default;
  }
  get defaultText(): string | undefined {
    return this.merged.decl.defaultText;
  }
  get example(): unknown {
    return this.merged.decl.example;
  }
  get readOnly(): boolean {
    return this.merged.decl.readOnly ?? false;
  }
  get internal(): boolean {
    return this.merged.decl.internal ?? false;
  }
  get visible(): boolean | "shallow" {
    return this.merged.decl.visible ?? true;
  }
  get hasDefault(): boolean {
    return this.merged.hasDefault;
  }

  /** The definitions with the option default first (as a `mkOptionDefault`). */
  private allDefs(): Def[] {
    const defs = this.parent.rawDefs(this.name);
    const d = this.merged.defaultDef;
    return d ? [d, ...defs] : defs;
  }

  get merging(): Merging {
    if (this.#merging === undefined) this.checkReadOnly();
    return (this.#merging ??= new Merging(
      this.loc,
      this.type,
      this.parent.rawDefs(this.name),
      this.merged.defaultDef,
    ));
  }

  get isDefined(): boolean {
    return this.guard(() => this.merging.isDefined);
  }
  /** Read from the definitions' wrappers alone, as Nix does: no value is forced for it. */
  get highestPrio(): number {
    return this.guard(() => {
      this.checkReadOnly();
      const defs = dischargeProperties(this.allDefs(), this.loc);
      // One definition gives its own priority, even above 9999 (Nix's singleton case).
      if (defs.length === 1) return prioOf(defs[0]!.value);
      let highest: number = priorities.none;
      for (const d of defs) highest = Math.min(highest, prioOf(d.value));
      return highest;
    });
  }
  /**
   * Every definition of the option, the default included, with its priority and what became of
   * it: applied, overridden by a higher priority, or dropped by a false `mkIf`.
   */
  explain(): DefinitionTrace[] {
    return this.guard(() => {
      const highest = this.merging.final.highestPrio;
      const out: DefinitionTrace[] = [];
      for (const d of this.allDefs()) {
        const parts = dischargeProperties([d], this.loc);
        if (parts.length === 0) {
          out.push({
            file: d.file,
            line: d.line,
            value: undefined,
            priority: undefined,
            status: "condition false",
          });
          continue;
        }
        for (const p of parts) {
          const overridden = typeTag(p.value) === "override";
          const priority = overridden ? wrapperPriority(p.value) : priorities.plain;
          out.push({
            file: p.file,
            line: p.line,
            value: overridden ? force(wrapperField(p.value, "content")) : p.value,
            priority,
            status: priority === highest ? "applied" : "overridden",
          });
        }
      }
      return out;
    });
  }

  get definitionsWithLocations(): readonly Def[] {
    return this.guard(() => forcedValues(this.merging.final.values));
  }
  get definitions(): unknown[] {
    return this.definitionsWithLocations.map((d) => d.value);
  }
  get files(): string[] {
    return this.definitionsWithLocations.map((d) => d.file);
  }

  get value(): unknown {
    if (this.#state === 2) return this.#value;
    if (this.#state === 1) throw recursionError(this.loc, this);
    this.#state = 1;
    enterOption(this);
    try {
      const v = this.compute();
      this.#value = v;
      this.#state = 2;
      return v;
    } catch (e) {
      this.#state = 0;
      throw this.wrapError(e);
    } finally {
      leaveOption();
    }
  }

  /** A read-only option set more than once (its default counts) has no value, nor definitions. */
  private checkReadOnly(): void {
    if (!this.merged.readOnly) return;
    const defs = this.allDefs();
    if (defs.length <= 1) return;
    const separate = defs.map((d) => {
      let value: unknown;
      try {
        value = mergeDefinitions(this.loc, this.type, [d]).mergedValue;
      } catch {
        value = d.value;
      }
      return { file: d.file, line: d.line, value };
    });
    throw new GroveError(
      "ReadOnly",
      `The option \`${showOption(this.loc)}' is read-only, but it's set multiple times. Definition values:${showDefs(separate)}`,
      {
        path: this.loc,
        file: separate[1]?.file,
      },
    );
  }

  private compute(): unknown {
    const { apply } = this.merged;
    this.checkReadOnly();
    // An `apply` that takes no argument never forces the merged value, as a Nix function ignoring
    // it; one that takes its argument lazily gets it unmerged until it reads it.
    if (apply) {
      if (apply.length === 0) return apply(undefined);
      return apply(acceptsLazyArgument(apply) ? Lazy.of(() => this.mergedValue()) : this.mergedValue());
    }
    return this.mergedValue();
  }

  /**
   * The merged value. Most options have one plain definition (or only their default) and a
   * scalar type: that value is checked and taken as it is, without building a full merge.
   */
  private mergedValue(): unknown {
    const type = this.merged.type;
    if (type.single !== null && this.#merging === undefined) {
      const sources = this.parent.defs.get(this.name);
      let value: unknown;
      let def: Def | undefined;
      if (sources === undefined) {
        if (this.merged.hasDefault) value = force(this.merged.decl.default);
        else return this.merging.mergedValue;
      } else if (sources.length === 1) {
        const c = sources[0]!;
        value = force((c.config as Record<string, unknown>)[this.name]);
        def = { file: c.file, line: c.line, value };
        if (typeTag(value) !== undefined) value = this.unwrapSingle(value, c.file);
      } else {
        return this.merging.mergedValue;
      }
      if (typeTag(value) === undefined && type.check(value)) return type.single(value);
      // Not the simple case after all: merge in full, without reading the definition again.
      if (def) this.#merging = new Merging(this.loc, type, [def], this.merged.defaultDef);
    }
    return this.merging.mergedValue;
  }

  /**
   * The one definition's value under its `mkIf`s and one `mkOverride` that beats the default, or
   * the plain default when a condition is false; anything else comes back wrapped, for a full merge.
   */
  private unwrapSingle(value: unknown, file: string): unknown {
    let v = value;
    while (typeTag(v) === "if") {
      if (!evalCondition(wrapperField(v, "condition"), this.loc, file)) {
        return this.merged.hasDefault ? force(this.merged.decl.default) : value;
      }
      v = force(wrapperField(v, "content"));
    }
    if (typeTag(v) === "override") {
      if (wrapperPriority(v) >= priorities.optionDefault) return value;
      v = force(wrapperField(v, "content"));
    }
    return typeTag(v) === undefined ? v : value;
  }

  private guard<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw this.wrapError(e);
    }
  }

  /** A user's exception inside a definition becomes a `GroveError` naming this option. */
  private wrapError(e: unknown): unknown {
    if (e instanceof GroveError) return e;
    if (isStackOverflow(e)) return recursionError(this.loc);
    const message = e instanceof Error ? e.message : String(e);
    return new GroveError(
      "DefinitionThrew",
      `${message}\n(while evaluating the option \`${showOption(this.loc)}')`,
      {
        path: this.loc,
        file: this.merged.declarations[0],
        cause: e,
      },
    );
  }
}

/** The module arguments a module function is called with. */
function moduleArgs(ctx: Context, base: Record<string, unknown>): Record<string, unknown> {
  return new Proxy(base, {
    get(target, key) {
      if (typeof key !== "string" || Object.hasOwn(target, key)) return Reflect.get(target, key);
      if (ignoredArgKeys.has(key)) return undefined;
      if (ctx.collecting) return deferredArg(ctx, key);
      return readModuleArg(ctx, key);
    },
    has(target, key) {
      if (typeof key !== "string" || Object.hasOwn(target, key)) return Reflect.has(target, key);
      if (ctx.collecting) return true;
      return Object.hasOwn(readModuleArgs(ctx), key);
    },
  });
}

/** Keys that tooling probes on any object; they are never module arguments. */
const ignoredArgKeys = new Set([
  "then",
  "toJSON",
  "constructor",
  "asymmetricMatch",
  "$$typeof",
  "nodeType",
  "@@__IMMUTABLE_ITERABLE__@@",
]);

function readModuleArgs(ctx: Context): Record<string, unknown> {
  return (ctx.root.child("_module") as Namespace).optionNode("args").value as Record<string, unknown>;
}

function readModuleArg(ctx: Context, key: string): unknown {
  const args = readModuleArgs(ctx);
  if (!Object.hasOwn(args, key)) {
    throw new GroveError(
      "MissingArgument",
      `attribute '${key}' missing: the module argument \`${key}' is neither a special argument nor in \`_module.args'.`,
      {
        path: [...ctx.prefix, "_module", "args", key],
      },
    );
  }
  return args[key];
}

const deferredTarget = Symbol("grove.deferredArg");

/** Marks the modules a submodule defines `_module.args.name` with (see `Context.bindName`). */
const nameModule: unique symbol = Symbol("grove.nameModule");

/**
 * Whether a module's config may define `_module.args.name` (read without forcing anything: what
 * is not plain data counts as defining it). A submodule's own name modules do not count.
 */
function definesName(config: unknown): boolean {
  if (typeof config !== "object" || config === null || (config as { [nameModule]?: true })[nameModule]) {
    return false;
  }
  if (typeTag(config) !== undefined || Lazy.is(config)) return true;
  if (!("_module" in config)) return false;
  const m = (config as Record<string, unknown>)._module;
  if (!isAttrs(m) || typeTag(m) !== undefined) return true;
  if (!("args" in m)) return false;
  const args = m.args;
  return !isAttrs(args) || typeTag(args) !== undefined || "name" in args;
}

/** A module defining `_module.args.name` as a submodule's instances (or its placeholder) do. */
export function submoduleNameModule(name: unknown): Record<string, unknown> {
  return { _module: { args: { name } }, [nameModule]: true };
}

/** Whether `v` is an argument taken before modules were collected, still to be resolved. */
export function resolveDeferred(v: unknown): unknown {
  if (typeof v === "function" && (v as unknown as Record<symbol, unknown>)[deferredTarget]) {
    return ((v as unknown as Record<symbol, () => unknown>)[deferredTarget] as () => unknown)();
  }
  return v;
}

/**
 * A `_module.args` argument taken while modules are collected: a stand-in that resolves to the
 * real value when it is used (by then `config` can be read), as Nix's lazy arguments do.
 */
function deferredArg(ctx: Context, key: string): unknown {
  const resolve = () => {
    if (ctx.collecting) throw ctx.eager("_module.args", key);
    return readModuleArg(ctx, key);
  };
  const real = () => Object(resolve()) as object;
  return new Proxy(function deferred() {}, {
    get(_t, k) {
      if (k === deferredTarget) return resolve;
      if (k === Symbol.toPrimitive) {
        return () => resolve();
      }
      return Reflect.get(real(), k);
    },
    has: (_t, k) => Reflect.has(real(), k),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_t, k) => {
      const d = Reflect.getOwnPropertyDescriptor(real(), k);
      return d ? { ...d, configurable: true } : undefined;
    },
    apply: (_t, self, args) => Reflect.apply(resolve() as (...a: unknown[]) => unknown, self, args),
  });
}

const fullModuleKeys = new Set([
  "_class",
  "_file",
  "key",
  "disabledModules",
  "imports",
  "options",
  "config",
  "meta",
  "freeformType",
]);

const shorthandReserved = ["_class", "_file", "key", "disabledModules", "require", "imports", "freeformType"];

/** Nix's `unifyModuleSyntax`: any module form to the canonical one. */
function unify(
  file: string,
  key: string,
  m: Record<string, unknown>,
  line: number | undefined,
): NormalModule {
  const loc = (m as { [moduleLocation]?: ModuleLocation })[moduleLocation];
  // These may be computed (a module function's result); Nix reads them with `toString`.
  const has = (k: string) => Object.hasOwn(m, k);
  const givenFile = has("_file") ? force(m._file) : undefined;
  const modFile = givenFile !== undefined ? toNixString(givenFile) : (loc?.file ?? file);
  const modLine = loc?.line ?? line;
  const modKey = has("key") ? toNixString(force(m.key)) : key;
  const disabledModules =
    (has("disabledModules") ? (force(m.disabledModules) as unknown[]) : undefined) ?? [];
  const full = has("config") || has("options");
  if (full) {
    let bad: string[] | undefined;
    for (const k of Object.keys(m)) if (!fullModuleKeys.has(k)) (bad ??= []).push(k);
    bad?.sort();
    if (bad !== undefined) {
      throw new GroveError(
        "BadModule",
        `Module \`${key}' has an unsupported attribute \`${bad[0]}'. This is caused by introducing a top-level \`config' or \`options' attribute. Add configuration attributes immediately on the top level instead, or move all of them (namely: ${bad.join(" ")}) into the explicit \`config' attribute.`,
        { file: modFile, line: modLine },
      );
    }
  }
  return {
    key: modKey,
    file: modFile,
    line: modLine,
    class: has("_class") ? Lazy.ref(m, "_class") : null,
    disabledModules,
    // A shorthand module's `require` is imports too, as in Nix.
    imports:
      !full && has("require")
        ? [...((force(m.require) as unknown[]) ?? []), ...((force(m.imports) as unknown[]) ?? [])]
        : ((m.imports as unknown[] | undefined) ?? []),
    options: full ? (m.options ?? {}) : {},
    // `config = null` is kept, to fail as Nix fails it (a definition that is not a set).
    config: withExtras(m, full ? (m.config === undefined ? {} : m.config) : shorthandConfig(m), full),
  };
}

/** A shorthand module is its own config, less the module attributes (copied only when present). */
function shorthandConfig(m: Record<string, unknown>): Record<string, unknown> {
  if (!shorthandReserved.some((k) => k in m)) return m;
  const config: Record<string, unknown> = {};
  for (const k of Object.keys(m)) {
    if (shorthandReserved.includes(k)) continue;
    Object.defineProperty(config, k, { ...Object.getOwnPropertyDescriptor(m, k)!, enumerable: true });
  }
  return config;
}

/** `meta` and `freeformType` given beside `config` become definitions, as in Nix. */
function withExtras(m: Record<string, unknown>, config: unknown, full: boolean): unknown {
  const meta = full && "meta" in m;
  const freeform = "freeformType" in m;
  if (!meta && !freeform) return config;
  const contents = [config];
  if (meta) contents.push({ meta: m.meta });
  if (freeform) contents.push({ _module: { freeformType: m.freeformType } });
  return { _type: "merge", contents };
}

/**
 * A plain module unified ahead of time for one place: the top-level position `index` of an
 * evaluation's module list. Collected there as it is; anywhere else it is unified again from
 * `raw` (an anonymous module's key depends on where it is imported).
 */
class Unified {
  /** Unified when first loaded: a malformed module fails the evaluation that loads it, no other. */
  #module: NormalModule | undefined;
  constructor(
    readonly raw: Record<string, unknown>,
    readonly fallbackKey: string,
  ) {}
  static is(v: unknown): v is Unified {
    return typeof v === "object" && v !== null && #module in v;
  }
  /** The unified module if it is being loaded where it was unified for. */
  at(fallbackKey: string, file: string, line: number | undefined): NormalModule | undefined {
    const same = fallbackKey === this.fallbackKey && file === unknownFile && line === undefined;
    return same ? (this.#module ??= unify(unknownFile, fallbackKey, this.raw, undefined)) : undefined;
  }
}

/**
 * The leading modules of evaluations made again and again (every instance of a submodule type):
 * plain ones unified once, functions and wrapped modules left to be loaded each time.
 */
export function unifiedAhead(modules: readonly unknown[]): unknown[] {
  return modules.map((m, i) =>
    isAttrs(m) && typeTag(m) === undefined && !Unified.is(m)
      ? new Unified(m as Record<string, unknown>, `:anon-${i + 1}`)
      : m,
  );
}

interface Structured {
  key: string;
  module: NormalModule;
  children: Structured[];
}

/** Nix's `collectModules`: load every module (calling functions), then keep each key once, breadth first. */
function collectModules(ctx: Context, initial: readonly unknown[], internal: NormalModule): NormalModule[] {
  const cls = ctx.opts.class ?? null;
  const disabled: { file: string; items: readonly unknown[] }[] = [];

  const load = (
    parentFile: string,
    parentLine: number | undefined,
    parentKey: string,
    n: number,
    raw: unknown,
  ): NormalModule => {
    const fallbackKey = `${parentKey}:anon-${n}`;
    let m = force(raw);
    if (Unified.is(m)) {
      const ready = m.at(fallbackKey, parentFile, parentLine);
      if (ready) return ready;
      m = m.raw;
    }
    if (typeof m === "function") {
      const loc = (m as { [moduleLocation]?: ModuleLocation })[moduleLocation];
      const prev = ctx.loading;
      ctx.loading = loc?.file ?? parentFile;
      try {
        m = force((m as (a: unknown) => unknown)(ctx.args));
      } finally {
        ctx.loading = prev;
      }
      // What a function returns is a module as it is, as in Nix: an `mkMerge` is its config.
      if (isAttrs(m)) {
        return unify(
          loc?.file ?? parentFile,
          fallbackKey,
          m as Record<string, unknown>,
          loc?.line ?? parentLine,
        );
      }
      throw new GroveError(
        "BadModule",
        `module ${parentFile} (${fallbackKey}) does not look like a module.`,
        {
          file: parentFile,
        },
      );
    }
    if (Array.isArray(m)) {
      throw new GroveError(
        "BadModule",
        `Module imports can't be nested lists. Perhaps you meant to remove one level of lists? Definitions:${showDefs([{ file: parentFile, value: m }])}`,
        {
          file: parentFile,
        },
      );
    }
    if (!isAttrs(m)) {
      throw new GroveError(
        "BadModule",
        `module ${parentFile} (${fallbackKey}) does not look like a module: ${showValue(m)}`,
        { file: parentFile },
      );
    }
    const tag = typeTag(m);
    if (tag === "if" || tag === "override") return unify(parentFile, fallbackKey, { config: m }, parentLine);
    if (tag !== undefined && tag !== "module") {
      throw new GroveError("BadModule", notAModule(tag, parentFile, ctx.prefix, cls), { file: parentFile });
    }
    return unify(parentFile, fallbackKey, m as Record<string, unknown>, parentLine);
  };

  // The modules on the path from the top to the one being loaded: a module that imports itself
  // (through others) is, by key, already there; without a key it would never end.
  const path: { raw: unknown; key: string; file: string }[] = [];
  const structure = (
    parentFile: string,
    parentLine: number | undefined,
    parentKey: string,
    modules: readonly unknown[],
  ): Structured[] =>
    modules.map((raw, i) => {
      const module = load(parentFile, parentLine, parentKey, i + 1, raw);
      // The module itself (an expression giving a module gives the same one each time).
      const self = force(raw);
      let cycleAt = -1;
      let keyOnPath = 0;
      for (let p = 0; p < path.length; p++) {
        if (cycleAt < 0 && path[p]!.raw === self) cycleAt = p;
        if (path[p]!.key === module.key) keyOnPath++;
      }
      const keyed = !module.key.includes(":anon-");
      if (cycleAt >= 0 && !(keyOnPath > 0 && keyed)) {
        const files = [...path.slice(cycleAt).map((p) => p.file), module.file];
        throw new GroveError("ImportCycle", `Modules import each other: ${files.join(" → ")}.`, {
          file: module.file,
        });
      }
      if (cls !== null) checkClass(module, cls);
      if (module.disabledModules.length > 0)
        disabled.push({ file: module.file, items: module.disabledModules });
      if (keyed && (cycleAt >= 0 || keyOnPath > 1)) {
        // Importing itself (by key): its class and disabled modules counted, its imports are
        // already being walked. Nix would recurse without end; the first one applies.
        return { key: module.key, module, children: [] };
      }
      const imports = force(module.imports);
      if (!Array.isArray(imports)) {
        throw new GroveError("BadModule", `The \`imports' of module \`${module.file}' must be a list.`, {
          file: module.file,
        });
      }
      if (imports.length === 0) return { key: module.key, module, children: [] };
      path.push({ raw: self, key: module.key, file: module.file });
      try {
        return {
          key: module.key,
          module,
          children: structure(module.file, module.line, module.key, imports),
        };
      } finally {
        path.pop();
      }
    });

  const top = structure(unknownFile, undefined, "", initial);
  // The module system's own options and arguments, always last (as Nix appends them).
  top.push({ key: internal.key, module: internal, children: [] });
  const disabledKeys = new Set<string>();
  for (const { file, items } of disabled) {
    for (const item of items) {
      const key = disabledKey(file, force(item));
      if (key !== undefined) disabledKeys.add(key);
    }
  }
  const result: NormalModule[] = [];
  const seen = new Set<string>();
  // Most evaluations disable nothing: the queue is then the modules as they are.
  const queue: Structured[] = disabledKeys.size === 0 ? top : top.filter((s) => !disabledKeys.has(s.key));
  for (let i = 0; i < queue.length; i++) {
    const s = queue[i]!;
    if (seen.has(s.key)) continue;
    seen.add(s.key);
    result.push(s.module);
    for (const c of s.children) if (disabledKeys.size === 0 || !disabledKeys.has(c.key)) queue.push(c);
  }
  return result;
}

/** An evaluation of class `cls` takes modules of no class or of that class (Nix's `==`). */
function checkClass(module: NormalModule, cls: string): void {
  const given = force(module.class);
  if (given === null || given === cls) return;
  // Nix shows the class as `escapeNixString` does, which writes any value as JSON.
  const shown = escapeNixString(given);
  throw new GroveError(
    "ClassMismatch",
    `The module \`${module.file}\` (class: ${shown}) cannot be imported into a module evaluation that expects class ${escapeNixString(cls)}.\n\nHelp:\n- Ensure that you are importing the correct module.\n- Verify that the module's \`_class\`, ${shown} matches the expected \`class\` ${escapeNixString(cls)}.\n- If you are using a custom class, make sure it is correctly defined and used consistently across your modules.`,
    {
      file: module.file,
      line: module.line,
      hint: `Import this module only where a \`${typeof given === "string" ? given : shown}' evaluation is made, or change its \`_class'.`,
    },
  );
}

/**
 * The key a `disabledModules` item names, or undefined when it can name none. As in Nix, except
 * that a string is a module's key as it is (where Nix reads a path under `modulesPath`).
 */
function disabledKey(file: string, item: unknown): string | undefined {
  if (typeof item === "string") return item;
  if (convertsToString(item)) {
    const text = toNixString(item);
    if (isAttrs(item) && "key" in item && !nixEqual(item.key, text)) {
      throw new GroveError(
        "BadModule",
        `Module \`${file}\` contains a disabledModules item that is an attribute set that can be converted to a string (${text}) but also has a \`.key\` attribute (${toNixString(item.key)}) with a different value. This makes it ambiguous which module should be disabled.`,
        { file },
      );
    }
    return text;
  }
  if (isAttrs(item) && "key" in item) {
    // Compared with module keys, which are strings: a key of another kind disables nothing.
    const key = force(item.key);
    return typeof key === "string" ? key : undefined;
  }
  if (isAttrs(item)) {
    throw new GroveError(
      "BadModule",
      `Module \`${file}\` contains a disabledModules item that is an attribute set, presumably a module, that does not have a \`key\` attribute. This means that the module system doesn't have any means to identify the module that should be disabled. Make sure that you've put the correct value in disabledModules: a string path relative to modulesPath, a path value, or an attribute set with a \`key\` attribute.`,
      { file },
    );
  }
  throw new GroveError(
    "BadModule",
    `Each disabledModules item must be a path, string, or a attribute set with a key attribute, or a value supported by toString. However, one of the disabledModules items in \`${file}\` is none of that, but is of type ${describeKind(item)}.`,
    { file },
  );
}

/**
 * Evaluates a set of modules: Nix's `lib.evalModules`. Function modules are called once while
 * modules are collected; `config` is then built lazily, option by option, as it is read.
 *
 * @example
 * const { config } = evalModules({ modules: [{ options: { a: mkOption({ type: types.int, default: 1 }) } }] });
 * config.a; // 1
 */
export function evalModules(opts: EvalModulesOptions): Evaluation {
  const result = new EvaluationResult(opts);
  const ctx = result.ctx;
  const internalModule: NormalModule = {
    key: "lib/modules.nix",
    file: "lib/modules.nix",
    line: undefined,
    class: null,
    disabledModules: [],
    imports: [],
    options: (opts.prefix ?? []).length === 0 ? topInternalOptions : nestedInternalOptions,
    config: {
      _module: {
        args: { extendModules: result.extendModules, moduleType: Lazy.of(() => result.type) },
        specialArgs: opts.specialArgs ?? {},
      },
    },
  };
  const modules = collectModules(ctx, opts.modules, internalModule).reverse();
  ctx.collecting = false;
  ctx.modules = modules;
  ctx.bindName();
  ctx.root = new Namespace(
    ctx,
    undefined,
    "",
    skeletonFor(
      modules
        .filter((m) => !isEmptyTree(m.options))
        .map((m) => ({ file: m.file, line: m.line, options: m.options })),
    ),
  );
  return result;
}

/** `config` as modules see it: unreadable while modules are collected, then the root config. */
class GuardedConfig implements AttrsSource {
  constructor(readonly ctx: Context) {}
  names(): readonly string[] {
    if (this.ctx.collecting) throw this.ctx.eager("config", "*");
    return this.ctx.configSource().names();
  }
  has(name: string): boolean {
    if (this.ctx.collecting) throw this.ctx.eager("config", name);
    return this.ctx.configSource().has(name);
  }
  value(name: string): unknown {
    return this.ctx.configSource().value(name);
  }
}

/** `options` as modules see it: unreadable while modules are collected. */
class GuardedOptions implements AttrsSource {
  constructor(readonly ctx: Context) {}
  names(): readonly string[] {
    if (this.ctx.collecting) throw this.ctx.eager("options", "*");
    return this.ctx.root.names();
  }
  has(name: string): boolean {
    if (this.ctx.collecting) throw this.ctx.eager("options", name);
    return this.ctx.root.has(name);
  }
  value(name: string): unknown {
    return (this.ctx.root.options() as Record<string, unknown>)[name];
  }
}

/** The evaluation's `config`: checked for undeclared definitions first, without `_module`. */
class ResultConfig implements AttrsSource {
  #names: readonly string[] | undefined;
  constructor(readonly ctx: Context) {}
  names(): readonly string[] {
    if (this.#names) return this.#names;
    const source = this.ctx.configSource();
    // Without freeform values the names are the skeleton's, shared by every evaluation of it.
    this.#names =
      source === this.ctx.root
        ? this.ctx.root.skeleton.publicNames(this.ctx.root)
        : source.names().filter((n) => n !== "_module");
    return this.#names;
  }

  sortedNames(): readonly string[] | undefined {
    const root = this.ctx.root;
    return this.ctx.configSource() === root ? root.skeleton.sortedPublicNames(root) : undefined;
  }
  has(name: string): boolean {
    return name !== "_module" && this.ctx.configSource().has(name);
  }
  value(name: string): unknown {
    return this.ctx.configSource().value(name);
  }
}

/** The evaluation whose `config` this value is, or undefined for any other value. */
export function evaluationOf(value: unknown): Evaluation | undefined {
  const source = attrsSourceOf(value);
  return source instanceof ResultConfig ? source.ctx.result : undefined;
}

class EvaluationResult implements Evaluation {
  readonly _type = "configuration";
  readonly ctx: Context;
  #config: Record<string, any> | undefined;

  constructor(opts: EvalModulesOptions) {
    this.ctx = new Context(opts, this);
  }

  get config(): Record<string, any> {
    if (this.#config) return this.#config;
    this.ctx.check();
    this.#config = lazyAttrs(new ResultConfig(this.ctx));
    return this.#config;
  }
  get options(): Record<string, any> {
    this.ctx.check();
    return this.ctx.options;
  }
  get _module(): Record<string, any> {
    this.ctx.check();
    return this.ctx.config._module;
  }
  get class(): string | null {
    return this.ctx.opts.class ?? null;
  }
  get modules(): readonly NormalModule[] {
    return this.ctx.modules;
  }
  undeclaredDefinitions(): Unmatched[] {
    const found: Unmatched[] = [];
    this.ctx.root.unmatched(found, [], false);
    return found;
  }
  get type(): OptionType {
    const o = this.ctx.opts;
    return submoduleWith({ modules: o.modules, specialArgs: o.specialArgs ?? {}, class: o.class ?? null });
  }
  readonly extendModules: Evaluation["extendModules"] = (extra) => {
    const o = this.ctx.opts;
    const name = extra.name ?? o.name;
    return evalModules({
      ...o,
      modules: [...o.modules, ...(extra.modules ?? [])],
      specialArgs: { ...(o.specialArgs ?? {}), ...(extra.specialArgs ?? {}) },
      prefix: extra.prefix ?? o.prefix ?? [],
      ...(name !== undefined ? { name } : {}),
    });
  };
}
