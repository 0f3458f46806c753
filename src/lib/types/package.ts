import { mergeOneOption, mkOptionType } from "./type.js";

/** A package: a Grove package reference (`pkgs.ripgrep`) or a Nix derivation-like value. */
export function isPackage(v: unknown): boolean {
  if (typeof v !== "object" || v === null) return false;
  const o = v as { _type?: unknown; type?: unknown };
  return o._type === "package" || o.type === "derivation";
}

export const packageType = mkOptionType({
  name: "package",
  description: "package",
  descriptionClass: "noun",
  check: isPackage,
  merge: mergeOneOption,
});
