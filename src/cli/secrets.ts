/**
 * `grove secrets …`: the repository secret store, and `sops -d`/`sops -e` on any SOPS file.
 * Plaintext reaches stdout only from `get` and `decrypt`; values come in on stdin or from a file,
 * never from argv (which other users can read in the process list).
 */
import { statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { defineCommand } from "citty";
import { execa } from "execa";
import { GroveError } from "../errors.js";
import {
  type Change,
  decryptText,
  emitPlaintext,
  encryptPlaintext,
  ensureIdentity,
  FORMATS,
  type Format,
  findIdentities,
  formatForPath,
  type Recipients,
  Secret,
  SecretStore,
  sshPrivateKeyToAge,
  sshPublicKeyToAge,
  writeFileAtomic,
} from "../secrets/index.js";
import { dirArg, fleetRoot } from "./fleet.js";

/** The store's folder in a fleet (the layout clan uses too: `sops/users`, `sops/secrets`, …). */
const STORE_DIR = "sops";

function storeOf(args: { dir?: string | undefined }): SecretStore {
  return new SecretStore(join(fleetRoot(args.dir), STORE_DIR));
}

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Status goes to stderr so that stdout stays data only. */
function note(line: string): void {
  process.stderr.write(`${line}\n`);
}

function report(changes: readonly Change[]): void {
  for (const c of changes) if (c.action !== "unchanged") note(`${c.secret}: ${c.action}`);
}

/** Every value of a repeatable, comma-separable option (`--to a --to b,c`), read from the raw args. */
function repeated(rawArgs: readonly string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const a = rawArgs[i]!;
    if (a === `--${name}` && rawArgs[i + 1] !== undefined) values.push(rawArgs[++i]!);
    else if (a.startsWith(`--${name}=`)) values.push(a.slice(name.length + 3));
  }
  return values.flatMap((v) => v.split(",")).filter((v) => v !== "");
}

async function readStdin(): Promise<Uint8Array> {
  if (process.stdin.isTTY)
    throw new GroveError("Usage", "The value is read from stdin, which is a terminal here.", {
      hint: "Pipe the value in (`… | grove secrets set NAME`) or pass `--file PATH`; never put it on the command line.",
    });
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function formatArg(value: string | undefined, name: string): Format | undefined {
  if (value === undefined) return undefined;
  if (!(FORMATS as readonly string[]).includes(value))
    throw new GroveError("Usage", `\`--${name} ${value}\` is not a SOPS store.`, {
      hint: `Use one of ${FORMATS.join(", ")}.`,
    });
  return value as Format;
}

async function readInput(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    throw new GroveError("SecretNotFound", `Cannot read the file (${(e as NodeJS.ErrnoException).code}).`, {
      file,
      hint: "Check the path.",
    });
  }
}

function showRecipients(r: Recipients): string {
  const refs = [
    ...r.users.map((u) => `user:${u}`),
    ...r.groups.map((g) => `group:${g}`),
    ...r.machines.map((m) => `machine:${m}`),
  ];
  return refs.join(", ") || "(none)";
}

const init = defineCommand({
  meta: { name: "init", description: "Create your age identity (if you have none) and the store's folders" },
  args: {
    ...dirArg,
    user: { type: "string", description: "Also register yourself as this user", valueHint: "NAME" },
  },
  async run({ args }) {
    const { recipient, file, created } = await ensureIdentity();
    note(created ? `created age identity in ${file} (mode 0600)` : `using the age identity in ${file}`);
    out(recipient);
    if (args.user !== undefined) {
      await storeOf(args).addUser(args.user, recipient);
      note(`registered user ${args.user}`);
    } else note(`register yourself with: grove secrets users add <name> ${recipient}`);
  },
});

function keyHolderCommands(kind: "user" | "machine") {
  const plural = kind === "user" ? "users" : "machines";
  return defineCommand({
    meta: { name: plural, description: `Manage ${plural} and their age keys` },
    subCommands: {
      add: defineCommand({
        meta: {
          name: "add",
          description:
            kind === "user"
              ? "Register a user (admin) with an age recipient"
              : "Register a machine by age recipient or ssh-ed25519 host key",
        },
        args: {
          ...dirArg,
          name: { type: "positional", required: true, description: `The ${kind}'s name` },
          key: {
            type: "positional",
            required: false,
            description:
              kind === "user"
                ? "age recipient (age1…)"
                : "age recipient, or `ssh-ed25519 AAAA…` host public key",
          },
          "ssh-key": {
            type: "string",
            description: "Read the ssh-ed25519 public key from this file (e.g. ssh_host_ed25519_key.pub)",
            valueHint: "FILE",
          },
        },
        async run({ args }) {
          const store = storeOf(args);
          const sshFile = args["ssh-key"] as string | undefined;
          const key = sshFile !== undefined ? (await readInput(sshFile)).toString("utf8") : args.key;
          if (key === undefined) throw new GroveError("Usage", `Give the ${kind}'s key.`);
          if (kind === "user") await store.addUser(args.name, key.trim());
          else out(await store.addMachine(args.name, key));
          note(`added ${kind} ${args.name}`);
        },
      }),
      remove: defineCommand({
        meta: { name: "remove", description: `Remove a ${kind}; secrets it could read get new data keys` },
        args: { ...dirArg, name: { type: "positional", required: true, description: `The ${kind}'s name` } },
        async run({ args }) {
          report(await storeOf(args).removeKeyHolder(kind, args.name));
          note(`removed ${kind} ${args.name}`);
        },
      }),
      list: defineCommand({
        meta: { name: "list", description: `List ${plural} and their age recipients` },
        args: { ...dirArg },
        async run({ args }) {
          for (const h of await storeOf(args).listKeyHolders(kind)) out(`${h.name}\t${h.age}`);
        },
      }),
    },
  });
}

