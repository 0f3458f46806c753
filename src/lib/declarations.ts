/**
 * Option declarations: the shape of a configuration, which depends only on the modules'
 * `options` trees. Evaluations that declare the same trees (every instance of one submodule
 * type, every machine importing one aspect) share one skeleton, so declarations are merged
 * once, not once per evaluation.
 */
import { escapeNixIdentifier, GroveError } from "../errors.js";
import { isAttrs } from "./definitions.js";
import { force } from "./lazy.js";
import { isOption, mkOption, type OptionDecl } from "./options.js";
import { showFiles, showOption } from "./show.js";
import { unspecified } from "./types/basic.js";
import { submoduleWith } from "./types/submodule.js";
import { type Def, FloatValue, type OptionType } from "./types/type.js";
import { mkOptionDefault, typeTag } from "./wrappers.js";

export interface DeclSource {
  readonly file: string;
  readonly line?: number | undefined;
  readonly options: unknown;
}

/** An option's declarations merged into one (Nix's `mergeOptionDecls` and `fixupOptionType`). */
export interface MergedDecl {
  readonly decl: OptionDecl;
  readonly type: OptionType;
  readonly declarations: readonly string[];
  readonly declarationPositions: readonly { file: string; line: number | undefined }[];
  readonly hasDefault: boolean;
  /** The default as a definition (a `mkOptionDefault` from the first declaring file), if any. */
  readonly defaultDef: Def | undefined;
  /** `decl.readOnly` and `decl.apply`, read on every option's first read: kept in fixed places. */
  readonly readOnly: boolean;
  readonly apply: ((value: unknown) => unknown) | undefined;
}

export function describeKind(v: unknown): string {
  if (v === null) return "null";
  if (FloatValue.is(v)) return "float";
  if (Array.isArray(v)) return "list";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "string") return "string";
  if (typeof v === "function") return "lambda";
  return "set";
}

export function mergeOptionDecls(loc: readonly string[], decls: readonly DeclSource[]): MergedDecl {
  let res: Record<string, unknown> = {};
  let type: OptionType | undefined;
  const declarations: string[] = [];
  const positions: { file: string; line: number | undefined }[] = [];
  let submodules: unknown[] = [];
  for (const src of decls) {
    const o = force(src.options) as OptionDecl;
    const already = () =>
      new GroveError(
        "DuplicateDeclaration",
        `The option \`${showOption(loc)}' in \`${src.file}' is already declared in ${showFiles(declarations)}.`,
        { path: loc, file: src.file },
      );
    if (o.type && type) {
      const merged = type.typeMerge(o.type);
      if (merged === null) throw already();
      type = merged;
    } else {
      type ??= o.type;
    }
    for (const k of ["default", "example", "description", "apply"] as const) {
      if (Object.hasOwn(o, k) && Object.hasOwn(res, k)) throw already();
    }
    if (o.type?.getSubModules) {
      submodules = [...o.type.getSubModules.map((m) => ({ _file: src.file, imports: [m] })), ...submodules];
    }
    res = { ...o, ...res };
    declarations.push(src.file);
    positions.push({ file: src.file, line: src.line });
  }
  const declared = type ?? unspecified;
  const finalType = declared.getSubModules !== null ? declared.substSubModules(submodules) : declared;
  const hasDefault = Object.hasOwn(res, "default");
  return {
    decl: { ...(res as unknown as OptionDecl), type: finalType },
    type: finalType,
    declarations,
    declarationPositions: positions,
    hasDefault,
    defaultDef: hasDefault ? { file: declarations[0]!, value: mkOptionDefault(res.default) } : undefined,
    readOnly: res.readOnly === true,
    apply: res.apply as ((value: unknown) => unknown) | undefined,
  };
}

export type Entry =
  | { readonly kind: "option"; readonly merged: MergedDecl }
  | { readonly kind: "namespace"; readonly skeleton: Skeleton };

/** Where a skeleton is used, for messages: read only when something goes wrong or is first made. */
export interface Located {
  readonly loc: readonly string[];
}

