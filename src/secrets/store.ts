import { access, mkdtemp, open, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GroveError } from "../errors.js";
import { checkRecipient } from "./age-keys.js";
import { writeFileAtomic } from "./atomic-write.js";
import { type Env, findIdentities, recipientsOf } from "./identities.js";
import { parseMetadata } from "./metadata.js";
import { Secret } from "./secret.js";
import { shred } from "./shred.js";
import { type Decrypted, decryptText, encryptPlaintext, reencrypt, rewrap, rotate } from "./sops-file.js";
import { sshPublicKeyToAge } from "./ssh-to-age.js";
import { storeFor } from "./stores/index.js";
import { Branch } from "./tree.js";

export type RecipientKind = "user" | "group" | "machine";

/** A named recipient of a secret: `user:alice`, `group:admins`, `machine:cinnabar`. */
export interface RecipientRef {
  readonly kind: RecipientKind;
  readonly name: string;
}

export interface Recipients {
  users: string[];
  groups: string[];
  machines: string[];
}

export interface SecretInfo {
  readonly name: string;
  readonly recipients: Recipients;
  /** The file's wrapped keys differ from its recipients' current keys (run `updatekeys`). */
  readonly stale: boolean;
}

/** What a change did to the secrets it touched. */
export interface Change {
  readonly secret: string;
  readonly action: "rewrapped" | "rotated" | "unchanged" | "written";
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const SECRET_FILE = "secret";
const RECIPIENTS_FILE = "recipients.json";
const KIND_DIR: Record<RecipientKind, string> = { user: "users", group: "groups", machine: "machines" };
const KIND_KEY: Record<RecipientKind, keyof Recipients> = {
  user: "users",
  group: "groups",
  machine: "machines",
};

/** Checks a user, machine, group or secret name (it becomes a file name). */
export function checkName(name: string, what = "name"): void {
  if (!NAME_RE.test(name) || name.endsWith(".json") || name.endsWith(".tmp"))
    throw new GroveError("SecretBadName", `\`${name}\` is not a valid ${what}.`);
}

/**
 * Parses `user:alice`, `group:admins`, `machine:web1`; a bare name is looked up by the caller.
 *
 * @example
 * parseRecipientRef("group:admins"); // { kind: "group", name: "admins" }
 */
export function parseRecipientRef(text: string): RecipientRef | string {
  const m = /^(user|group|machine)s?:(.+)$/.exec(text);
  if (!m) return text;
  checkName(m[2]!);
  return { kind: m[1] as RecipientKind, name: m[2]! };
}

export function showRef(ref: RecipientRef): string {
  return `${ref.kind}:${ref.name}`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function readJson<T>(path: string, what: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new GroveError("SecretNotFound", `${what} does not exist.`, { file: path });
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new GroveError("SecretMalformed", `${what} is not valid JSON.`, { file: path });
  }
}

function writeJson(path: string, value: unknown): Promise<void> {
  return writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

/** A folder for `edit`'s plaintext: memory-backed `/dev/shm` where there is one, private either way. */
async function privateTempDir(): Promise<string> {
  for (const base of ["/dev/shm", tmpdir()]) {
    try {
      if ((await stat(base)).isDirectory()) return await mkdtemp(join(base, "grove-secret-"));
    } catch {
      // not usable: try the next place
    }
  }
  throw new GroveError("SecretEditorFailed", "Cannot create a private temporary folder for editing.");
}

/**
 * The secret store of a repository.
 *
 * @example
 * const store = new SecretStore("secrets");
 * await store.addUser("alice", "age1…");
 * await store.set("db-password", new Secret(new TextEncoder().encode("hunter2")), [{ kind: "user", name: "alice" }]);
 * (await store.get("db-password")).reveal();
 */
export class SecretStore {
  #identities: Promise<string[]> | undefined;

  constructor(
    readonly root: string,
    private readonly env: Env = process.env,
  ) {}

  private path(kind: RecipientKind, name: string): string {
    return join(this.root, KIND_DIR[kind], `${name}.json`);
  }

  private secretDir(name: string): string {
    return join(this.root, "secrets", name);
  }

  /** The file of a secret (a SOPS binary file). */
  secretFile(name: string): string {
    return join(this.secretDir(name), SECRET_FILE);
  }

  private identities(): Promise<string[]> {
    this.#identities ??= findIdentities(this.env);
    return this.#identities;
  }

  private async names(dir: string, suffix: string): Promise<string[]> {
    let entries: string[];
    try {
      entries = await readdir(join(this.root, dir));
    } catch {
      return [];
    }
    return entries
      .filter((e) => e.endsWith(suffix) && !e.startsWith("."))
      .map((e) => e.slice(0, e.length - suffix.length))
      .sort();
  }

  // ---- users and machines -------------------------------------------------------------------

  /** Registers a user (an admin) with an age recipient. */
  async addUser(name: string, recipient: string): Promise<void> {
    await this.addKeyHolder("user", name, recipient);
  }

  /**
   * Registers a machine by its age recipient or its `ssh-ed25519 …` host public key (converted as
   * ssh-to-age does, so sops-nix's `sshKeyPaths` can decrypt on the machine).
   */
  async addMachine(name: string, key: string): Promise<string> {
    const trimmed = key.trim();
    if (trimmed.startsWith("ssh-")) {
      const recipient = sshPublicKeyToAge(trimmed);
      await this.addKeyHolder("machine", name, recipient, {
        sshHostKey: trimmed.split(/\s+/).slice(0, 2).join(" "),
      });
      return recipient;
    }
    await this.addKeyHolder("machine", name, trimmed);
    return trimmed;
  }

  private async addKeyHolder(
    kind: "user" | "machine",
    name: string,
    recipient: string,
    extra = {},
  ): Promise<void> {
    checkName(name, kind);
    checkRecipient(recipient);
    const file = this.path(kind, name);
    if (await exists(file))
      throw new GroveError("SecretExists", `The ${kind} \`${name}\` already exists.`, {
        file,
        hint: `Remove it first (\`grove secrets ${KIND_DIR[kind]} remove ${name}\`) to change its key.`,
      });
    await writeJson(file, { age: recipient, ...extra });
  }

  /** The age recipient of a user or machine. */
  async keyOf(kind: "user" | "machine", name: string): Promise<string> {
    checkName(name, kind);
    const data = await readJson<{ age?: unknown }>(this.path(kind, name), `The ${kind} \`${name}\``);
    if (typeof data.age !== "string")
      throw new GroveError("SecretMalformed", `The ${kind} \`${name}\` has no \`age\` key.`, {
        file: this.path(kind, name),
      });
    return data.age;
  }

  /** Users or machines with their recipients. */
  async listKeyHolders(kind: "user" | "machine"): Promise<{ name: string; age: string }[]> {
    const names = await this.names(KIND_DIR[kind], ".json");
    return Promise.all(names.map(async (name) => ({ name, age: await this.keyOf(kind, name) })));
  }

  /** Removes a user or machine everywhere, then re-encrypts the secrets it could read with new data keys. */
  async removeKeyHolder(kind: "user" | "machine", name: string): Promise<Change[]> {
    const file = this.path(kind, name);
    await this.keyOf(kind, name);
    return this.changeAccess(async (plan) => {
      for (const [, r] of plan.recipients) r[KIND_KEY[kind]] = r[KIND_KEY[kind]].filter((n) => n !== name);
      if (kind === "user")
        for (const [, members] of plan.groups)
          members.splice(0, members.length, ...members.filter((u) => u !== name));
      plan.removed.push(file);
    });
  }

  // ---- groups -------------------------------------------------------------------------------

  async groupMembers(group: string): Promise<string[]> {
    checkName(group, "group");
    const data = await readJson<{ users?: unknown }>(this.path("group", group), `The group \`${group}\``);
    if (!Array.isArray(data.users) || !data.users.every((u) => typeof u === "string"))
      throw new GroveError("SecretMalformed", `The group \`${group}\` has no \`users\` list.`, {
        file: this.path("group", group),
      });
    return data.users;
  }

  async listGroups(): Promise<{ name: string; users: string[] }[]> {
    const names = await this.names("groups", ".json");
    return Promise.all(names.map(async (name) => ({ name, users: await this.groupMembers(name) })));
  }

  /** Creates a group or adds users to it; secrets granted to the group are re-wrapped for them. */
  async addToGroup(group: string, users: readonly string[]): Promise<Change[]> {
    checkName(group, "group");
    for (const u of users) await this.keyOf("user", u);
    return this.changeAccess(async (plan) => {
      const members = plan.groups.get(group) ?? [];
      plan.groups.set(group, members);
      for (const u of users) if (!members.includes(u)) members.push(u);
    });
  }

  /**
   * Removes users from a group, or (without users) the group itself and its grants; the secrets
   * they could read are re-encrypted with new data keys.
   */
  async removeFromGroup(group: string, users: readonly string[] = []): Promise<Change[]> {
    const current = await this.groupMembers(group);
    for (const u of users)
      if (!current.includes(u))
        throw new GroveError("SecretNotFound", `The user \`${u}\` is not in the group \`${group}\`.`, {
          file: this.path("group", group),
        });
    return this.changeAccess(async (plan) => {
      if (users.length > 0) {
        const members = plan.groups.get(group)!;
        members.splice(0, members.length, ...members.filter((u) => !users.includes(u)));
        return;
      }
      plan.groups.delete(group);
      plan.removed.push(this.path("group", group));
      for (const [, r] of plan.recipients) r.groups = r.groups.filter((g) => g !== group);
    });
  }

  // ---- secrets ------------------------------------------------------------------------------

  async secretNames(): Promise<string[]> {
    let entries: string[];
    try {
      entries = await readdir(join(this.root, "secrets"));
    } catch {
      return [];
    }
    const names: string[] = [];
    for (const e of entries.sort()) if (await exists(this.secretFile(e))) names.push(e);
    return names;
  }

  async recipientsOf(secret: string): Promise<Recipients> {
    checkName(secret, "secret name");
    const file = join(this.secretDir(secret), RECIPIENTS_FILE);
    if (!(await exists(this.secretFile(secret))))
      throw new GroveError("SecretNotFound", `The secret \`${secret}\` does not exist.`, {
        file: this.secretFile(secret),
      });
    const r = await readJson<Partial<Recipients>>(file, `The recipients of \`${secret}\``);
    return { users: r.users ?? [], groups: r.groups ?? [], machines: r.machines ?? [] };
  }

  /** The age keys a set of recipients stands for, with groups expanded. */
  async resolve(r: Recipients, groups?: ReadonlyMap<string, readonly string[]>): Promise<string[]> {
    const users = new Set(r.users);
    for (const g of r.groups) for (const u of groups?.get(g) ?? (await this.groupMembers(g))) users.add(u);
    const keys = [
      ...(await Promise.all([...users].map((u) => this.keyOf("user", u)))),
      ...(await Promise.all(r.machines.map((m) => this.keyOf("machine", m)))),
    ];
    return [...new Set(keys)];
  }

  /** Names and recipients of every secret; never values. */
  async list(): Promise<SecretInfo[]> {
    const out: SecretInfo[] = [];
    for (const name of await this.secretNames()) {
      const recipients = await this.recipientsOf(name);
      const wanted = await this.resolve(recipients);
      out.push({ name, recipients, stale: !sameSet(wanted, await this.wrappedFor(name)) });
    }
    return out;
  }

  /** The recipients the secret's data key is wrapped for now (read from its metadata, no decryption). */
  private async wrappedFor(name: string): Promise<string[]> {
    const file = this.secretFile(name);
    const { metadata } = storeFor("binary").parseEncrypted(await readFile(file, "utf8"), file);
    return parseMetadata(metadata, file).age.map((e) => e.recipient);
  }

  private async refsFor(refs: readonly (RecipientRef | string)[]): Promise<RecipientRef[]> {
    const out: RecipientRef[] = [];
    for (const ref of refs) out.push(typeof ref === "string" ? await this.lookup(ref) : ref);
    for (const ref of out) {
      if (ref.kind === "group") await this.groupMembers(ref.name);
      else await this.keyOf(ref.kind, ref.name);
    }
    return out;
  }

  /** Resolves `kind:name`, or a bare name that names exactly one user, group or machine. */
  async lookup(text: string): Promise<RecipientRef> {
    const parsed = parseRecipientRef(text);
    if (typeof parsed !== "string") return parsed;
    const name = parsed;
    checkName(name, "recipient");
    const kinds: RecipientKind[] = [];
    for (const kind of ["user", "group", "machine"] as const)
      if (await exists(this.path(kind, name))) kinds.push(kind);
    if (kinds.length === 1) return { kind: kinds[0]!, name };
    if (kinds.length === 0)
      throw new GroveError("SecretNotFound", `No user, group or machine is called \`${name}\`.`);
    throw new GroveError("Usage", `\`${name}\` is ambiguous: it is a ${kinds.join(" and a ")}.`, {
      hint: `Say which one: ${kinds.map((k) => `\`${k}:${name}\``).join(" or ")}.`,
    });
  }

  /** The users whose keys match the caller's identities. */
  async callerUsers(): Promise<string[]> {
    const mine = new Set(await recipientsOf(await this.identities()));
    return (await this.listKeyHolders("user")).filter((u) => mine.has(u.age)).map((u) => u.name);
  }

  private async decrypt(name: string): Promise<Decrypted> {
    const file = this.secretFile(name);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch {
      throw new GroveError("SecretNotFound", `The secret \`${name}\` does not exist.`, { file });
    }
    return decryptText(text, "binary", { identities: await this.identities() }, file);
  }

