/**
 * The `sops:` metadata: who the data key is wrapped for, the encrypted MAC, `lastmodified`, the
 * encryption rule and the format version. Stores hand it over as plain data (YAML/JSON) or as
 * flattened `key__list_0__map_sub` pairs (dotenv, INI); this module reads and writes both shapes.
 */
import { GroveError } from "../errors.js";
import { DEFAULT_RULE, type EncryptionRule, RULE_KINDS, type RuleKind } from "./rules.js";

/** The SOPS version Grove writes: the file format of this release is the one Grove implements. */
export const SOPS_VERSION = "3.13.2";

/** One age recipient entry: the recipient and the data key wrapped for it (an armored age file). */
export interface AgeEntry {
  readonly recipient: string;
  readonly enc: string;
}

export interface Metadata {
  readonly age: readonly AgeEntry[];
  readonly lastmodified: string;
  readonly mac: string;
  readonly rule: EncryptionRule;
  readonly macOnlyEncrypted: boolean;
  readonly version: string;
  /** Fields Grove does not interpret (`pgp`, `kms`, …), written back unchanged when only re-wrapping. */
  readonly others: Readonly<Record<string, unknown>>;
}

/** Plain metadata as it appears in YAML/JSON. */
export type RawMetadata = Record<string, unknown>;

const KNOWN = new Set<string>(["age", "lastmodified", "mac", "mac_only_encrypted", "version", ...RULE_KINDS]);
const KEY_SERVICES = ["kms", "gcp_kms", "azure_kv", "hc_vault", "hckms", "pgp", "age"];

function bad(message: string, file: string | undefined): GroveError {
  return new GroveError("SecretMalformed", message, { file, path: ["sops"] });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function nonEmptyList(v: unknown): boolean {
  return Array.isArray(v) && v.length > 0;
}

function readAge(list: unknown, file: string | undefined): AgeEntry[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw bad("`sops.age` is not a list.", file);
  return list.map((e, i) => {
    if (!isRecord(e) || typeof e.recipient !== "string" || typeof e.enc !== "string")
      throw bad(`\`sops.age[${i}]\` needs a \`recipient\` and an \`enc\` string.`, file);
    return { recipient: e.recipient, enc: e.enc };
  });
}

/** Reads and checks plain metadata. */
export function parseMetadata(raw: unknown, file?: string): Metadata {
  if (!isRecord(raw)) throw bad("The file has no `sops` metadata; it is not encrypted with sops.", file);
  const { lastmodified, mac, version } = raw;
  if (typeof lastmodified !== "string") throw bad("`sops.lastmodified` is missing.", file);
  if (typeof mac !== "string") throw bad("`sops.mac` is missing.", file);
  const rules = RULE_KINDS.filter((k) => typeof raw[k] === "string" && raw[k] !== "");
  if (rules.length > 1)
    throw bad(`The metadata sets more than one encryption rule (${rules.join(", ")}).`, file);
  const kind: RuleKind | undefined = rules[0];
  const rule = kind === undefined ? DEFAULT_RULE : { kind, value: raw[kind] as string };

  let age = readAge(raw.age, file);
  // Key groups are only consulted when no top-level key list is set; one group needs no Shamir.
  if (!KEY_SERVICES.some((k) => nonEmptyList(raw[k])) && nonEmptyList(raw.key_groups)) {
    const groups = raw.key_groups as unknown[];
    if (groups.length > 1)
      throw new GroveError(
        "SecretUnsupported",
        "The file splits its data key over several key groups (Shamir).",
        {
          file,
          path: ["sops", "key_groups"],
        },
      );
    age = readAge(isRecord(groups[0]) ? groups[0].age : undefined, file);
  }
  const others: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (!KNOWN.has(k)) others[k] = v;
  // sops parses the version on every decrypt; a damaged one is a damaged file.
  if (typeof version !== "string" || !/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?$/.test(version))
    throw bad("`sops.version` is missing or not a semantic version.", file);
  const moe = raw.mac_only_encrypted;
  return {
    age,
    lastmodified,
    mac,
    rule,
    macOnlyEncrypted: moe === true || (typeof moe === "string" && moe.toLowerCase() === "true"),
    version,
    others,
  };
}

/**
 * Go's `time.Parse(RFC3339)` then `Format(RFC3339)`: the MAC's additional data. Fractional seconds
 * are dropped and a zero offset is written `Z`.
 */
export function macAad(lastmodified: string, file?: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?([Zz]|[+-]\d\d:\d\d)$/.exec(lastmodified);
  if (!m) throw bad(`\`sops.lastmodified\` is not an RFC 3339 time.`, file);
  const zone = m[2]!;
  return m[1]! + (/^(z|[+-]00:00)$/i.test(zone) ? "Z" : zone);
}

/** `lastmodified` for now, in the form SOPS writes (UTC, whole seconds). */
export function nowRfc3339(now: Date = new Date()): string {
  return `${now.toISOString().slice(0, 19)}Z`;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isRecord(v))
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys(v[k])]),
    );
  return v;
}

/** Plain metadata in the order SOPS ≥ 3.13 writes it: alphabetical, recipient entries included. */
export function metadataToRaw(m: Metadata): RawMetadata {
  const raw: RawMetadata = {
    ...m.others,
    lastmodified: m.lastmodified,
    mac: m.mac,
    [m.rule.kind]: m.rule.value,
    version: m.version,
  };
  if (m.age.length > 0) raw.age = m.age.map((e) => ({ enc: e.enc, recipient: e.recipient }));
  if (m.macOnlyEncrypted) raw.mac_only_encrypted = true;
  return sortKeys(raw) as RawMetadata;
}

/** Flattens metadata for dotenv and INI: `age__list_0__map_enc`. Values become strings. */
export function flattenMetadata(raw: RawMetadata): [string, string][] {
  const out: [string, string][] = [];
  const visit = (prefix: string, v: unknown) => {
    if (Array.isArray(v)) for (const [i, x] of v.entries()) visit(`${prefix}__list_${i}`, x);
    else if (isRecord(v))
      for (const [k, x] of Object.entries(v)) visit(prefix === "" ? k : `${prefix}__map_${k}`, x);
    else if (v !== null && v !== undefined) out.push([prefix, String(v)]);
  };
  visit("", raw);
  return out;
}

/** The inverse of {@link flattenMetadata}. */
export function unflattenMetadata(pairs: readonly (readonly [string, string])[]): RawMetadata {
  const root: Record<string, unknown> = {};
  for (const [flat, value] of pairs) {
    const parts = flat.split(/(__map_|__list_)/);
    let node: Record<string, unknown> = root;
    let key = parts[0]!;
    for (let i = 1; i + 1 < parts.length; i += 2) {
      if (node[key] === undefined) node[key] = {};
      node = node[key] as Record<string, unknown>;
      key = parts[i + 1]!;
    }
    node[key] = value;
  }
  // Metadata maps never have numeric keys, so a map whose keys are all indices came from `__list_<i>`.
  const fix = (v: unknown): unknown => {
    if (!isRecord(v)) return v;
    const keys = Object.keys(v);
    if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k)))
      return keys
        .map(Number)
        .sort((a, b) => a - b)
        .map((k) => fix(v[String(k)]));
    return Object.fromEntries(keys.map((k) => [k, fix(v[k])]));
  };
  return fix(root) as RawMetadata;
}
