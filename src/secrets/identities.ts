/**
 * The caller's age identities, found where sops looks for them: the file named by
 * `SOPS_AGE_KEY_FILE`, the keys in `SOPS_AGE_KEY`, and the default keys file
 * (`$XDG_CONFIG_HOME/sops/age/keys.txt`, else `~/.config/sops/age/keys.txt`, or
 * `~/Library/Application Support/sops/age/keys.txt` on macOS). All of them are tried.
 */
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { GroveError } from "../errors.js";
import { writeFileAtomic } from "./atomic-write.js";

export type Env = Readonly<Record<string, string | undefined>>;

/** The identities (`AGE-SECRET-KEY-…` lines) of an age keys file; comments and blank lines are skipped. */
export function parseIdentities(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.startsWith("AGE-SECRET-KEY-"));
}

/** The default keys file sops reads when nothing else is configured. */
export function defaultKeysFile(
  env: Env = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  const home = env.HOME ?? homedir();
  const config =
    env.XDG_CONFIG_HOME ??
    (platform === "darwin" ? join(home, "Library", "Application Support") : join(home, ".config"));
  return join(config, "sops", "age", "keys.txt");
}

/** The keys file Grove writes a new identity to: `SOPS_AGE_KEY_FILE` if set, else the default. */
export function identityFile(env: Env = process.env): string {
  return env.SOPS_AGE_KEY_FILE || defaultKeysFile(env);
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new GroveError(
      "SecretNoIdentity",
      `Cannot read the age keys file (${(e as NodeJS.ErrnoException).code}).`,
      {
        file: path,
      },
    );
  }
}

/** Every identity sops would use, in its order; deduplicated. */
export async function findIdentities(env: Env = process.env): Promise<string[]> {
  const found: string[] = [];
  if (env.SOPS_AGE_KEY_FILE) {
    const text = await readIfExists(env.SOPS_AGE_KEY_FILE);
    if (text === undefined)
      throw new GroveError("SecretNoIdentity", "`SOPS_AGE_KEY_FILE` names a file that does not exist.", {
        file: env.SOPS_AGE_KEY_FILE,
      });
    found.push(...parseIdentities(text));
  }
  if (env.SOPS_AGE_KEY) found.push(...parseIdentities(env.SOPS_AGE_KEY));
  const fallback = defaultKeysFile(env);
  if (fallback !== env.SOPS_AGE_KEY_FILE)
    found.push(...parseIdentities((await readIfExists(fallback)) ?? ""));
  return [...new Set(found)];
}

/** The recipients (`age1…`) of identities. */
export async function recipientsOf(identities: readonly string[]): Promise<string[]> {
  return Promise.all(identities.map((i) => identityToRecipient(i)));
}

/**
 * Makes sure the caller has an identity: returns the recipient of the first one found, or creates a
 * new X25519 identity in {@link identityFile} (mode 0600, in a 0700 folder), as `age-keygen -o` would.
 */
export async function ensureIdentity(
  env: Env = process.env,
): Promise<{ recipient: string; file: string; created: boolean }> {
  const file = identityFile(env);
  const existing = parseIdentities((await readIfExists(file)) ?? "");
  if (existing[0] !== undefined)
    return { recipient: await identityToRecipient(existing[0]), file, created: false };
  const identity = await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  const text = `# created: ${new Date().toISOString()}\n# public key: ${recipient}\n${identity}\n`;
  await writeFileAtomic(file, text, { mode: 0o600, dirMode: 0o700 });
  return { recipient, file, created: true };
}
