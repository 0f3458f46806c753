/**
 * The data key, wrapped for each age recipient: an ASCII-armored age file whose payload is the raw
 * 32-byte key (what `sops.age[].enc` holds). All age work goes through `age-encryption` (typage).
 */
import { armor, Decrypter, Encrypter } from "age-encryption";
import { GroveError } from "../errors.js";
import type { AgeEntry } from "./metadata.js";

export const DATA_KEY_BYTES = 32;

const RECIPIENT_RE = /^age1[02-9ac-hj-np-z]+$/;

/** Checks that a string is an age recipient Grove can encrypt to (`age1…`, `age1pq1…`). */
export function checkRecipient(recipient: string, file?: string): void {
  let ok = RECIPIENT_RE.test(recipient);
  if (ok) {
    try {
      new Encrypter().addRecipient(recipient);
    } catch {
      ok = false;
    }
  }
  if (!ok)
    throw new GroveError("SecretBadKey", `\`${recipient}\` is not an age recipient (expected \`age1…\`).`, {
      file,
    });
}

/** Encrypts bytes for one recipient: an ASCII-armored age file, as `age -a -r` writes it. */
export async function encryptArmored(data: Uint8Array, recipient: string): Promise<string> {
  checkRecipient(recipient);
  const e = new Encrypter();
  e.addRecipient(recipient);
  return armor.encode(await e.encrypt(data));
}

/** Wraps the data key for one recipient, as sops does (armored age file, one stanza). */
export async function wrapDataKey(dataKey: Uint8Array, recipient: string): Promise<AgeEntry> {
  return { recipient, enc: await encryptArmored(dataKey, recipient) };
}

/** An age identity without its secret: for error messages only. */
function describeIdentities(n: number): string {
  return n === 1 ? "your age identity" : `any of your ${n} age identities`;
}

/**
 * Unwraps the data key with the first identity that opens one of the entries. Identities are the
 * `AGE-SECRET-KEY-1…` / `AGE-SECRET-KEY-PQ-1…` strings.
 */
export async function unwrapDataKey(
  entries: readonly AgeEntry[],
  identities: readonly string[],
  file?: string,
): Promise<Uint8Array> {
  if (entries.length === 0)
    throw new GroveError("SecretUnsupported", "The data key is not wrapped for any age recipient.", {
      file,
      path: ["sops", "age"],
    });
  if (identities.length === 0)
    throw new GroveError("SecretNoIdentity", "No age identity is available to decrypt this file.", { file });
  const d = new Decrypter();
  for (const id of identities) {
    try {
      d.addIdentity(id);
    } catch {
      // Never echo the identity: it is a private key.
      throw new GroveError(
        "SecretBadKey",
        "One of the age identities is not a valid `AGE-SECRET-KEY-…` string.",
        {
          file,
        },
      );
    }
  }
  let damaged: number | undefined;
  for (const [i, entry] of entries.entries()) {
    let key: Uint8Array;
    try {
      key = await d.decrypt(armor.decode(entry.enc));
    } catch (e) {
      if (!(e instanceof Error && e.message.startsWith("no identity matched"))) damaged ??= i;
      continue;
    }
    if (key.length !== DATA_KEY_BYTES)
      throw new GroveError(
        "SecretMalformed",
        `The wrapped data key has ${key.length} bytes, not ${DATA_KEY_BYTES}.`,
        {
          file,
          path: ["sops", "age", String(i)],
        },
      );
    return key;
  }
  if (damaged !== undefined)
    throw new GroveError(
      "SecretTampered",
      `The wrapped data key for \`${entries[damaged]!.recipient}\` is damaged.`,
      {
        file,
        path: ["sops", "age", String(damaged)],
      },
    );
  throw new GroveError(
    "SecretNoMatchingKey",
    `The file is encrypted for ${entries.map((e) => `\`${e.recipient.slice(0, 16)}…\``).join(", ")}; ${describeIdentities(identities.length)} opened none of them.`,
    { file },
  );
}
