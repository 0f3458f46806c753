/**
 * The `lib` functions that re-create Grove's definition wrappers in Nix. Priorities and orders
 * that have a named function use it (`lib.mkForce`, `lib.mkBefore`), others the numeric form.
 */
import { floatLiteral, intLiteral } from "./numbers.js";
import type { ValuePath } from "./unrepresentable.js";

const overrides = new Map<number, string>([
  [10, "lib.mkVMOverride"],
  [50, "lib.mkForce"],
  [60, "lib.mkImageMediaOverride"],
  [1000, "lib.mkDefault"],
  [1500, "lib.mkOptionDefault"],
]);

const orders = new Map<number, string>([
  [500, "lib.mkBefore"],
  [1500, "lib.mkAfter"],
]);

function numberArgument(n: unknown, path: ValuePath): string {
  const text =
    typeof n === "number" && Number.isInteger(n) ? intLiteral(n, path) : floatLiteral(Number(n), path);
  return text.startsWith("-") ? `(${text})` : text;
}

/**
 * The function applied to a value to give it an override priority.
 *
 * @example
 * overrideFunction(50)   // lib.mkForce
 * overrideFunction(900)  // lib.mkOverride 900
 */
export function overrideFunction(priority: number, path: ValuePath = []): string {
  return overrides.get(priority) ?? `lib.mkOverride ${numberArgument(priority, path)}`;
}

/**
 * The function applied to a value to give it an order priority.
 *
 * @example
 * orderFunction(500)  // lib.mkBefore
 * orderFunction(800)  // lib.mkOrder 800
 */
export function orderFunction(priority: number, path: ValuePath = []): string {
  return orders.get(priority) ?? `lib.mkOrder ${numberArgument(priority, path)}`;
}
