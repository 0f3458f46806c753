import { GroveError } from "../../errors.js";
import { isAttrs } from "../definitions.js";
import { force } from "../lazy.js";
import { showOption } from "../show.js";
import { toNixString } from "../to-string.js";
import { attrsOf } from "./containers.js";
import {
  defaultFunctor,
  FloatValue,
  getFiles,
  mergeDefaultOption,
  mergeEqualOption,
  mergeOneOption,
  mkOptionType,
  nixEqual,
  type OptionType,
} from "./type.js";

export { FloatValue };

export function isInt(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v);
}
export function isFloat(v: unknown): boolean {
  return (typeof v === "number" && !Number.isInteger(v) && Number.isFinite(v)) || FloatValue.is(v);
}
export function isString(v: unknown): v is string {
  return typeof v === "string";
}

export const raw = mkOptionType({
  name: "raw",
  description: "raw value",
  descriptionClass: "noun",
  merge: mergeOneOption,
});

export const unspecified = mkOptionType({
  name: "unspecified",
  description: "unspecified value",
  descriptionClass: "noun",
  merge: mergeDefaultOption,
});

/** Nix's `builtins.typeOf`. */
function nixTypeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "list";
  if (typeof v === "function") return "lambda";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (FloatValue.is(v)) return "float";
  if (typeof v === "boolean") return "bool";
  return typeof v === "object" ? "set" : typeof v;
}

/** Nix's `builtins.typeOf`, with sets that coerce to a string (packages) apart, as `anything` sees them. */
function anythingKind(v: unknown): string {
  const kind = nixTypeOf(v);
  if (kind !== "set") return kind;
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return "stringCoercibleSet";
  return "outPath" in (v as object) || "__toString" in (v as object) ? "stringCoercibleSet" : "set";
}

export const anything: OptionType = mkOptionType({
  name: "anything",
  description: "anything",
  descriptionClass: "noun",
  merge: (loc, defs) => {
    const kind = anythingKind(defs[0]!.value);
    for (const d of defs) {
      if (anythingKind(d.value) !== kind) {
        throw new GroveError(
          "Conflict",
          `The option \`${showOption(loc)}' has conflicting option types in ${getFiles(defs)}`,
          { path: loc },
        );
      }
    }
    switch (kind) {
      case "set":
        return attrsOf(anything).merge(loc, defs);
      case "stringCoercibleSet":
        return mergeOneOption(loc, defs);
      case "lambda":
        return (arg: unknown) =>
          anything.merge(
            [...loc, "<function body>"],
            defs.map((d) => ({ file: d.file, value: force((d.value as (a: unknown) => unknown)(arg)) })),
          );
      default:
        // Lists as they are: their items stay unread until used.
        return mergeEqualOption(loc, defs);
    }
  },
});

export const bool = mkOptionType({
  name: "bool",
  description: "boolean",
  descriptionClass: "noun",
  check: (v) => typeof v === "boolean",
  merge: mergeEqualOption,
});

export const boolByOr = mkOptionType({
  name: "boolByOr",
  description: "boolean (merged using or)",
  descriptionClass: "noun",
  check: (v) => typeof v === "boolean",
  merge: (_loc, defs) => defs.some((d) => d.value === true),
});

export const int = mkOptionType({
  name: "int",
  description: "signed integer",
  descriptionClass: "noun",
  check: isInt,
  merge: mergeEqualOption,
});

export const float = mkOptionType({
  name: "float",
  description: "floating point number",
  descriptionClass: "noun",
  check: isFloat,
  merge: mergeEqualOption,
});

export const str = mkOptionType({
  name: "str",
  description: "string",
  descriptionClass: "noun",
  check: isString,
  merge: mergeEqualOption,
});

export const nonEmptyStr = mkOptionType({
  name: "nonEmptyStr",
  description: "non-empty string",
  descriptionClass: "noun",
  check: (v) => isString(v) && !/^[ \t\n]*$/.test(v),
  merge: mergeEqualOption,
});

/** POSIX character classes (Nix's regular expressions are POSIX extended ones) as JS ranges. */
const posixClasses: Record<string, string> = {
  alpha: "A-Za-z",
  digit: "0-9",
  alnum: "A-Za-z0-9",
  upper: "A-Z",
  lower: "a-z",
  space: " \\t\\n\\r\\f\\v",
  blank: " \\t",
  punct: "!-\\/:-@\\[-`{-~",
  xdigit: "0-9A-Fa-f",
  cntrl: "\\x00-\\x1f\\x7f",
  print: "\\x20-\\x7e",
  graph: "\\x21-\\x7e",
};

