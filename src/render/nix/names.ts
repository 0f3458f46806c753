/**
 * Attribute names in Nix source: bare when the lexer reads them as one identifier, quoted
 * otherwise. Keywords are quoted even though some positions would accept them, so that a reader
 * never has to know which.
 */
import { quotedString } from "./strings.js";
import type { ValuePath } from "./unrepresentable.js";

const identifier = /^[A-Za-z_][A-Za-z0-9_'-]*$/;

/** Nix's keywords: `{ if = 1; }` does not parse, `{ "if" = 1; }` does. */
const keywords = new Set(["if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or"]);

/**
 * Whether `name` can be written bare as an attribute name or a variable.
 *
 * @example
 * isBareName("autohide-delay")  // true
 * isBareName("inherit")         // false: a keyword
 */
export function isBareName(name: string): boolean {
  return identifier.test(name) && !keywords.has(name);
}

/** Names seen before, rendered: configurations repeat the same few hundred names endlessly. */
const rendered = new Map<string, string>();
const renderedLimit = 10_000;

/**
 * One attribute name as Nix source: bare if it is a plain identifier, else a quoted string.
 *
 * @example
 * attrName("enable")        // enable
 * attrName("nix/nix.conf")  // "nix/nix.conf"
 * attrName("inherit")       // "inherit"
 */
export function attrName(name: string, path: ValuePath = []): string {
  let text = rendered.get(name);
  if (text === undefined) {
    text = isBareName(name) ? name : quotedString(name, path);
    if (rendered.size < renderedLimit) rendered.set(name, text);
  }
  return text;
}

/**
 * An attribute path as Nix source, each name escaped on its own.
 *
 * @example
 * attrPath(["fileSystems", "/", "device"])  // fileSystems."/".device
 */
export function attrPath(names: readonly string[], path: ValuePath = []): string {
  let out = "";
  for (let i = 0; i < names.length; i++) out += (i === 0 ? "" : ".") + attrName(names[i]!, path);
  return out;
}
