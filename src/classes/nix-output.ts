/**
 * What the Nix output needs to know about each class's options beyond their declarations: which
 * options are Grove's own bookkeeping (no NixOS, nix-darwin or home-manager option has that
 * meaning, so they stay out of the generated modules), and which defaults Grove must write out
 * because the upstream option has no default of its own.
 */

/** An option path; `*` stands for any attribute name (an entry of an `attrsOf` submodule). */
export type OptionPattern = readonly string[];

/**
 * Grove-only options per class: `deploy.*` (health checks, read by `grove deploy`), a home's
 * `secrets` and the `mutable` flag of home files (read by the native activation; home-manager has
 * no such options).
 *
 * @example
 * groveOnlyOptions("nixos")  // [["deploy"]]
 */
export function groveOnlyOptions(cls: string): readonly OptionPattern[] {
  switch (cls) {
    case "nixos":
    case "darwin":
      return [["deploy"]];
    case "home":
      return [
        ["deploy"],
        ["secrets"],
        ["home", "file", "*", "mutable"],
        ["xdg", "configFile", "*", "mutable"],
        ["xdg", "dataFile", "*", "mutable"],
      ];
    default:
      return [];
  }
}

/**
 * Options written out even when only their default is set: the state versions, which NixOS,
 * nix-darwin and home-manager require (or default to the release being built, which is exactly
 * what a state version must not follow).
 *
 * @example
 * pinnedDefaults("home")  // [["home", "stateVersion"]]
 */
export function pinnedDefaults(cls: string): readonly OptionPattern[] {
  switch (cls) {
    case "nixos":
    case "darwin":
      return [["system", "stateVersion"]];
    case "home":
      return [["home", "stateVersion"]];
    default:
      return [];
  }
}

/**
 * Whether `path` is matched by one of `patterns`, or lies below a match.
 *
 * @example
 * matchesPattern(["home", "file", ".zshrc", "mutable"], [["home", "file", "*", "mutable"]])  // true
 */
export function matchesPattern(path: readonly string[], patterns: readonly OptionPattern[]): boolean {
  return patterns.some((p) => p.length <= path.length && p.every((s, i) => s === "*" || s === path[i]));
}
