import { isAttrs } from "../definitions.js";
import { force } from "../lazy.js";
import { isStringLike, toNixString } from "../to-string.js";
import { mergeOneOption, mkOptionType, type OptionType, specOf } from "./type.js";

/** A Grove package reference (`pkgs.ripgrep`): rendered into Nix, where it becomes a derivation. */
function isPackageReference(v: unknown): boolean {
  return isAttrs(v) && v._type === "package";
}

/** Nix's `isDerivation`: a set whose `type` is "derivation". */
function isDerivation(v: unknown): boolean {
  return isAttrs(v) && force(v.type) === "derivation";
}

/** Nix's `isStorePath`: text naming a store object itself (`/nix/store/<name>`, or a content-addressed one). */
function isStorePath(v: unknown): boolean {
  if (!isStringLike(v)) return false;
  const text = toNixString(v);
  const slash = text.lastIndexOf("/");
  const dir = slash <= 0 ? "/" : text.slice(0, slash);
  return text.startsWith("/") && (dir === "/nix/store" || /^\/[0-9a-z]{52}$/.test(text));
}

/** Whether `v` is a package: a Grove package reference, a derivation, or a store path. */
export function isPackage(v: unknown): boolean {
  return isPackageReference(v) || isDerivation(v) || isStorePath(v);
}

/** A derivation's name as Nix makes it valid (`sanitizeDerivationName`). */
function derivationName(text: string): string {
  if (text.length <= 207 && /^[A-Za-z0-9+_?=-][A-Za-z0-9+._?=-]*$/.test(text)) return text;
  const cleaned = text.replace(/^\.*/, "").replace(/[^A-Za-z0-9+._?=-]+/g, "-");
  const last = cleaned.slice(Math.max(cleaned.length - 207, 0));
  return last === "" ? "unknown" : last;
}

/** Nix's `toDerivation`: a store path as the derivation-like set packages are. */
function toDerivation(path: string): Record<string, unknown> {
  const base = path.slice(path.lastIndexOf("/") + 1);
  const drv: Record<string, unknown> = {
    type: "derivation",
    name: derivationName(base.slice(33)),
    outPath: path,
    outputs: ["out"],
    outputName: "out",
  };
  // `out` is the set itself, as in Nix; not listed, so walking the value does not go round.
  Object.defineProperty(drv, "out", { value: drv, enumerable: false });
  return drv;
}

export const packageType: OptionType = mkOptionType({
  name: "package",
  description: "package",
  descriptionClass: "noun",
  check: isPackage,
  merge: (loc, defs) => asPackage(mergeOneOption(loc, defs)),
  single: asPackage,
});

/** A store path given as text becomes a derivation-like set, as Nix's package merge makes it. */
function asPackage(value: unknown): unknown {
  return typeof value === "string" ? toDerivation(value) : value;
}

/** A package that is a login shell: a derivation with a `shellPath` (or a Grove package reference). */
export const shellPackage: OptionType = mkOptionType({
  ...specOf(packageType),
  check: (v) => isPackageReference(v) || (isDerivation(v) && "shellPath" in (v as object)),
});