const groups = defineCommand({
  meta: { name: "groups", description: "Manage groups of users" },
  subCommands: {
    add: defineCommand({
      meta: { name: "add", description: "Create a group or add users to it" },
      args: { ...dirArg, group: { type: "positional", required: true, description: "Group name" } },
      async run({ args }) {
        const users = args._.slice(1);
        report(await storeOf(args).addToGroup(args.group, users));
        note(`group ${args.group}: added ${users.join(", ") || "nobody"}`);
      },
    }),
    remove: defineCommand({
      meta: { name: "remove", description: "Remove users from a group, or the whole group" },
      args: { ...dirArg, group: { type: "positional", required: true, description: "Group name" } },
      async run({ args }) {
        const users = args._.slice(1);
        report(await storeOf(args).removeFromGroup(args.group, users));
        note(
          users.length > 0
            ? `group ${args.group}: removed ${users.join(", ")}`
            : `removed group ${args.group}`,
        );
      },
    }),
    list: defineCommand({
      meta: { name: "list", description: "List groups and their members" },
      args: { ...dirArg },
      async run({ args }) {
        for (const g of await storeOf(args).listGroups()) out(`${g.name}\t${g.users.join(", ")}`);
      },
    }),
  },
});

const secretArg = { secret: { type: "positional", required: true, description: "Secret name" } } as const;

const set = defineCommand({
  meta: { name: "set", description: "Set a secret from stdin or --file (never from the command line)" },
  args: {
    ...dirArg,
    ...secretArg,
    file: {
      type: "string",
      description: "Read the value from this file instead of stdin",
      valueHint: "PATH",
    },
    to: {
      type: "string",
      description:
        "Recipients of a new secret: user:NAME, group:NAME, machine:NAME (repeatable; default: you)",
      valueHint: "RECIPIENT",
    },
  },
  async run({ args, rawArgs }) {
    if (args._.length > 1)
      throw new GroveError(
        "Usage",
        "`set` reads the value from stdin or `--file`, never from the command line.",
        {
          hint: "Arguments show in the process list and shell history: pipe the value in (`… | grove secrets set NAME`) or use `--file PATH`.",
        },
      );
    const data = args.file !== undefined ? await readInput(args.file) : await readStdin();
    await storeOf(args).set(args.secret, new Secret(new Uint8Array(data)), repeated(rawArgs, "to"));
    note(`${args.secret}: written`);
  },
});

const get = defineCommand({
  meta: { name: "get", description: "Print a secret's value" },
  args: { ...dirArg, ...secretArg },
  async run({ args }) {
    process.stdout.write((await storeOf(args).get(args.secret)).reveal());
  },
});

/** Runs `$VISUAL`/`$EDITOR` (words split as sops does) on a file, attached to the terminal. */
async function runEditor(path: string): Promise<void> {
  const [cmd = "vi", ...rest] = (process.env.VISUAL || process.env.EDITOR || "vi")
    .split(/\s+/)
    .filter(Boolean);
  const result = await execa(cmd, [...rest, path], { stdio: "inherit", reject: false });
  if (result.failed)
    throw new GroveError(
      "SecretEditorFailed",
      `The editor \`${cmd}\` ${result.exitCode === undefined ? "could not start" : `exited with status ${result.exitCode}`}.`,
    );
}

const edit = defineCommand({
  meta: { name: "edit", description: "Edit a secret in $EDITOR (private temporary file, shredded after)" },
  args: { ...dirArg, ...secretArg },
  async run({ args }) {
    const change = await storeOf(args).edit(args.secret, runEditor);
    note(`${args.secret}: ${change.action}`);
  },
});

const list = defineCommand({
  meta: { name: "list", description: "List secrets and their recipients (never values)" },
  args: { ...dirArg, json: { type: "boolean", description: "Print JSON" } },
  async run({ args }) {
    const infos = await storeOf(args).list();
    if (args.json) out(JSON.stringify(infos, null, 2));
    else
      for (const s of infos)
        out(`${s.name}\t${showRecipients(s.recipients)}${s.stale ? "\t(stale: run updatekeys)" : ""}`);
  },
});

