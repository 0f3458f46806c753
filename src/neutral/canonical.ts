import { jsonText } from "../lib/index.js";

/**
 * Canonical JSON: object keys sorted by UTF-16 code unit, no whitespace — what
 * `nix-instantiate --eval --strict --json` prints. Lazy values are forced on the way.
 */
export function canonicalJson(value: unknown): string {
  return jsonText(value, { sortKeys: true });
}
