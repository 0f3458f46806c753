/** Shared test helpers: the shared SOPS vectors, the real tools, and tree ↔ `.plain.json` shapes. */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { formatGoFloat } from "../../src/secrets/cipher.js";
import { Branch, Comment, type ListItem, type Value } from "../../src/secrets/tree.js";

export const REPO = resolve(fileURLToPath(new URL("../..", import.meta.url)));
/** The shared vectors folder (a sibling of the repository, as the tracker lays it out). */
export const VECTORS = process.env.GROVE_SOPS_VECTORS ?? resolve(REPO, "../shared/vectors/sops");
export const VERIFY_PY = resolve(VECTORS, "verify.py");
export const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
export const AGE = "age";

export const vec = (p: string) => resolve(VECTORS, p);

export function identitiesIn(file: string): string[] {
  return readFileSync(vec(file), "utf8")
    .split("\n")
    .filter((l) => l.startsWith("AGE-SECRET-KEY-"));
}

export interface Vector {
  file: string;
  format: "yaml" | "json" | "binary" | "dotenv" | "ini";
  age_identities?: string[];
  pgp_keys?: string[];
  also_unwrap_with?: string[][];
  expect_plain_file?: string;
  data_key_hex_fallback?: string;
}

export function vectors(): Vector[] {
  return (JSON.parse(readFileSync(vec("vectors.json"), "utf8")) as { vectors: Vector[] }).vectors;
}

/** A tree in the typed shape `verify.py` writes to `<file>.plain.json` (`documents`). */
export function typed(v: Value | Comment, rawStrings = false): unknown {
  if (v instanceof Comment) return { comment: v.text };
  if (v instanceof Branch)
    return {
      map: v.items.map((i) =>
        i instanceof Comment ? { comment: i.text } : { key: i.key, value: typed(i.value, rawStrings) },
      ),
    };
  if (Array.isArray(v)) return { list: v.map((x: ListItem) => typed(x, rawStrings)) };
  if (v === null) return { null: null };
  if (typeof v === "string") return { str: v };
  if (typeof v === "bigint") return { int: v.toString() };
  if (typeof v === "number") return { float: formatGoFloat(v) };
  if (typeof v === "boolean") return { bool: v };
  // The binary store's value is a Go string of bytes: verify.py shows it as text.
  return rawStrings
    ? { str: Buffer.from(v).toString("latin1") }
    : { bytes_b64: Buffer.from(v).toString("base64") };
}

/** Runs `verify.py check FILE --identity KEYS`; returns its exit code, stdout and stderr. */
export function verifyCheck(file: string, identityFile: string, format?: string) {
  const args = [
    VERIFY_PY,
    "check",
    file,
    "--identity",
    identityFile,
    ...(format ? ["--format", format] : []),
  ];
  try {
    const stdout = execFileSync(PYTHON, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return { code: 0, stdout, stderr: "" };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, stdout: err.stdout, stderr: err.stderr };
  }
}

/** Unwraps an armored age file (a `sops.age[].enc`) with the real `age` CLI. */
export function ageDecrypt(armored: string, identityFile: string): Buffer {
  return execFileSync(AGE, ["-d", "-i", identityFile], { input: armored });
}