  /**
   * Sets a secret's value. A new secret is encrypted to `recipients` (by default, the caller's own
   * user); an existing one keeps its recipients. Needs no private key: only public keys are used.
   */
  async set(
    name: string,
    value: Secret<Uint8Array>,
    recipients: readonly (RecipientRef | string)[] = [],
  ): Promise<Change> {
    checkName(name, "secret name");
    const dir = this.secretDir(name);
    const isNew = !(await exists(this.secretFile(name)));
    let r: Recipients;
    if (isNew) {
      const refs = await this.refsFor(
        recipients.length > 0
          ? recipients
          : (await this.callerUsers()).map((u) => ({ kind: "user" as const, name: u })),
      );
      r = { users: [], groups: [], machines: [] };
      for (const ref of refs)
        if (!r[KIND_KEY[ref.kind]].includes(ref.name)) r[KIND_KEY[ref.kind]].push(ref.name);
    } else {
      r = await this.recipientsOf(name);
      for (const ref of await this.refsFor(recipients))
        if (!r[KIND_KEY[ref.kind]].includes(ref.name)) r[KIND_KEY[ref.kind]].push(ref.name);
    }
    const keys = await this.resolve(r);
    if (keys.length === 0)
      throw new GroveError("SecretNoRecipients", `The secret \`${name}\` would have no recipients.`);
    const file = this.secretFile(name);
    const text = await encryptPlaintext(value.reveal(), "binary", { recipients: keys, file });
    await writeFileAtomic(file, text);
    await writeJson(join(dir, RECIPIENTS_FILE), r);
    return { secret: name, action: "written" };
  }

