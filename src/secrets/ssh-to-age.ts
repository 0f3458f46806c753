/**
 * ssh-ed25519 → age, as Mic92/ssh-to-age does (and as sops-nix does with `sops.age.sshKeyPaths`):
 * a machine's host key gives its age recipient (public side) and its age identity (private side).
 *
 * - recipient: the ed25519 public point mapped to its X25519 (Montgomery) u-coordinate;
 * - identity: the first 32 bytes of SHA-512(seed), unclamped (X25519 clamps when it uses it).
 */
import { createHash } from "node:crypto";
import { ed25519 } from "@noble/curves/ed25519.js";
import { bech32 } from "@scure/base";
import { GroveError } from "../errors.js";
import { Secret } from "./secret.js";

const KEY_TYPE = "ssh-ed25519";
const OPENSSH_MAGIC = "openssh-key-v1\0";

function badKey(message: string, file?: string): GroveError {
  return new GroveError("SecretBadKey", message, { file });
}

/**
 * Reads the length-prefixed fields of the SSH wire format (RFC 4251 `string`/`uint32`), the
 * container both key formats use.
 */
class SshReader {
  private offset = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly file: string | undefined,
  ) {}

  uint32(): number {
    if (this.offset + 4 > this.buf.length) throw badKey("The SSH key is truncated.", this.file);
    const n = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return n;
  }

  bytes(): Buffer {
    const n = this.uint32();
    if (this.offset + n > this.buf.length) throw badKey("The SSH key is truncated.", this.file);
    const out = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  text(): string {
    return this.bytes().toString("latin1");
  }
}

function encodeAge(hrp: string, bytes: Uint8Array): string {
  return bech32.encode(hrp, bech32.toWords(bytes), false);
}

function ed25519PublicToAge(pub: Uint8Array, file?: string): string {
  if (pub.length !== 32) throw badKey("The ssh-ed25519 public key does not have 32 bytes.", file);
  return encodeAge("age", ed25519.utils.toMontgomery(pub));
}

/**
 * The age recipient of an `ssh-ed25519 AAAA… comment` public key line.
 *
 * @example
 * sshPublicKeyToAge(readFileSync("/etc/ssh/ssh_host_ed25519_key.pub", "utf8")); // "age1…"
 */
export function sshPublicKeyToAge(line: string, file?: string): string {
  const [type, blob] = line.trim().split(/\s+/);
  if (type !== KEY_TYPE || blob === undefined)
    throw badKey("Only `ssh-ed25519` public keys convert to age recipients.", file);
  const r = new SshReader(Buffer.from(blob, "base64"), file);
  if (r.text() !== KEY_TYPE) throw badKey("The public key blob is not an ssh-ed25519 key.", file);
  return ed25519PublicToAge(r.bytes(), file);
}

/**
 * The age identity (`AGE-SECRET-KEY-1…`, kept in a {@link Secret}) and recipient of an unencrypted
 * OpenSSH ed25519 private key (`-----BEGIN OPENSSH PRIVATE KEY-----`).
 */
export function sshPrivateKeyToAge(
  pem: string,
  file?: string,
): { identity: Secret<string>; recipient: string } {
  const body = pem
    .trim()
    .split(/\r?\n/)
    .filter((l) => !l.startsWith("-----"))
    .join("");
  const buf = Buffer.from(body, "base64");
  if (
    !pem.includes("BEGIN OPENSSH PRIVATE KEY") ||
    buf.subarray(0, OPENSSH_MAGIC.length).toString("latin1") !== OPENSSH_MAGIC
  )
    throw badKey("Not an OpenSSH private key.", file);
  const r = new SshReader(buf.subarray(OPENSSH_MAGIC.length), file);
  const cipher = r.text();
  r.text(); // kdf name
  r.bytes(); // kdf options
  if (cipher !== "none")
    throw badKey(
      "The SSH key is protected by a passphrase; convert an unencrypted copy (ssh-keygen -p).",
      file,
    );
  if (r.uint32() !== 1) throw badKey("The SSH key file holds more than one key.", file);
  r.bytes(); // public key blob, repeated inside the private section
  const priv = new SshReader(r.bytes(), file);
  const check = priv.uint32();
  if (check !== priv.uint32()) throw badKey("The SSH key's check bytes differ (wrong or damaged key).", file);
  if (priv.text() !== KEY_TYPE) throw badKey("Only ssh-ed25519 keys convert to age.", file);
  const pub = priv.bytes();
  const secret = priv.bytes(); // seed ‖ public key
  if (secret.length !== 64) throw badKey("The ed25519 private key does not have 64 bytes.", file);
  const scalar = createHash("sha512").update(secret.subarray(0, 32)).digest().subarray(0, 32);
  return {
    identity: new Secret(encodeAge("age-secret-key-", scalar).toUpperCase()),
    recipient: ed25519PublicToAge(pub, file),
  };
}
