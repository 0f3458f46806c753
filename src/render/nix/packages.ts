/**
 * Package references (`pkgs.ripgrep`, `pkgs.stable.fd`) are values in Grove and expressions in
 * Nix: the package set of the machine being built, or of a channel the generated flake adds to it
 * as an overlay.
 */
import { attrName } from "./names.js";
import { unrepresentable, type ValuePath } from "./unrepresentable.js";

/**
 * A package reference as Grove values carry it. `name` is an attribute path in the package set:
 * a string splits at dots (`python3Packages.numpy`); a list keeps names that contain dots.
 *
 * @example
 * const numpy: PackageRef = { _type: "package", name: "python3Packages.numpy", channel: "stable" };
 */
export interface PackageRef {
  readonly _type: "package";
  readonly name: string | readonly string[];
  readonly channel?: string | undefined;
}

function names(ref: PackageRef, path: ValuePath): readonly string[] {
  const { name } = ref;
  const list = typeof name === "string" ? name.split(".") : Array.isArray(name) ? name : undefined;
  if (list === undefined || list.length === 0 || list.some((n) => typeof n !== "string" || n === "")) {
    throw unrepresentable(
      path,
      `the package reference has no valid attribute name (${JSON.stringify(name)})`,
    );
  }
  return list;
}

/**
 * The Nix expression for a package reference, each attribute name escaped.
 *
 * @example
 * packageExpr({ _type: "package", name: "python3Packages.numpy" })        // pkgs.python3Packages.numpy
 * packageExpr({ _type: "package", name: "fd", channel: "stable" })         // pkgs.stable.fd
 * packageExpr({ _type: "package", name: ["some-attr.with-dot"] })          // pkgs."some-attr.with-dot"
 */
export function packageExpr(ref: PackageRef, path: ValuePath = []): string {
  let out = "pkgs";
  const { channel } = ref;
  if (channel !== undefined) {
    if (typeof channel !== "string" || channel === "")
      throw unrepresentable(
        path,
        `the package reference has an invalid channel (${JSON.stringify(channel)})`,
      );
    out += `.${attrName(channel, path)}`;
  }
  for (const n of names(ref, path)) out += `.${attrName(n, path)}`;
  return out;
}
