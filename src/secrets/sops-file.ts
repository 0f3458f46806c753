/**
 * A SOPS file as a whole: the walk that encrypts or decrypts every selected leaf while hashing the
 * plaintexts into the MAC, and the operations sops offers on it — encrypt, decrypt, re-wrap the
 * data key for other recipients (`updatekeys`) and rotate the data key. Pure: text in, text out.
 */
import { createHash, randomBytes } from "node:crypto";
import { GroveError } from "../errors.js";
import { checkRecipient, DATA_KEY_BYTES, unwrapDataKey, wrapDataKey } from "./age-keys.js";
import { decryptValue, encryptValue, isEncrypted, plaintextBytes } from "./cipher.js";
import {
  type AgeEntry,
  type Metadata,
  macAad,
  metadataToRaw,
  nowRfc3339,
  parseMetadata,
  SOPS_VERSION,
} from "./metadata.js";
import { DEFAULT_RULE, type EncryptionRule, type Selector, selectorFor } from "./rules.js";
import { Secret } from "./secret.js";
import type { Format } from "./stores/index.js";
import { storeFor } from "./stores/index.js";
import { aadOf, Branch, Comment, type ListItem, type MapItem, type Scalar, type Value } from "./tree.js";

/** With `mac_only_encrypted`, the MAC hash starts from these bytes (sops `MacOnlyEncryptedInitialization`). */
const MAC_ONLY_ENCRYPTED_SEED = Buffer.from(
  "8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69",
  "hex",
);

type Leaf = Exclude<Scalar, null>;

interface Walk {
  /** Transforms one selected or unselected leaf; returns the new leaf and the plaintext to hash. */
  leaf(v: Leaf, path: readonly string[], encrypted: boolean): { out: Leaf; plain: Leaf };
  comment(c: Comment, path: readonly string[], encrypted: boolean): Comment;
}

/**
 * Visits every leaf in document order (the MAC order), tracking the comments directly above each item
 * for the comment rules, and returns the transformed tree and the MAC.
 */
function walkTree(
  branches: readonly Branch[],
  select: Selector,
  macOnlyEncrypted: boolean,
  walk: Walk,
): { branches: Branch[]; mac: string } {
  const hash = createHash("sha512");
  if (macOnlyEncrypted) hash.update(MAC_ONLY_ENCRYPTED_SEED);
  const stack: string[][] = [];

  const visitComment = (c: Comment, path: readonly string[], frame: string[]): Comment => {
    frame.push(c.text);
    return walk.comment(c, path, select(path, stack, true));
  };
  const visitValue = (v: Value, path: readonly string[]): Value => {
    if (v instanceof Branch) return visitBranch(v, path);
    if (Array.isArray(v)) return visitList(v, path);
    if (v === null) return null;
    const encrypted = select(path, stack, false);
    const { out, plain } = walk.leaf(v, path, encrypted);
    if (!macOnlyEncrypted || encrypted) hash.update(plaintextBytes(plain));
    return out;
  };
  const visitList = (list: readonly ListItem[], path: readonly string[]): ListItem[] => {
    const frame: string[] = [];
    stack.push(frame);
    const out = list.map((item) => {
      if (item instanceof Comment) return visitComment(item, path, frame);
      const v = visitValue(item, path);
      frame.length = 0;
      return v;
    });
    stack.pop();
    return out;
  };
  const visitBranch = (b: Branch, path: readonly string[]): Branch => {
    const frame: string[] = [];
    stack.push(frame);
    const items = b.items.map((item): MapItem => {
      if (item instanceof Comment) return visitComment(item, path, frame);
      const value = visitValue(item.value, [...path, item.key]);
      frame.length = 0;
      return { key: item.key, value };
    });
    stack.pop();
    return new Branch(items);
  };
  const out = branches.map((b) => visitBranch(b, []));
  return { branches: out, mac: hash.digest("hex").toUpperCase() };
}

interface Settings {
  readonly rule: EncryptionRule;
  readonly macOnlyEncrypted: boolean;
  readonly rawStrings: boolean;
  readonly file: string | undefined;
}

function encryptBranches(branches: readonly Branch[], key: Uint8Array, s: Settings) {
  return walkTree(branches, selectorFor(s.rule, s.file), s.macOnlyEncrypted, {
    leaf: (v, path, encrypted) => ({
      // sops never encrypts the empty string.
      out: encrypted && v !== "" ? encryptValue(v, key, aadOf(path), s.rawStrings) : v,
      plain: v,
    }),
    comment: (c, path, encrypted) =>
      encrypted && c.text !== "" ? new Comment(encryptValue(c, key, aadOf(path))) : c,
  });
}

