import { GroveError, showPath } from "../../errors.js";

/**
 * A position inside a value: attribute names, and list indices as numbers.
 *
 * @example
 * const at: ValuePath = ["networking", "interfaces", "eth0", "addresses", 0];
 */
export type ValuePath = readonly (string | number)[];

function showValuePath(path: ValuePath): string {
  let out = "";
  let names: string[] = [];
  const flush = () => {
    if (names.length > 0) out += (out === "" ? "" : ".") + showPath(names);
    names = [];
  };
  for (const p of path) {
    if (typeof p === "number") {
      flush();
      out += `[${p}]`;
    } else names.push(p);
  }
  flush();
  return out === "" ? "<root>" : out;
}

/**
 * The error for a value Nix cannot hold. Its `path` is the option path (attribute names only, as
 * every GroveError's); the message also shows list positions, e.g. `a.b[3].c`.
 *
 * @example
 * throw unrepresentable(["a", "b", 3], "the value is a function")  // Cannot write `a.b[3]' as Nix: …
 */
export function unrepresentable(path: ValuePath, what: string): GroveError {
  return new GroveError("NixUnrepresentable", `Cannot write \`${showValuePath(path)}' as Nix: ${what}.`, {
    path: path.filter((p): p is string => typeof p === "string"),
  });
}
