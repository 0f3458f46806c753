/**
 * String literals in Nix source. Two forms exist: `"…"` (escapes `\\`, `\"`, `\${`, `\n`, `\r`,
 * `\t`) and the indented `''…''` (escapes `'''`, `''${`, `''\r`), whose common indentation Nix
 * strips. Multi-line text uses the indented form whenever that is exact, and falls back to `"…"`.
 */
import { unrepresentable, type ValuePath } from "./unrepresentable.js";

/** Characters that need more than copying in either form (or cannot be written at all). */
const special = /[\\"$\n\r\t\0\uD800-\uDFFF]/;
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Nix strings are C strings of bytes: no NUL, and a lone surrogate has no UTF-8 encoding. */
function checkWritable(s: string, path: ValuePath): void {
  if (s.includes("\0")) throw unrepresentable(path, "the string contains a NUL character");
  if (loneSurrogate.test(s)) throw unrepresentable(path, "the string contains a lone UTF-16 surrogate");
}

/**
 * A double-quoted Nix string that evaluates to exactly `s`.
 *
 * @example
 * quotedString('say "${hi}"\n')  // "say \"\${hi}\"\n"
 */
export function quotedString(s: string, path: ValuePath = []): string {
  if (!special.test(s)) return `"${s}"`;
  checkWritable(s, path);
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    switch (c) {
      case "\\":
        out += "\\\\";
        break;
      case '"':
        out += '\\"';
        break;
      case "\n":
        out += "\\n";
        break;
      case "\r":
        out += "\\r";
        break;
      case "\t":
        out += "\\t";
        break;
      case "$":
        // Only `${` starts an interpolation; a lone `$` is text.
        out += s[i + 1] === "{" ? "\\$" : "$";
        break;
      default:
        out += c;
    }
  }
  return `${out}"`;
}

/** Whether a line holds only spaces (Nix ignores such lines when it measures indentation). */
const blank = /^ *$/;

/**
 * Whether the indented form reproduces `s` exactly once Nix strips the common indentation: some
 * non-blank line must start at column 0 (else Nix would strip the text's own indentation too),
 * and the last line must not be spaces only (Nix drops such a line).
 */
function indentable(s: string): boolean {
  const lines = s.split("\n");
  const last = lines[lines.length - 1]!;
  if (last !== "" && blank.test(last)) return false;
  return lines.some((l) => !blank.test(l) && l[0] !== " ");
}

/**
 * The indented (`''…''`) form of `s` for a value placed at `indent` (the spaces of its line), or
 * undefined when that form would not be exact.
 */
function indentedString(s: string, indent: string): string | undefined {
  if (!indentable(s)) return undefined;
  const prefix = `${indent}  `;
  let out = `''\n${s[0] === "\n" ? "" : prefix}`;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    switch (c) {
      case "\n":
        out += "\n";
        // Empty lines stay empty: no trailing spaces in the file.
        if (i + 1 < s.length && s[i + 1] !== "\n") out += prefix;
        break;
      case "\r":
        out += "''\\r";
        break;
      case "$":
        if (s[i + 1] === "{") {
          out += "''${";
          i++;
        } else out += "$";
        break;
      case "'":
        if (s[i + 1] === "'") {
          out += "'''";
          i++;
        } else if (i + 1 === s.length || s[i + 1] === "\r" || (s[i + 1] === "$" && s[i + 2] === "{")) {
          // What follows starts with `''`, which would glue to this quote: escape it instead.
          out += "''\\'";
        } else out += "'";
        break;
      default:
        out += c;
    }
  }
  return s.endsWith("\n") ? `${out}${indent}''` : `${out}''`;
}

/**
 * A Nix string literal for `s`, placed on a line indented by `indent`: text of several lines as an
 * indented string (`''…''`) when that is exact, anything else double-quoted.
 *
 * @example
 * stringLiteral("a\nb\n", "")  // ''\n  a\n  b\n''
 * stringLiteral("one line")    // "one line"
 */
export function stringLiteral(s: string, indent = "", path: ValuePath = []): string {
  const nl = s.indexOf("\n");
  if (nl === -1 || nl === s.length - 1) return quotedString(s, path);
  checkWritable(s, path);
  return indentedString(s, indent) ?? quotedString(s, path);
}
