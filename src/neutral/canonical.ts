import { attrsSourceOf, force } from "../lib/index.js";

/** Sorted copies of the (frozen) name lists that lazy attribute sets of one shape share. */
const sorted = new WeakMap<readonly string[], string[]>();
function sortedNames(names: readonly string[]): string[] {
  // Only shared (frozen) lists are worth remembering; others are sorted once and dropped.
  if (!Object.isFrozen(names)) return [...names].sort();
  let s = sorted.get(names);
  if (!s) sorted.set(names, (s = [...names].sort()));
  return s;
}

/** `"key":`, made once per key: configurations repeat the same option names. */
const quoted = new Map<string, string>();
function quotedKey(k: string): string {
  let q = quoted.get(k);
  if (q === undefined) {
    q = `${JSON.stringify(k)}:`;
    if (quoted.size < 100_000) quoted.set(k, q);
  }
  return q;
}

function write(value: unknown, out: string[]): void {
  const v = force(value);
  if (v === null) {
    out.push("null");
    return;
  }
  switch (typeof v) {
    case "string":
      out.push(JSON.stringify(v));
      return;
    case "number":
    case "boolean":
      out.push(String(v));
      return;
    case "object": {
      if (Array.isArray(v)) {
        out.push("[");
        for (let i = 0; i < v.length; i++) {
          if (i > 0) out.push(",");
          write(v[i], out);
        }
        out.push("]");
        return;
      }
      if (typeof (v as { toJSON?: unknown }).toJSON === "function") {
        write((v as { toJSON(): unknown }).toJSON(), out);
        return;
      }
      const source = attrsSourceOf(v);
      const keys = source ? sortedNames(source.names()) : Object.keys(v).sort();
      out.push("{");
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        out.push(i === 0 ? quotedKey(k) : `,${quotedKey(k)}`);
        write(source ? source.value(k) : (v as Record<string, unknown>)[k], out);
      }
      out.push("}");
      return;
    }
    default:
      throw new TypeError(`cannot serialise a ${typeof v}`);
  }
}

/**
 * Canonical JSON: object keys sorted by UTF-16 code unit, no whitespace — what
 * `nix-instantiate --eval --strict --json` prints. Lazy values are forced on the way.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, out);
  return out.join("");
}
