/** Nix's `toString`, for the values the module system turns into text (keys, files, names). */
import { GroveError } from "../errors.js";
import { force } from "./lazy.js";
import { FloatValue } from "./types/type.js";

/** How a caller sees a value before it is converted (the neutral format views options as sets). */
export type View = (v: unknown) => unknown;

const asIs: View = (v) => v;

/**
 * `toString v`: null and false are "", true "1", floats in six decimals, lists joined by spaces,
 * sets through their `__toString` function or `outPath`; anything else cannot be converted.
 */
export function toNixString(value: unknown, view: View = asIs): string {
  const v = view(force(value));
  if (v === null || v === false || v === undefined) return "";
  if (v === true) return "1";
  if (FloatValue.is(v)) return v.value.toFixed(6);
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toFixed(6);
  if (typeof v === "string") return v;
  if (Array.isArray(v)) {
    // No space after an empty list, as Nix writes them.
    return v
      .map((x, i) => {
        const item = force(x);
        const more = i < v.length - 1 && !(Array.isArray(item) && item.length === 0);
        return toNixString(item, view) + (more ? " " : "");
      })
      .join("");
  }
  const text = setToString(v, view);
  if (text !== undefined) return text;
  throw new GroveError(
    "TypeMismatch",
    `cannot coerce ${typeof v === "function" ? "a function" : "a set"} to a string`,
  );
}

/** A set that turns into a string (`__toString`, `outPath`): its text, or undefined. */
export function setToString(v: unknown, view: View = asIs): string | undefined {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
  const set = v as Record<string, unknown>;
  if ("__toString" in set) {
    const fn = view(force(set.__toString));
    if (typeof fn !== "function")
      throw new GroveError("TypeMismatch", "attempt to call something which is not a function");
    return toNixString(fn(set), view);
  }
  if ("outPath" in set) return toNixString(set.outPath, view);
  return undefined;
}

/** Nix's `isStringLike`: a string, or a set that turns into one (`__toString`, `outPath`). */
export function isStringLike(v: unknown): boolean {
  if (typeof v === "string") return true;
  return typeof v === "object" && v !== null && !Array.isArray(v) && ("__toString" in v || "outPath" in v);
}

/** Nix's `isConvertibleWithToString`: strings, string-like sets, null, numbers, booleans, lists of them. */
export function convertsToString(value: unknown): boolean {
  const v = force(value);
  if (v === null || typeof v === "number" || typeof v === "boolean") return true;
  if (FloatValue.is(v)) return true;
  if (Array.isArray(v)) return v.every(convertsToString);
  return isStringLike(v);
}
