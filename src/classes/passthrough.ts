/**
 * The type of options Grove does not declare: their definitions pass through to Nix, which
 * type-checks them against the real NixOS / nix-darwin / home-manager options. For Grove's own
 * view they merge as those options usually do: sets recursively, lists by concatenation, other
 * values only when equal.
 */
import { type Def, force, types } from "../lib/index.js";
import { mergeEqualOption, mkOptionType, type OptionType } from "../lib/types/type.js";

function kind(v: unknown): "set" | "list" | "other" {
  if (Array.isArray(v)) return "list";
  if (typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype) return "set";
  return "other";
}

export const passthroughValue: OptionType = mkOptionType({
  name: "passthrough",
  description: "value passed through to Nix",
  descriptionClass: "noun",
  merge: (loc: readonly string[], defs: readonly Def[]) => {
    const k = kind(defs[0]!.value);
    if (defs.every((d) => kind(d.value) === k)) {
      if (k === "set") return types.attrsOf(passthroughValue).merge(loc, defs);
      if (k === "list") return defs.flatMap((d) => (d.value as unknown[]).map(force));
    }
    return mergeEqualOption(loc, defs);
  },
});

/** An attribute set of pass-through values (for open option sets such as git's `extraConfig`). */
export const passthrough: OptionType = types.attrsOf(passthroughValue);