function decryptBranches(branches: readonly Branch[], key: Uint8Array, s: Settings) {
  return walkTree(branches, selectorFor(s.rule, s.file), s.macOnlyEncrypted, {
    leaf(v, path, encrypted) {
      if (!encrypted || v === "") return { out: v, plain: v };
      if (typeof v !== "string")
        throw new GroveError(
          "SecretMalformed",
          `The value at \`${path.join(".")}\` should be encrypted but is not.`,
          {
            file: s.file,
            path,
          },
        );
      const out = decryptValue(v, key, aadOf(path), { file: s.file, path }, s.rawStrings);
      if (out instanceof Comment)
        throw new GroveError("SecretMalformed", "A value is tagged as a comment.", { file: s.file, path });
      return { out, plain: out };
    },
    comment(c, path, encrypted) {
      // Comments written before sops 3.7 are clear text: keep them as they are.
      if (!encrypted || !isEncrypted(c.text)) return c;
      const out = decryptValue(c.text, key, aadOf(path), { file: s.file, path });
      return out instanceof Comment ? out : new Comment(String(out));
    },
  });
}

/** Options for writing a new SOPS file. */
export interface EncryptOptions {
  /** age recipients (`age1…`) that can unwrap the data key. */
  readonly recipients: readonly string[];
  /** Which leaves to encrypt; `unencrypted_suffix: _unencrypted` by default, as sops. */
  readonly rule?: EncryptionRule | undefined;
  readonly macOnlyEncrypted?: boolean | undefined;
  /** The file name, for error messages. */
  readonly file?: string | undefined;
  readonly now?: Date | undefined;
}

async function wrapAll(dataKey: Uint8Array, recipients: readonly string[], file: string | undefined) {
  if (recipients.length === 0)
    throw new GroveError("SecretNoRecipients", "Cannot encrypt to an empty list of recipients.", { file });
  for (const r of recipients) checkRecipient(r, file);
  return Promise.all([...new Set(recipients)].map((r) => wrapDataKey(dataKey, r)));
}

async function seal(
  branches: readonly Branch[],
  format: Format,
  dataKey: Uint8Array,
  age: readonly AgeEntry[],
  base: Pick<Metadata, "rule" | "macOnlyEncrypted" | "others">,
  file: string | undefined,
  now: Date | undefined,
): Promise<string> {
  const store = storeFor(format);
  const settings = {
    rule: base.rule,
    macOnlyEncrypted: base.macOnlyEncrypted,
    rawStrings: store.rawStrings,
    file,
  };
  const { branches: encrypted, mac } = encryptBranches(branches, dataKey, settings);
  const lastmodified = nowRfc3339(now);
  const metadata: Metadata = {
    ...base,
    age,
    lastmodified,
    mac: encryptValue(mac, dataKey, macAad(lastmodified)),
    version: SOPS_VERSION,
  };
  return store.emitEncrypted(encrypted, metadataToRaw(metadata));
}

/**
 * Encrypts a document tree into the text of a new SOPS file, with a fresh data key wrapped for each
 * recipient.
 *
 * @example
 * const text = await encryptTree([new Branch([{ key: "password", value: "hunter2" }])], "yaml", {
 *   recipients: ["age1…"],
 * });
 */
export async function encryptTree(
  branches: readonly Branch[],
  format: Format,
  opts: EncryptOptions,
): Promise<string> {
  const dataKey = randomBytes(DATA_KEY_BYTES);
  const age = await wrapAll(dataKey, opts.recipients, opts.file);
  const base = {
    rule: opts.rule ?? DEFAULT_RULE,
    macOnlyEncrypted: opts.macOnlyEncrypted ?? false,
    others: {},
  };
  return seal(branches, format, dataKey, age, base, opts.file, opts.now);
}

/** Encrypts a plaintext file's bytes (parsed as `format`), as `sops -e` does. */
export async function encryptPlaintext(
  plaintext: Uint8Array,
  format: Format,
  opts: EncryptOptions,
): Promise<string> {
  return encryptTree(storeFor(format).parsePlain(plaintext, opts.file), format, opts);
}

/** How to get at the data key: age identities, or (for tests of PGP-wrapped files) the key itself. */
export type KeySource = { readonly identities: readonly string[] } | { readonly dataKey: Uint8Array };

/** A decrypted file: its metadata and, behind {@link Secret}, its plaintext tree and data key. */
export interface Decrypted {
  readonly format: Format;
  readonly metadata: Metadata;
  readonly plaintext: Secret<Branch[]>;
  readonly dataKey: Secret<Uint8Array>;
  /** The MAC recomputed over the plaintext (it matched the stored one). */
  readonly mac: string;
  /** The file's still-encrypted documents, for re-wrapping without touching the values. */
  readonly encrypted: readonly Branch[];
}

