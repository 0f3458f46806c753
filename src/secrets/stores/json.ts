/**
 * The JSON store. Reading goes through the `yaml` library's JSON schema (JSON is YAML 1.2), which
 * keeps key order — `JSON.parse` moves integer-like keys first — and tells `7` from `7.0`.
 * Writing follows Go's `json.MarshalIndent` with tabs, as SOPS does.
 */
import { isMap, parseDocument } from "yaml";
import { GroveError } from "../../errors.js";
import type { RawMetadata } from "../metadata.js";
import { Branch, Comment, type Value } from "../tree.js";
import { encodeUtf8, fromPlain, malformed, type SopsStore, splitMetadata, utf8 } from "./store.js";
import { parseYamlNode } from "./yaml.js";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Parses a JSON object into a branch, numbers typed as SOPS ≥ 3.13.2 types them. */
export function parseJson(text: string, file?: string): Branch {
  const doc = parseDocument(text, { schema: "json", intAsBigInt: true, prettyErrors: false });
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0];
    throw malformed(
      "json",
      `syntax error${pos ? ` at line ${pos.line}, column ${pos.col}` : ""}`,
      file,
      pos?.line,
    );
  }
  if (!isMap(doc.contents)) throw malformed("json", "the top level is not an object", file);
  return withJsonNumbers(parseYamlNode(doc, doc.contents, text, file)) as Branch;
}

/** An integer literal that does not fit in int64 is a float, as in SOPS. */
function withJsonNumbers(v: Value): Value {
  if (v instanceof Branch)
    return new Branch(
      v.items.map((item) =>
        item instanceof Comment ? item : { key: item.key, value: withJsonNumbers(item.value) },
      ),
    );
  if (Array.isArray(v)) return v.map((x) => (x instanceof Comment ? x : withJsonNumbers(x)));
  if (typeof v === "bigint" && (v < INT64_MIN || v > INT64_MAX)) return Number(v);
  return v;
}

/** Go's `json.Marshal` string: HTML-safe escapes for `<`, `>`, `&`, U+2028 and U+2029. */
function jsonString(s: string): string {
  return JSON.stringify(s).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function jsonValue(v: Value, depth: number, path: readonly string[]): string {
  const pad = "\t".repeat(depth + 1);
  const close = "\t".repeat(depth);
  if (v instanceof Branch) {
    const items = v.items.filter((i) => !(i instanceof Comment)) as { key: string; value: Value }[];
    if (items.length === 0) return "{}";
    const body = items.map(
      (i) => `${pad}${jsonString(i.key)}: ${jsonValue(i.value, depth + 1, [...path, i.key])}`,
    );
    return `{\n${body.join(",\n")}\n${close}}`;
  }
  if (Array.isArray(v)) {
    const items = v.filter((i): i is Value => !(i instanceof Comment));
    if (items.length === 0) return "[]";
    return `[\n${items.map((i) => pad + jsonValue(i, depth + 1, path)).join(",\n")}\n${close}]`;
  }
  if (v === null) return "null";
  if (typeof v === "string") return jsonString(v);
  if (typeof v === "bigint" || typeof v === "boolean") return String(v);
  if (v instanceof Uint8Array) return jsonString(Buffer.from(v).toString("base64"));
  if (!Number.isFinite(v))
    throw new GroveError("SecretMalformed", "JSON cannot hold NaN or infinite numbers.", { path });
  // JavaScript's shortest form matches Go's here, exponent thresholds included.
  return String(v);
}

/** Writes a branch as Go's `json.MarshalIndent(v, "", "\t")` would, with a final newline. */
export function emitJson(branch: Branch): string {
  return `${jsonValue(branch, 0, [])}\n`;
}

function withMetadata(branch: Branch, metadata: RawMetadata): Branch {
  return new Branch([...branch.items, { key: "sops", value: fromPlain(metadata) }]);
}

export const jsonStore: SopsStore = {
  format: "json",
  rawStrings: false,
  parsePlain: (input, file) => [parseJson(utf8(input, "json", file), file)],
  emitPlain: (branches) => encodeUtf8(emitJson(branches[0] ?? new Branch())),
  parseEncrypted: (text, file) => splitMetadata([parseJson(text, file)], "json", file),
  emitEncrypted: (branches, metadata) => emitJson(withMetadata(branches[0] ?? new Branch(), metadata)),
};
