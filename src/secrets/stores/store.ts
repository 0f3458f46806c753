/** What every SOPS store (YAML, JSON, dotenv, INI, binary) provides to the format core. */
import { GroveError } from "../../errors.js";
import type { RawMetadata } from "../metadata.js";
import { Branch, Comment, type Value } from "../tree.js";

export type Format = "yaml" | "json" | "dotenv" | "ini" | "binary";

export const FORMATS: readonly Format[] = ["yaml", "json", "dotenv", "ini", "binary"];

/** An encrypted file split into its (still encrypted) documents and its raw `sops` metadata. */
export interface EncryptedParts {
  readonly branches: Branch[];
  readonly metadata: RawMetadata;
}

export interface SopsStore {
  readonly format: Format;
  /** The binary store's single value is raw bytes that SOPS tags `str`. */
  readonly rawStrings: boolean;
  /** Reads a plaintext document (the input of `encrypt`). */
  parsePlain(input: Uint8Array, file?: string): Branch[];
  /** Writes a plaintext document (the output of `decrypt`). */
  emitPlain(branches: readonly Branch[], file?: string): Uint8Array;
  parseEncrypted(text: string, file?: string): EncryptedParts;
  emitEncrypted(branches: readonly Branch[], metadata: RawMetadata): string;
}

const decoder = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/** Decodes UTF-8 text, failing on invalid bytes instead of replacing them. */
export function utf8(input: Uint8Array, format: Format, file?: string): string {
  try {
    return decoder.decode(input);
  } catch {
    throw new GroveError(
      "SecretMalformed",
      `The input is not UTF-8 text, so it cannot be read as ${format}.`,
      {
        file,
        hint: "Use `--input-type binary` to encrypt arbitrary bytes.",
      },
    );
  }
}

export function encodeUtf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** The error for a file a store cannot read; it never quotes the file's content. */
export function malformed(format: Format, what: string, file?: string, line?: number): GroveError {
  return new GroveError("SecretMalformed", `Cannot read the ${format} document: ${what}.`, { file, line });
}

/**
 * Splits the `sops` key off the top level of each document. sops writes the same metadata into every
 * document and reads the first; copies that differ mean the file was tampered with.
 */
export function splitMetadata(docs: readonly Branch[], format: Format, file?: string): EncryptedParts {
  const found: string[] = [];
  let metadata: Value | undefined;
  const branches = docs.map((doc) => {
    const rest = doc.items.filter((item) => {
      if (item instanceof Comment || item.key !== "sops") return true;
      metadata ??= item.value;
      found.push(JSON.stringify(toPlain(item.value)));
      return false;
    });
    return new Branch(rest);
  });
  if (metadata === undefined)
    throw malformed(format, "it has no `sops` metadata, so it is not encrypted", file);
  if (found.some((m) => m !== found[0]))
    throw malformed(format, "its documents carry different `sops` metadata", file);
  return { branches, metadata: toPlain(metadata) as RawMetadata };
}

/** A tree value as plain data (maps to objects, comments dropped): for metadata. */
export function toPlain(v: Value): unknown {
  if (v instanceof Branch) {
    const out: Record<string, unknown> = {};
    for (const item of v.items) if (!(item instanceof Comment)) out[item.key] = toPlain(item.value);
    return out;
  }
  if (Array.isArray(v)) return v.filter((x): x is Value => !(x instanceof Comment)).map(toPlain);
  if (typeof v === "bigint") return Number(v);
  return v;
}

/** Plain data (metadata) as a tree value. */
export function fromPlain(v: unknown): Value {
  if (Array.isArray(v)) return v.map(fromPlain);
  if (v !== null && typeof v === "object" && !(v instanceof Uint8Array))
    return new Branch(Object.entries(v).map(([key, value]) => ({ key, value: fromPlain(value) })));
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v) : v;
  return v as Value;
}

/** A scalar as text, for stores where every value is a string (dotenv, INI). */
export function scalarText(v: Value, format: Format, path: readonly string[], file?: string): string {
  if (v instanceof Branch || Array.isArray(v))
    throw new GroveError("SecretMalformed", `A ${format} file cannot hold a nested map or list.`, {
      file,
      path,
    });
  if (v === null) return "";
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  return String(v);
}