  /** Decrypts a secret's value. */
  async get(name: string): Promise<Secret<Uint8Array>> {
    checkName(name, "secret name");
    const d = await this.decrypt(name);
    const data = d.plaintext.reveal()[0]?.get("data");
    return new Secret(data instanceof Uint8Array ? data : new Uint8Array());
  }

  /**
   * Edits a secret: decrypts it into a private temporary file (mode 0600 in a 0700 folder), lets
   * `editFile` change it, re-encrypts it with the same data key if it changed, and shreds the file.
   */
  async edit(name: string, editFile: (path: string) => Promise<void>): Promise<Change> {
    checkName(name, "secret name");
    const d = await this.decrypt(name);
    const dir = await privateTempDir();
    const tmp = join(dir, name);
    try {
      const before = d.plaintext.reveal()[0]?.get("data");
      const original = before instanceof Uint8Array ? before : new Uint8Array();
      const handle = await open(tmp, "wx", 0o600);
      await handle.writeFile(original);
      await handle.close();
      await editFile(tmp);
      const after = await readFile(tmp);
      if (Buffer.compare(after, original) === 0) return { secret: name, action: "unchanged" };
      const file = this.secretFile(name);
      await writeFileAtomic(
        file,
        await reencrypt(d, [new Branch([{ key: "data", value: new Uint8Array(after) }])], { file }),
      );
      return { secret: name, action: "written" };
    } finally {
      await shred(tmp);
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Re-encrypts secrets with new data keys (all of them without names). */
  async rotate(names?: readonly string[]): Promise<Change[]> {
    const out: Change[] = [];
    for (const name of names ?? (await this.secretNames())) {
      const keys = await this.resolve(await this.recipientsOf(name));
      const file = this.secretFile(name);
      await writeFileAtomic(file, await rotate(await this.decrypt(name), keys, { file }));
      out.push({ secret: name, action: "rotated" });
    }
    return out;
  }

  /**
   * Brings secrets' wrapped keys in line with their recipients (all of them without names): new
   * recipients get the data key; if any key was removed, the secret gets a new data key instead.
   */
  async updatekeys(names?: readonly string[]): Promise<Change[]> {
    const out: Change[] = [];
    for (const name of names ?? (await this.secretNames()))
      out.push(await this.sync(name, await this.resolve(await this.recipientsOf(name))));
    return out;
  }

  private async sync(name: string, keys: readonly string[]): Promise<Change> {
    const wrapped = await this.wrappedFor(name);
    if (sameSet(keys, wrapped)) return { secret: name, action: "unchanged" };
    if (keys.length === 0)
      throw new GroveError("SecretNoRecipients", `The secret \`${name}\` would have no recipients left.`, {
        hint: "Grant it to someone else first, or delete the secret's folder.",
      });
    const d = await this.decrypt(name);
    const file = this.secretFile(name);
    const removed = wrapped.some((k) => !keys.includes(k));
    await writeFileAtomic(file, removed ? await rotate(d, keys, { file }) : await rewrap(d, keys, file));
    return { secret: name, action: removed ? "rotated" : "rewrapped" };
  }

  /** Grants a secret to a user, group or machine (re-wraps its data key). */
  async grant(secret: string, ref: RecipientRef | string): Promise<Change> {
    const [r] = await this.refsFor([ref]);
    const recipients = await this.recipientsOf(secret);
    const list = recipients[KIND_KEY[r!.kind]];
    if (!list.includes(r!.name)) list.push(r!.name);
    return this.commitRecipients(secret, recipients);
  }

  /** Revokes a grant; the secret is re-encrypted with a new data key. */
  async revoke(secret: string, ref: RecipientRef | string): Promise<Change> {
    const r = typeof ref === "string" ? await this.lookup(ref) : ref;
    const recipients = await this.recipientsOf(secret);
    const key = KIND_KEY[r.kind];
    if (!recipients[key].includes(r.name))
      throw new GroveError("SecretNotFound", `\`${showRef(r)}\` is not a recipient of \`${secret}\`.`, {
        hint: "Members of a granted group lose access by leaving the group: `grove secrets groups remove GROUP USER`.",
      });
    recipients[key] = recipients[key].filter((n) => n !== r.name);
    return this.commitRecipients(secret, recipients);
  }

  private async commitRecipients(secret: string, recipients: Recipients): Promise<Change> {
    const change = await this.sync(secret, await this.resolve(recipients));
    await writeJson(join(this.secretDir(secret), RECIPIENTS_FILE), recipients);
    return change;
  }

  /**
   * Applies a change to groups and grants: computes every affected secret's new file first (so a
   * failure — e.g. a secret the caller cannot read — changes nothing), then writes them all.
   */
  private async changeAccess(
    mutate: (plan: {
      recipients: Map<string, Recipients>;
      groups: Map<string, string[]>;
      removed: string[];
    }) => Promise<void>,
  ): Promise<Change[]> {
    const names = await this.secretNames();
    const recipients = new Map<string, Recipients>();
    for (const n of names) recipients.set(n, await this.recipientsOf(n));
    const groups = new Map<string, string[]>();
    for (const g of await this.listGroups()) groups.set(g.name, g.users);
    const before = new Map<string, string>();
    for (const g of groups.keys()) before.set(g, JSON.stringify(groups.get(g)));
    const plan = { recipients, groups, removed: [] as string[] };
    await mutate(plan);

    const removedFiles = new Set(plan.removed);
    const writes: [string, string][] = [];
    const changes: Change[] = [];
    for (const name of names) {
      const r = recipients.get(name)!;
      const keys = await this.resolve(r, groups);
      const wrapped = await this.wrappedFor(name);
      const file = this.secretFile(name);
      if (!sameSet(keys, wrapped)) {
        if (keys.length === 0)
          throw new GroveError(
            "SecretNoRecipients",
            `The secret \`${name}\` would have no recipients left.`,
            {
              hint: "Grant it to someone else first.",
            },
          );
        const d = await this.decrypt(name);
        const removed = wrapped.some((k) => !keys.includes(k));
        writes.push([file, removed ? await rotate(d, keys, { file }) : await rewrap(d, keys, file)]);
        changes.push({ secret: name, action: removed ? "rotated" : "rewrapped" });
      }
      writes.push([join(this.secretDir(name), RECIPIENTS_FILE), `${JSON.stringify(r, null, 2)}\n`]);
    }
    for (const [g, users] of groups)
      if (before.get(g) !== JSON.stringify(users) && !removedFiles.has(this.path("group", g)))
        writes.push([this.path("group", g), `${JSON.stringify({ users }, null, 2)}\n`]);
    for (const [file, text] of writes) await writeFileAtomic(file, text);
    for (const file of removedFiles) await rm(file, { force: true });
    return changes;
  }
}