/** The declared names at one path, and what each is: an option or a namespace of more names. */
export class Skeleton {
  #decls: Map<string, DeclSource[]> | undefined;
  readonly #entries = new Map<string, Entry>();

  constructor(readonly sources: readonly DeclSource[]) {}

  decls(at: Located): Map<string, DeclSource[]> {
    if (this.#decls) return this.#decls;
    const decls = new Map<string, DeclSource[]>();
    for (const src of this.sources) {
      const tree = force(src.options);
      if (!isAttrs(tree)) {
        const loc = at.loc;
        throw new GroveError(
          "DuplicateDeclaration",
          `An option declaration for \`${showOption(loc)}' has type \`${describeKind(tree)}' rather than an attribute set.\nDid you mean to define this outside of \`options'?`,
          { path: loc, file: src.file, hint: "Declare options with `mkOption`, nested in plain objects." },
        );
      }
      for (const k of Object.keys(tree)) {
        const entry = { file: src.file, line: src.line, options: tree[k] };
        const list = decls.get(k);
        if (list) list.push(entry);
        else decls.set(k, [entry]);
      }
    }
    this.#decls = decls;
    return decls;
  }

  #names: string[] | undefined;
  #publicNames: string[] | undefined;

  /** The declared names, in declaration order. */
  nameList(at: Located): readonly string[] {
    // Frozen: shared by every evaluation with this skeleton.
    return (this.#names ??= Object.freeze([...this.decls(at).keys()]) as string[]);
  }

  /** The declared names an evaluation's `config` lists: all but the internal `_module`. */
  publicNames(at: Located): readonly string[] {
    return (this.#publicNames ??= Object.freeze(
      this.nameList(at).filter((n) => n !== "_module"),
    ) as string[]);
  }

  #sorted: readonly string[] | undefined;
  #publicSorted: readonly string[] | undefined;

  /** {@link nameList} sorted by code unit, for canonical JSON. */
  sortedNames(at: Located): readonly string[] {
    return (this.#sorted ??= Object.freeze([...this.nameList(at)].sort()));
  }

  /** {@link publicNames} sorted by code unit. */
  sortedPublicNames(at: Located): readonly string[] {
    return (this.#publicSorted ??= Object.freeze([...this.publicNames(at)].sort()));
  }

  /** What `name` is here (`at` is where this skeleton is, for messages); undefined when not declared. */
  entry(name: string, at: Located): Entry | undefined {
    const cached = this.#entries.get(name);
    if (cached) return cached;
    const decls = this.decls(at).get(name);
    if (!decls) return undefined;
    const made = makeEntry([...at.loc, name], decls);
    this.#entries.set(name, made);
    return made;
  }
}

/**
 * An option's entry. Declarations that do not merge fail when the option is used, as in Nix (an
 * evaluation that never reads the option is not stopped by them). Merged at once otherwise: an
 * entry that keeps a closure to merge later costs every machine more than the merge.
 */
function optionEntry(merge: () => MergedDecl): Entry {
  try {
    return { kind: "option", merged: merge() };
  } catch (e) {
    return {
      kind: "option",
      get merged(): MergedDecl {
        throw e;
      },
    };
  }
}

function makeEntry(loc: readonly string[], decls: readonly DeclSource[]): Entry {
  let optionCount = 0;
  for (const d of decls) {
    const tag = typeTag(force(d.options));
    if (tag === "option") optionCount++;
    else if (tag !== undefined) {
      throw new GroveError(
        "DuplicateDeclaration",
        `In module ${d.file}: expected an option declaration at option path \`${showOption(loc)}\` but got an attribute set with type ${tag}${tag === "option-type" ? wrapInMkOption(loc) : ""}`,
        {
          path: loc,
          file: d.file,
          hint: tag === "option-type" ? "Wrap the type in `mkOption({ type })`." : undefined,
        },
      );
    }
  }
  // A bad declaration fails only an evaluation that reads the option, as in Nix (see optionEntry).
  if (optionCount === decls.length) return optionEntry(() => mergeSingleOrMany(loc, decls));
  if (optionCount === 0) return { kind: "namespace", skeleton: skeletonFor(decls) };
  const optionDecls = decls.filter((d) => isOption(force(d.options)));
  if (optionDecls.every((d) => (force(d.options) as OptionDecl).type?.name === "submodule")) {
    const asOptions = decls.map((d) =>
      isOption(force(d.options))
        ? d
        : {
            file: d.file,
            line: d.line,
            options: mkOption({
              type: submoduleWith({ modules: [{ options: d.options }], shorthandOnlyDefinesConfig: null }),
            }),
          },
    );
    return optionEntry(() => mergeOptionDecls(loc, asOptions));
  }
  const first = optionDecls[0]!;
  const prefixes = decls
    .filter((d) => !isOption(force(d.options)))
    .flatMap((d) =>
      Object.keys(force(d.options) as object).map(
        (k) => ` - option(s) with prefix \`${showOption([...loc, k])}' in module \`${d.file}'`,
      ),
    )
    .sort()
    .join("\n");
  throw new GroveError(
    "OptionUnderLeaf",
    `The option \`${showOption(loc)}' in module \`${first.file}' would be a parent of the following options, but its type \`${(force(first.options) as OptionDecl).type?.description ?? "<no description>"}' does not support nested options.\n${prefixes}`,
    { path: loc, file: first.file },
  );
}

/** Nix's paragraph for a type declared where an option should be: how to wrap it. */
function wrapInMkOption(loc: readonly string[]): string {
  const name = escapeNixIdentifier(loc[loc.length - 1]!);
  const comment = loc.length > 1 ? `\n    # ${showOption(loc)}` : "";
  return `\n\nWhen declaring an option, you must wrap the type in a \`mkOption\` call. It should look somewhat like:\n    ${comment}\n    ${name} = lib.mkOption {\n      description = ...;\n      type = <the type you wrote for ${name}>;\n      ...\n    };\n`;
}

/** One declaration merged once per (declaration, file): the same aspect in every machine. */
const singleDecls = new WeakMap<object, Map<string, MergedDecl>>();

function mergeSingleOrMany(loc: readonly string[], decls: readonly DeclSource[]): MergedDecl {
  if (decls.length !== 1) return mergeOptionDecls(loc, decls);
  const d = decls[0]!;
  const opt = force(d.options) as object;
  let byFile = singleDecls.get(opt);
  if (!byFile) singleDecls.set(opt, (byFile = new Map()));
  const key = `${d.file}\0${d.line ?? ""}`;
  let merged = byFile.get(key);
  if (!merged) byFile.set(key, (merged = mergeOptionDecls(loc, decls)));
  return merged;
}

/** Skeletons by the identity of their sources, in a trie: tree object, then file and line. */
interface TrieNode {
  skeleton?: Skeleton;
  next?: WeakMap<object, Map<string, TrieNode>>;
}
const trie: TrieNode = {};

/** Larger sets of sources (a machine's root) rarely repeat; sharing them would only hold memory. */
const maxSharedSources = 4;

/** The shared skeleton for these declaration sources (same trees, same files, same order). */
export function skeletonFor(sources: readonly DeclSource[]): Skeleton {
  if (sources.length > maxSharedSources) return new Skeleton(sources);
  let node = trie;
  for (const s of sources) {
    const tree = force(s.options);
    if (tree === null || typeof tree !== "object") return new Skeleton(sources);
    node.next ??= new WeakMap();
    let byPlace = node.next.get(tree);
    if (!byPlace) node.next.set(tree, (byPlace = new Map()));
    const place = s.line === undefined ? s.file : `${s.file}:${s.line}`;
    let child = byPlace.get(place);
    if (!child) byPlace.set(place, (child = {}));
    node = child;
  }
  return (node.skeleton ??= new Skeleton(sources));
}