/**
 * Decrypts a SOPS file and checks every value's tag and the MAC. Any failure is a `GroveError`
 * naming the file and the key path; nothing is returned unchecked.
 */
export async function decryptText(
  text: string,
  format: Format,
  keys: KeySource,
  file?: string,
): Promise<Decrypted> {
  const store = storeFor(format);
  const { branches, metadata: raw } = store.parseEncrypted(text, file);
  const metadata = parseMetadata(raw, file);
  const dataKey = "dataKey" in keys ? keys.dataKey : await unwrapDataKey(metadata.age, keys.identities, file);
  const settings = {
    rule: metadata.rule,
    macOnlyEncrypted: metadata.macOnlyEncrypted,
    rawStrings: store.rawStrings,
    file,
  };
  const { branches: plain, mac } = decryptBranches(branches, dataKey, settings);
  const stored = decryptValue(metadata.mac, dataKey, macAad(metadata.lastmodified, file), {
    file,
    path: ["sops", "mac"],
  });
  if (stored !== mac)
    throw new GroveError("SecretMacMismatch", "The MAC stored in the file does not match its values.", {
      file,
      path: ["sops", "mac"],
    });
  return {
    format,
    metadata,
    plaintext: new Secret(plain),
    dataKey: new Secret(dataKey),
    mac,
    encrypted: branches,
  };
}

/** The plaintext of a decrypted file written in `format` (the file's own by default), as `sops -d`. */
export function emitPlaintext(d: Decrypted, format: Format = d.format, file?: string): Secret<Uint8Array> {
  let branches = d.plaintext.reveal();
  if (d.format === "binary" && format !== "binary") {
    // Binary plaintext is bytes; other stores hold text.
    const data = branches[0]?.get("data");
    const text = data instanceof Uint8Array ? Buffer.from(data).toString("utf8") : data;
    branches = [new Branch([{ key: "data", value: text ?? null }])];
  }
  return new Secret(storeFor(format).emitPlain(branches, file));
}

/**
 * Re-wraps the same data key for `recipients` (sops `updatekeys`): values, MAC and `lastmodified` stay
 * as they are; entries of recipients that stay are kept byte for byte. A removed recipient that saw
 * the data key before can still use it: follow with {@link rotate} to cut it off.
 */
export async function rewrap(d: Decrypted, recipients: readonly string[], file?: string): Promise<string> {
  const dataKey = d.dataKey.reveal();
  const kept = new Map(d.metadata.age.map((e) => [e.recipient, e]));
  if (recipients.length === 0)
    throw new GroveError("SecretNoRecipients", "Cannot encrypt to an empty list of recipients.", { file });
  const age: AgeEntry[] = [];
  for (const r of new Set(recipients)) age.push(kept.get(r) ?? (await wrapDataKey(dataKey, r)));
  const metadata: Metadata = { ...d.metadata, age };
  return storeFor(d.format).emitEncrypted(d.encrypted, metadataToRaw(metadata));
}

/**
 * Re-encrypts everything with a new data key (sops `rotate`) for `recipients` (by default the file's
 * current age recipients). Key-service entries Grove cannot re-create (PGP, KMS) are dropped.
 */
export async function rotate(
  d: Decrypted,
  recipients: readonly string[] = d.metadata.age.map((e) => e.recipient),
  opts: { file?: string | undefined; now?: Date | undefined } = {},
): Promise<string> {
  const dataKey = randomBytes(DATA_KEY_BYTES);
  const age = await wrapAll(dataKey, recipients, opts.file);
  const others = Object.fromEntries(
    Object.entries(d.metadata.others).filter(
      ([k]) =>
        ![
          "pgp",
          "kms",
          "gcp_kms",
          "azure_kv",
          "hc_vault",
          "hckms",
          "key_groups",
          "shamir_threshold",
        ].includes(k),
    ),
  );
  const base = { rule: d.metadata.rule, macOnlyEncrypted: d.metadata.macOnlyEncrypted, others };
  return seal(d.plaintext.reveal(), d.format, dataKey, age, base, opts.file, opts.now);
}

/** Replaces the plaintext of a decrypted file, keeping its data key, recipients and rule (an edit). */
export async function reencrypt(
  d: Decrypted,
  branches: readonly Branch[],
  opts: { file?: string | undefined; now?: Date | undefined } = {},
): Promise<string> {
  const base = {
    rule: d.metadata.rule,
    macOnlyEncrypted: d.metadata.macOnlyEncrypted,
    others: d.metadata.others,
  };
  return seal(branches, d.format, d.dataKey.reveal(), d.metadata.age, base, opts.file, opts.now);
}