/**
 * A POSIX extended regular expression as a JavaScript one. Inside a bracket expression a leading
 * `]` and any backslash are plain characters and `[:name:]` is a class; outside one, `[:alpha:]`
 * is just a bracket expression of those characters.
 */
function posixToJs(pattern: string): string {
  let out = "";
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "\\") {
      out += pattern.slice(i, i + 2);
      i += 2;
    } else if (c !== "[") {
      out += c;
      i++;
    } else {
      let j = i + 1;
      let set = "[";
      if (pattern[j] === "^") {
        set += "^";
        j++;
      }
      for (let first = true; j < pattern.length && (first || pattern[j] !== "]"); first = false) {
        const end = pattern.startsWith("[:", j) ? pattern.indexOf(":]", j + 2) : -1;
        const named = end > 0 ? posixClasses[pattern.slice(j + 2, end)] : undefined;
        if (named !== undefined) {
          set += named;
          j = end + 2;
        } else {
          const ch = pattern[j]!;
          set += ch === "\\" || ch === "]" || ch === "[" ? `\\${ch}` : ch;
          j++;
        }
      }
      // Unterminated: left as written, for the engine to reject.
      if (j >= pattern.length) return out + pattern.slice(i);
      out += `${set}]`;
      i = j + 1;
    }
  }
  return out;
}

/** Nix's `builtins.match`: the whole string must match. A pattern that is not one fails when used. */
function fullMatch(pattern: string): { test(text: string): boolean } {
  try {
    return new RegExp(`^(?:${posixToJs(pattern)})$`, "s");
  } catch {
    return {
      test: () => {
        throw new GroveError("BadValue", `invalid regular expression '${pattern}'`, {
          hint: "Patterns are POSIX extended regular expressions, as Nix's `builtins.match` takes them.",
        });
      },
    };
  }
}

export function strMatching(pattern: string): OptionType {
  const re = fullMatch(pattern);
  return mkOptionType({
    name: `strMatching ${JSON.stringify(pattern)}`,
    description: `string matching the pattern ${pattern}`,
    descriptionClass: "noun",
    check: (v) => isString(v) && re.test(v),
    merge: mergeEqualOption,
    functor: {
      ...defaultFunctor("strMatching"),
      payload: pattern,
      binOp: (a, b) => (a === b ? a : null),
      make: strMatching,
    },
  });
}

const singleLine = fullMatch("[^\n\r]*\n?");
export const singleLineStr = mkOptionType({
  name: "singleLineStr",
  description: "(optionally newline-terminated) single-line string",
  descriptionClass: "noun",
  check: (v) => isString(v) && singleLine.test(v),
  merge: (loc, defs) => (mergeEqualOption(loc, defs) as string).replace(/\n$/, ""),
  single: (v) => (v as string).replace(/\n$/, ""),
});

export function separatedString(sep: string): OptionType {
  return mkOptionType({
    name: "separatedString",
    description: `strings concatenated with ${JSON.stringify(sep)}`,
    descriptionClass: "noun",
    check: isString,
    merge: (_loc, defs) => defs.map((d) => d.value as string).join(sep),
    single: (v) => v,
    functor: {
      ...defaultFunctor("separatedString"),
      payload: sep,
      binOp: (a, b) => (a === b ? a : null),
      make: separatedString,
    },
  });
}
export const lines = separatedString("\n");
export const commas = separatedString(",");
export const envVar = separatedString(":");

export const attrs = mkOptionType({
  name: "attrs",
  description: "attribute set",
  check: isAttrs,
  merge: (_loc, defs) => Object.assign({}, ...defs.map((d) => d.value)),
  single: (v) => v,
  emptyValue: { value: {} },
});

function betweenDesc(lo: number, hi: number): string {
  return `${toNixString(lo)} and ${toNixString(hi)} (both inclusive)`;
}

function withCheck(
  base: OptionType,
  extra: (v: unknown) => boolean,
  name: string,
  description: string,
  descriptionClass = base.descriptionClass,
): OptionType {
  return mkOptionType({
    name,
    description,
    descriptionClass,
    check: (v) => base.check(v) && extra(v),
    merge: base.merge,
    functor: base.functor,
  });
}

function intBetween(lo: number, hi: number, name = "intBetween", doc?: string): OptionType {
  return withCheck(
    int,
    (v) => (v as number) >= lo && (v as number) <= hi,
    name,
    doc ? `${doc}; between ${betweenDesc(lo, hi)}` : `integer between ${betweenDesc(lo, hi)}`,
  );
}

