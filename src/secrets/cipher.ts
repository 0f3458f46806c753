/**
 * One SOPS value: `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`, AES-256-GCM with a 32-byte IV and the
 * value's path as additional data, plus the byte serialisation SOPS uses for each type (which is
 * also what the MAC hashes).
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { GroveError } from "../errors.js";
import { Comment, type Scalar } from "./tree.js";

export type TypeTag = "str" | "int" | "float" | "bool" | "bytes" | "comment" | "time";

/** Where a value sits, for error messages: never the value itself. */
export interface ValueContext {
  readonly file?: string | undefined;
  readonly path: readonly string[];
}

const ENC_RE = /^ENC\[AES256_GCM,data:(.*),iv:(.+),tag:(.+),type:(.+)\]$/s;
// A plain character class (not a repeated group), so that multi-megabyte values do not overflow the regex stack.
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
const IV_BYTES = 32;
const TAG_BYTES = 16;
const encoder = new TextEncoder();

/** Whether a string is a SOPS-encrypted value. */
export function isEncrypted(s: string): boolean {
  return ENC_RE.test(s);
}

/**
 * Go's `strconv.FormatFloat(f, 'f', -1, 64)`: the shortest digits that round-trip, never an exponent.
 * JavaScript's `String(f)` gives the same digits but switches to exponent notation outside
 * [1e-7, 1e21), so move the decimal point back by hand.
 */
export function formatGoFloat(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (f === Number.POSITIVE_INFINITY) return "+Inf";
  if (f === Number.NEGATIVE_INFINITY) return "-Inf";
  if (Object.is(f, -0)) return "-0";
  const s = String(f);
  const e = s.indexOf("e");
  if (e < 0) return s;
  const negative = s.startsWith("-");
  const mantissa = s.slice(negative ? 1 : 0, e);
  const exponent = Number(s.slice(e + 1));
  const [whole = "", fraction = ""] = mantissa.split(".");
  const digits = whole + fraction;
  const point = whole.length + exponent;
  let out: string;
  if (point <= 0) out = `0.${"0".repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + "0".repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative ? `-${out}` : out;
}

/** The type tag SOPS writes for a scalar (`rawStrings`: bytes are a Go string, as in the binary store). */
export function typeOf(v: Exclude<Scalar, null> | Comment, rawStrings = false): TypeTag {
  if (v instanceof Comment) return "comment";
  if (typeof v === "string") return "str";
  if (typeof v === "bigint") return "int";
  if (typeof v === "number") return "float";
  if (typeof v === "boolean") return "bool";
  return rawStrings ? "str" : "bytes";
}

/** The bytes SOPS encrypts and hashes for a scalar. */
export function plaintextBytes(v: Exclude<Scalar, null> | Comment): Uint8Array {
  if (v instanceof Comment) return encoder.encode(v.text);
  if (typeof v === "string") return encoder.encode(v);
  if (typeof v === "bigint") return encoder.encode(v.toString());
  if (typeof v === "number") return encoder.encode(formatGoFloat(v));
  if (typeof v === "boolean") return encoder.encode(v ? "True" : "False");
  return v;
}

/** Encrypts one value; `iv` is only given by tests and by edits that keep an unchanged value. */
export function encryptValue(
  v: Exclude<Scalar, null> | Comment,
  key: Uint8Array,
  aad: string,
  rawStrings = false,
  iv: Uint8Array = randomBytes(IV_BYTES),
): string {
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(encoder.encode(aad));
  const data = Buffer.concat([cipher.update(plaintextBytes(v)), cipher.final()]);
  const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
  return `ENC[AES256_GCM,data:${b64(data)},iv:${b64(iv)},tag:${b64(cipher.getAuthTag())},type:${typeOf(v, rawStrings)}]`;
}

function decodeBase64(s: string, field: string, ctx: ValueContext): Buffer {
  // Node's decoder skips characters it does not know; a damaged field must fail instead.
  if (s.length % 4 !== 0 || !BASE64_RE.test(s)) throw malformed(`its ${field} is not valid base64`, ctx);
  return Buffer.from(s, "base64");
}

function malformed(what: string, ctx: ValueContext): GroveError {
  return new GroveError("SecretMalformed", `The encrypted value at ${where(ctx)} is malformed: ${what}.`, {
    file: ctx.file,
    path: ctx.path,
  });
}

function where(ctx: ValueContext): string {
  return ctx.path.length === 0 ? "the top level" : `\`${ctx.path.join(".")}\``;
}

/**
 * Decrypts `ENC[…]` bound to `aad`. A failed tag is a {@link GroveError} `SecretTampered`; the type
 * tag turns the bytes back into a scalar (`rawStrings`: `str` stays bytes, for the binary store).
 */
export function decryptValue(
  s: string,
  key: Uint8Array,
  aad: string,
  ctx: ValueContext,
  rawStrings = false,
): Exclude<Scalar, null> | Comment {
  const m = ENC_RE.exec(s);
  if (!m) throw malformed("it is not an `ENC[AES256_GCM,…]` value", ctx);
  const data = decodeBase64(m[1]!, "data", ctx);
  const iv = decodeBase64(m[2]!, "iv", ctx);
  const tag = decodeBase64(m[3]!, "tag", ctx);
  const type = m[4]!;
  if (iv.length === 0) throw malformed("its iv is empty", ctx);
  if (tag.length !== TAG_BYTES) throw malformed(`its tag has ${tag.length} bytes, not ${TAG_BYTES}`, ctx);
  let plain: Buffer;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(encoder.encode(aad));
    decipher.setAuthTag(tag);
    plain = Buffer.concat([decipher.update(data), decipher.final()]);
  } catch {
    throw new GroveError(
      "SecretTampered",
      `The value at ${where(ctx)} does not authenticate (AES-GCM tag mismatch for path \`${aad}\`).`,
      { file: ctx.file, path: ctx.path },
    );
  }
  return fromPlaintext(plain, type, ctx, rawStrings);
}

const TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

function fromPlaintext(
  plain: Buffer,
  type: string,
  ctx: ValueContext,
  rawStrings: boolean,
): Exclude<Scalar, null> | Comment {
  const text = () => plain.toString("utf8");
  switch (type) {
    case "str":
      return rawStrings ? new Uint8Array(plain) : text();
    case "time":
      return text();
    case "comment":
      return new Comment(text());
    case "bytes":
      return new Uint8Array(plain);
    case "int": {
      const t = text();
      if (!/^[+-]?\d+$/.test(t)) throw malformed("its plaintext is not an integer", ctx);
      return BigInt(t);
    }
    case "float": {
      const t = text();
      const special: Record<string, number> = {
        NaN: Number.NaN,
        "+Inf": Infinity,
        "-Inf": -Infinity,
        Inf: Infinity,
      };
      const f =
        t in special
          ? special[t]!
          : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)
            ? Number(t)
            : undefined;
      if (f === undefined) throw malformed("its plaintext is not a number", ctx);
      return f;
    }
    case "bool": {
      const t = text();
      if (TRUE.has(t)) return true;
      if (FALSE.has(t)) return false;
      throw malformed("its plaintext is not a boolean", ctx);
    }
    default:
      throw malformed(`its type \`${type}\` is unknown`, ctx);
  }
}
