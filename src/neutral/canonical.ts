import { force } from "../lib/index.js";

/**
 * Canonical JSON: object keys sorted by UTF-16 code unit, no whitespace — what
 * `nix-instantiate --eval --strict --json` prints. Lazy values are forced on the way.
 */
export function canonicalJson(value: unknown): string {
  const v = force(value);
  if (v === null) return "null";
  switch (typeof v) {
    case "string":
      return JSON.stringify(v);
    case "number":
    case "boolean":
      return String(v);
    case "object": {
      if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
      if (typeof (v as { toJSON?: unknown }).toJSON === "function")
        return canonicalJson((v as { toJSON(): unknown }).toJSON());
      const keys = Object.keys(v).sort();
      let out = "{";
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        out += `${i === 0 ? "" : ","}${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`;
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`cannot serialise a ${typeof v}`);
  }
}
