/**
 * What a round trip of a generated module needs on the Nix side: Grove's class options declared
 * in Nix (generated from Grove's own declarations), a freeform type that merges pass-through
 * definitions as Grove does, and fake package sets whose packages are named by their JSON.
 */
import {
  classModules,
  groveOnlyOptions,
  isPackageRef,
  matchesPattern,
  passthroughValue,
} from "../../../src/classes/index.js";
import { deepForce, evalModules, OptionNode, type OptionType } from "../../../src/lib/index.js";
import { nixExpr, quotedString, toNix } from "../../../src/render/nix/index.js";

/** Grove's pass-through merge in Nix: sets recursively, lists concatenated, anything else when equal. */
export const passthroughNix = `
  passthrough = lib.mkOptionType {
    name = "passthrough";
    merge = loc: defs:
      let
        kind = v: if builtins.isList v then "list" else if builtins.isAttrs v && !lib.isDerivation v then "set" else "other";
        k = kind (builtins.head defs).value;
        same = builtins.all (d: kind d.value == k) defs;
      in
      if same && k == "set" then (lib.types.attrsOf passthrough).merge loc defs
      else if same && k == "list" then builtins.concatMap (d: d.value) defs
      else lib.mergeEqualOption loc defs;
  };`;

/** A Grove type as a Nix type expression (for the types Grove's class options use). */
function nixType(t: OptionType, path: readonly string[], cls: string): string {
  const nested = t.nestedTypes as Record<string, OptionType>;
  switch (t.name) {
    case "bool":
    case "str":
    case "int":
    case "package":
    case "anything":
      return `types.${t.name}`;
    case "unsignedInt16":
      return "types.port";
    case "positiveInt":
      return "types.ints.positive";
    case "separatedString":
      return `(types.separatedString ${quotedString(t.functor.payload as string)})`;
    case "enum":
      return `(types.enum ${toNix(t.functor.payload)})`;
    case "passthrough":
      return "passthrough";
    case "listOf":
      return `(types.listOf ${nixType(nested.elemType!, path, cls)})`;
    case "attrsOf":
      return `(types.attrsOf ${nixType(nested.elemType!, [...path, "*"], cls)})`;
    case "nullOr":
      return `(types.nullOr ${nixType(nested.elemType!, path, cls)})`;
    case "either":
      return `(types.either ${nixType(nested.left!, path, cls)} ${nixType(nested.right!, path, cls)})`;
    case "submodule":
      return `(types.submodule ({ name, ... }: { options = ${declarations(t.getSubOptions([]), path, true, cls)}; }))`;
    case "coercedTo":
      // The module holds the final (already coerced) value.
      return nixType(nested.finalType!, path, cls);
    default:
      throw new Error(`roundtrip: no Nix type for Grove's \`${t.name}' (at ${path.join(".")})`);
  }
}

/** A submodule's `name` default, as Grove's documentation evaluation shows it. */
const nameDefault = "‹name›";

/** Nix declarations of the options in `options`, Grove-only ones left out. */
function declarations(
  options: Record<string, unknown>,
  path: readonly string[],
  root: boolean,
  cls: string,
): string {
  const entries: Record<string, unknown> = {};
  for (const key of Object.keys(options)) {
    if (root && key === "_module") continue;
    // A freeform submodule's free values' own options, for docs only: not declared in Nix.
    if (key === "_freeformOptions") continue;
    const here = [...path, key];
    if (matchesPattern(here, groveOnlyOptions(cls))) continue;
    const o = options[key];
    if (o instanceof OptionNode) {
      const fields = [`type = ${nixType(o.type, here, cls)};`];
      if (o.hasDefault) fields.push(`default = ${o.default === nameDefault ? "name" : toNix(o.default)};`);
      entries[key] = nixExpr(`mkOption { ${fields.join(" ")} }`);
    } else if (typeof o === "object" && o !== null) {
      entries[key] = nixExpr(declarations(o as Record<string, unknown>, here, false, cls));
    }
  }
  return toNix(entries);
}

/**
 * A Nix module declaring the options Grove declares for `cls` (types and defaults from Grove's
 * declarations), with pass-through definitions accepted and merged as Grove merges them.
 */
export function classDeclarations(cls: string): string {
  const ev = evalModules({ class: cls, passthrough: passthroughValue, modules: classModules(cls) });
  const options = declarations(ev.options, [], true, cls);
  return `{ lib, ... }:\nlet\n  inherit (lib) mkOption types;\n${passthroughNix}\nin\n{\n  options = ${options};\n  config._module.freeformType = types.lazyAttrsOf passthrough;\n}\n`;
}

/** A package reference as `grove eval --json` prints it. */
interface PackageJson {
  readonly $package: string;
  readonly channel?: string;
}

function isPackageJson(v: unknown): v is PackageJson {
  return typeof v === "object" && v !== null && typeof (v as PackageJson).$package === "string";
}

/** Every package reference in a JSON value, as `name` → the channels it is taken from (`""`: none). */
export function packageNames(v: unknown, out = new Set<string>()): Set<string> {
  if (isPackageJson(v) || isPackageRef(v)) {
    out.add(isPackageRef(v) ? v.name : v.$package);
  } else if (Array.isArray(v)) {
    for (const x of v) packageNames(x, out);
  } else if (typeof v === "object" && v !== null) {
    for (const x of Object.values(v)) packageNames(x, out);
  }
  return out;
}

/**
 * A fake nixpkgs: a function of a prefix giving a set where each named package is a derivation
 * whose output path is its own expression (`pkgs.stable.fd`), plus what the overlay reads
 * (`stdenv.hostPlatform.system`, `config`) and a `callPackage` that imports a file.
 */
export function fakePackagesNix(names: Iterable<string>): string {
  const tree: Record<string, unknown> = {};
  for (const name of [...names].sort()) {
    const parts = name.split(".");
    let node = tree;
    for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]!] = nixExpr(`drv (prefix + ${quotedString(`.${name}`)})`);
  }
  return `let
  drv = path: { type = "derivation"; name = path; outPath = path; };
in
prefix:
${toNix(tree)} // {
  stdenv.hostPlatform.system = "x86_64-linux";
  config = { };
  callPackage = file: args: import file args;
}
`;
}

/**
 * Grove's evaluated configuration (JSON) as the Nix module should give it back: Grove-only
 * options dropped, package references written as the fake packages' output paths.
 */
export function expectedJson(v: unknown, cls: string, path: readonly string[] = []): unknown {
  if (isPackageJson(v)) return `pkgs.${v.channel === undefined ? "" : `${v.channel}.`}${v.$package}`;
  if (Array.isArray(v)) return v.map((x) => expectedJson(x, cls, path));
  if (typeof v !== "object" || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const here = [...path, k];
    if (!matchesPattern(here, groveOnlyOptions(cls))) out[k] = expectedJson(x, cls, here);
  }
  return out;
}

/** Makes Grove's JSON of an evaluation, for {@link expectedJson}. */
export function groveJson(config: unknown): unknown {
  return JSON.parse(JSON.stringify(deepForce(config)));
}