function accessCommand(name: "grant" | "revoke") {
  return defineCommand({
    meta: {
      name,
      description:
        name === "grant"
          ? "Let a user, group or machine read a secret"
          : "Stop a user, group or machine reading a secret (new data key)",
    },
    args: {
      ...dirArg,
      ...secretArg,
      recipient: {
        type: "positional",
        required: true,
        description: "user:NAME, group:NAME, machine:NAME, or a unique NAME",
      },
    },
    async run({ args }) {
      const store = storeOf(args);
      report([
        await (name === "grant"
          ? store.grant(args.secret, args.recipient)
          : store.revoke(args.secret, args.recipient)),
      ]);
    },
  });
}

function bulkCommand(name: "rotate" | "updatekeys") {
  return defineCommand({
    meta: {
      name,
      description:
        name === "rotate"
          ? "Re-encrypt secrets with new data keys (all without names)"
          : "Re-wrap secrets for their current recipients (all without names)",
    },
    args: { ...dirArg },
    async run({ args }) {
      const names = args._.length > 0 ? args._ : undefined;
      const store = storeOf(args);
      report(name === "rotate" ? await store.rotate(names) : await store.updatekeys(names));
    },
  });
}

const decrypt = defineCommand({
  meta: { name: "decrypt", description: "Decrypt any SOPS file to stdout, as `sops -d`" },
  args: {
    file: { type: "positional", required: true, description: "The encrypted file" },
    "input-type": {
      type: "string",
      description: `Store of the file (${FORMATS.join("|")}); default: by extension`,
    },
    "output-type": { type: "string", description: "Store of the output; default: the input's" },
  },
  async run({ args }) {
    const input =
      formatArg(args["input-type"] as string | undefined, "input-type") ?? formatForPath(args.file);
    const output = formatArg(args["output-type"] as string | undefined, "output-type") ?? input;
    const text = (await readInput(args.file)).toString("utf8");
    const d = await decryptText(text, input, { identities: await findIdentities() }, args.file);
    process.stdout.write(emitPlaintext(d, output, args.file).reveal());
  },
});

const encrypt = defineCommand({
  meta: { name: "encrypt", description: "Encrypt a file for age recipients, as `sops -e`" },
  args: {
    file: { type: "positional", required: true, description: "The plaintext file" },
    age: {
      type: "string",
      description: "age recipients (repeatable, or comma-separated)",
      valueHint: "RECIPIENT",
    },
    "input-type": {
      type: "string",
      description: `Store of the file (${FORMATS.join("|")}); default: by extension`,
    },
    "in-place": { type: "boolean", description: "Replace the file (atomically) instead of printing" },
  },
  async run({ args, rawArgs }) {
    const format =
      formatArg(args["input-type"] as string | undefined, "input-type") ?? formatForPath(args.file);
    const recipients = repeated(rawArgs, "age");
    if (recipients.length === 0)
      throw new GroveError("SecretNoRecipients", "Give at least one `--age RECIPIENT`.");
    const plaintext = new Secret(new Uint8Array(await readInput(args.file)));
    const text = await encryptPlaintext(plaintext.reveal(), format, { recipients, file: args.file });
    if (args["in-place"]) await writeFileAtomic(args.file, text, { mode: statSync(args.file).mode & 0o777 });
    else process.stdout.write(text);
  },
});

const sshToAge = defineCommand({
  meta: { name: "ssh-to-age", description: "Print the age recipient of an ssh-ed25519 key (as ssh-to-age)" },
  args: {
    file: {
      type: "positional",
      required: true,
      description: "An ssh-ed25519 public key, or a private key with --private-key",
    },
    "private-key": { type: "boolean", description: "Convert a private key and print the age identity" },
  },
  async run({ args }) {
    const text = (await readInput(args.file)).toString("utf8");
    if (args["private-key"]) out(sshPrivateKeyToAge(text, args.file).identity.reveal());
    else out(sshPublicKeyToAge(text, args.file));
  },
});

/** `grove secrets`: wired into the main command's `subCommands`. */
export const secretsCommand = defineCommand({
  meta: { name: "secrets", description: "SOPS/age secrets: users, machines, groups and who may read what" },
  subCommands: {
    init,
    users: keyHolderCommands("user"),
    machines: keyHolderCommands("machine"),
    groups,
    grant: accessCommand("grant"),
    revoke: accessCommand("revoke"),
    set,
    get,
    edit,
    list,
    rotate: bulkCommand("rotate"),
    updatekeys: bulkCommand("updatekeys"),
    decrypt,
    encrypt,
    "ssh-to-age": sshToAge,
  },
});