const unsign = (bits: number) =>
  intBetween(0, 2 ** bits - 1, `unsignedInt${bits}`, `${bits} bit unsigned integer`);
const sign = (bits: number) =>
  intBetween(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1, `signedInt${bits}`, `${bits} bit signed integer`);

export const ints = {
  between: (lo: number, hi: number) => intBetween(lo, hi),
  unsigned: withCheck(
    int,
    (v) => (v as number) >= 0,
    "unsignedInt",
    "unsigned integer, meaning >=0",
    "nonRestrictiveClause",
  ),
  positive: withCheck(
    int,
    (v) => (v as number) > 0,
    "positiveInt",
    "positive integer, meaning >0",
    "nonRestrictiveClause",
  ),
  u8: unsign(8),
  u16: unsign(16),
  u32: unsign(32),
  s8: sign(8),
  s16: sign(16),
  s32: sign(32),
};

export const port = ints.u16;

/**
 * Whether a path names something in the Nix store (Nix's `hasStorePathPrefix` of `/. + path`):
 * `/nix/store/<32 characters>-<name>…` once `.`, `..` and doubled slashes are resolved, or a
 * content-addressed `<52 base-32 characters>` first component.
 */
function inStorePath(text: string): boolean {
  const parts: string[] = [];
  for (const p of `/${text}`.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") parts.pop();
    else parts.push(p);
  }
  if (parts.length > 2 && parts[0] === "nix" && parts[1] === "store" && /^.{32}-.+$/s.test(parts[2]!))
    return true;
  return parts.length > 0 && /^[0-9a-z]{52}$/.test(parts[0]!);
}

/** Nix's `toString` of a string-like value (a string, or a set with `outPath` or `__toString`). */
function stringLike(v: unknown): string | undefined {
  if (isString(v)) return v;
  if (!isAttrs(v)) return undefined;
  const set = v as Record<string, unknown>;
  if (typeof set.__toString === "function") {
    const s = force((set.__toString as (self: unknown) => unknown)(v));
    return isString(s) ? s : undefined;
  }
  return "outPath" in set ? stringLike(force(set.outPath)) : undefined;
}

export function pathWith(opts: { absolute?: boolean | null; inStore?: boolean | null } = {}): OptionType {
  const absolute = opts.absolute ?? null;
  const inStore = opts.inStore ?? null;
  const description = `${absolute === null ? "" : absolute ? "absolute " : "relative "}path${inStore === null ? "" : inStore ? " in the Nix store" : " not in the Nix store"}`;
  return mkOptionType({
    name: "path",
    description,
    descriptionClass: "noun",
    check: (v) => {
      // A set that turns into a string (`outPath`, a package) is a path too, unless the path
      // must be outside the store.
      const text = inStore === false ? (isString(v) ? v : undefined) : stringLike(v);
      if (text === undefined) return false;
      const isAbs = text.startsWith("/");
      const isStore = inStorePath(text);
      return (absolute === null || absolute === isAbs) && (inStore === null || inStore === isStore);
    },
    merge: mergeEqualOption,
    functor: {
      ...defaultFunctor("path"),
      payload: { absolute, inStore },
      binOp: (a, b) => (a.absolute === b.absolute && a.inStore === b.inStore ? a : null),
      make: pathWith,
    },
  });
}
export const path = pathWith({ absolute: true });
export const pathInStore = pathWith({ inStore: true });
export const externalPath = pathWith({ absolute: true, inStore: false });

export function enumType(values: readonly unknown[]): OptionType {
  const show = (v: unknown) =>
    isString(v) ? JSON.stringify(v) : isInt(v) || typeof v === "boolean" ? String(v) : `<${nixTypeOf(v)}>`;
  const description =
    values.length === 0
      ? "impossible (empty enum)"
      : values.length === 1
        ? `value ${show(values[0])} (singular enum)`
        : `one of ${values.map(show).join(", ")}`;
  return mkOptionType({
    name: "enum",
    description,
    descriptionClass: values.length < 2 ? "noun" : "conjunction",
    check: (v) => values.some((x) => nixEqual(x, v)),
    merge: mergeEqualOption,
    functor: {
      ...defaultFunctor("enum"),
      payload: values,
      // Nix's `unique`: the first of equal values is kept.
      binOp: (a: unknown[], b: unknown[]) =>
        [...a, ...b].filter((v, i, all) => all.findIndex((w) => nixEqual(w, v)) === i),
      make: enumType,
    },
  });
}
