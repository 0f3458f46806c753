/**
 * Number literals. Nix keeps integers (64-bit) and floats apart and option types check which one
 * they get, so a float is always written with a decimal point: `0.0`, never `0`. A negative
 * number is written `-5`, which Nix reads as an operator applied to `5`: callers parenthesise it
 * where an operand is expected (list elements, function arguments).
 */
import { unrepresentable, type ValuePath } from "./unrepresentable.js";

/** 2^63: Nix integers are signed 64-bit, and `-9223372036854775808` does not parse as a literal. */
const intLimit = 2 ** 63;

/**
 * An integer literal; integers beyond 64 bits are an error.
 *
 * @example
 * intLiteral(-5)  // -5
 */
export function intLiteral(n: number, path: ValuePath = []): string {
  if (-intLimit < n && n < intLimit) {
    // Beyond 2^53 String() prints the shortest decimal that reads back as the same double
    // (2^62 → 4611686018427388000), not the integer itself; BigInt prints its exact digits.
    return Number.isSafeInteger(n) ? String(n) : BigInt(n).toString();
  }
  throw unrepresentable(path, `the integer ${n} does not fit in Nix's 64-bit integers`);
}

/** The smallest normal double, 2^-1022: Nix's lexer rejects literals below it ("invalid float"). */
const minNormal = 2 ** -1022;
/** A power of two that lifts every subnormal double into the normal range, exactly. */
const lift = 2 ** 600;

/** JavaScript's shortest round-trip decimal, with the decimal point Nix needs to read a float. */
function decimal(n: number): string {
  const s = String(n);
  const e = s.indexOf("e");
  const mantissa = e === -1 ? s : s.slice(0, e);
  if (mantissa.includes(".")) return s;
  return e === -1 ? `${s}.0` : `${mantissa}.0${s.slice(e)}`;
}

/**
 * A float as Nix source with a decimal point, exact to the last bit (JavaScript prints the
 * shortest decimal that reads back as the same double, and Nix reads it with `strtod`). The rare
 * subnormal numbers, which Nix's lexer refuses, become an exact division by a power of two.
 *
 * @example
 * floatLiteral(0)     // 0.0
 * floatLiteral(1e21)  // 1.0e+21
 */
export function floatLiteral(n: number, path: ValuePath = []): string {
  if (!Number.isFinite(n)) throw unrepresentable(path, `${n} is not a number Nix can hold`);
  // Nix has no negative-zero literal (`-0.0` is `0 - 0.0`); the two compare equal anyway.
  if (n === 0) return "0.0";
  if (Math.abs(n) < minNormal) return `(${decimal(n * lift)} / ${decimal(lift)})`;
  return decimal(n);
}
