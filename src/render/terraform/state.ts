import { mkdir, open, readdir, readFile, rm, rmdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GroveError } from "../../errors.js";
import { alive } from "../../process-alive.js";
import {
  decryptText,
  type Env,
  encryptPlaintext,
  findIdentities,
  SecretStore,
  shred,
  writeFileAtomic,
} from "../../secrets/index.js";

/** Where one workspace's files live. */
export interface StatePaths {
  /** The encrypted state in the repository. */
  readonly encrypted: string;
  /** The working folder: `main.tf.json`, terraform's `.terraform/`, and the plaintext during a run. */
  readonly workdir: string;
  /** The folder (mode 0700) the plaintext state lives in during a run. */
  readonly plaintextDir: string;
  /** The plaintext state, where the local backend reads and writes it. */
  readonly plaintext: string;
  /** Where terraform writes the state it could not save to its backend. */
  readonly errored: string;
  readonly lock: string;
  /** The last applied outputs that are not sensitive, in plain JSON: what machines' deploy targets read. */
  readonly outputs: string;
}

/** The local backend's path, relative to the working folder (so that a moved fleet keeps working). */
export const LOCAL_STATE = "state/terraform.tfstate";

const WORKSPACE = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/**
 * The files of a workspace of a fleet.
 *
 * @example
 * statePaths("/srv/fleet", "prod").encrypted; // "/srv/fleet/terraform/prod.tfstate.sops"
 */
export function statePaths(fleet: string, workspace: string): StatePaths {
  if (!WORKSPACE.test(workspace))
    throw new GroveError("Usage", `\`${workspace}\` is not a valid workspace name.`, {
      hint: "Workspace names are letters, digits, `_` and `-`, starting with a letter or digit.",
    });
  const workdir = join(fleet, ".grove", "terraform", workspace);
  const plaintextDir = join(workdir, "state");
  return {
    encrypted: join(fleet, "terraform", `${workspace}.tfstate.sops`),
    outputs: join(fleet, "terraform", `${workspace}.outputs.json`),
    workdir,
    plaintextDir,
    plaintext: join(workdir, LOCAL_STATE),
    errored: join(workdir, "errored.tfstate"),
    lock: join(workdir, "grove.lock"),
  };
}

/** Creates the working folder, private, with a `.gitignore` so that nothing in it is ever committed. */
export async function prepareWorkdir(paths: StatePaths): Promise<void> {
  await mkdir(paths.workdir, { recursive: true, mode: 0o700 });
  await writeFile(
    join(paths.workdir, "..", ".gitignore"),
    "# Grove's Terraform working folders: never commit.\n*\n",
  );
}

async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/** `serial` of a state file's text, or undefined when it is not a readable state. */
function serialOf(bytes: Uint8Array): number | undefined {
  try {
    const serial = (JSON.parse(Buffer.from(bytes).toString("utf8")) as { serial?: unknown }).serial;
    return typeof serial === "number" ? serial : undefined;
  } catch {
    return undefined;
  }
}

export interface StateOptions {
  /** The secret store whose users can read the state. */
  readonly storeDir: string;
  readonly env: Env;
  /** Tells the user what happened to their state (recovered, written). */
  readonly note: (line: string) => void;
}

interface Stored {
  readonly bytes: Uint8Array;
  readonly recipients: readonly string[];
}

/**
 * One run's hold on a workspace's state: the lock, the plaintext in the working folder, and the
 * duty to encrypt it back and shred it.
 */
export class StateSession {
  private constructor(
    readonly paths: StatePaths,
    private readonly opts: StateOptions,
    private readonly recipients: readonly string[],
    private stored: Stored | undefined,
  ) {}

  /**
   * Takes the workspace's lock, recovers what a crashed run left, and decrypts the stored state
   * into the working folder. Checks first that the state can be encrypted again (the store has
   * users) and read (an identity opens it), so a run never starts that could not save its state.
   */
  static async open(paths: StatePaths, opts: StateOptions): Promise<StateSession> {
    const recipients = await admins(opts);
    await lock(paths, opts);
    try {
      const session = new StateSession(paths, opts, recipients, await readStored(paths, opts.env));
      await session.recover();
      await mkdir(paths.plaintextDir, { recursive: true, mode: 0o700 });
      if (session.stored !== undefined) {
        const handle = await open(paths.plaintext, "wx", 0o600);
        try {
          await handle.writeFile(session.stored.bytes);
        } finally {
          await handle.close();
        }
      }
      return session;
    } catch (e) {
      await rm(paths.lock, { force: true });
      throw e;
    }
  }

  /** Plaintext state terraform left: the one it could not save first, else the backend's file. */
  private async leftover(): Promise<Uint8Array | undefined> {
    return (await readIfExists(this.paths.errored)) ?? (await readIfExists(this.paths.plaintext));
  }

  private async recover(): Promise<void> {
    const found = await this.leftover();
    if (found === undefined) return;
    const serial = serialOf(found);
    const storedSerial = this.stored === undefined ? undefined : serialOf(this.stored.bytes);
    if (serial !== undefined && (storedSerial === undefined || serial >= storedSerial)) {
      await this.save(found);
      this.opts.note(
        `recovered the Terraform state an interrupted run left (serial ${serial}) and encrypted it`,
      );
    } else
      this.opts.note(
        "removed a plaintext Terraform state an interrupted run left: the stored state is newer",
      );
    await this.shredPlaintext();
  }

  private async save(bytes: Uint8Array): Promise<void> {
    const text = await encryptPlaintext(bytes, "binary", {
      recipients: this.recipients,
      file: this.paths.encrypted,
    });
    await writeFileAtomic(this.paths.encrypted, text);
    this.stored = { bytes, recipients: this.recipients };
  }

  /** Records the terraform process now running in the lock, beside Grove's own. */
  async running(pid: number | undefined): Promise<void> {
    await writeFile(this.paths.lock, `${process.pid}\n${pid ?? ""}\n`, { mode: 0o600 });
  }

  private async shredPlaintext(): Promise<void> {
    await shred(this.paths.errored);
    let names: string[] = [];
    try {
      names = await readdir(this.paths.plaintextDir);
    } catch {
      return;
    }
    // The state, terraform's `.backup` of the previous one, and its lock info.
    for (const name of names) await shred(join(this.paths.plaintextDir, name));
    await rmdir(this.paths.plaintextDir).catch(() => undefined);
  }

  /**
   * Encrypts the state terraform left if it changed (or the admins changed), shreds the plaintext
   * and releases the lock. Returns whether the stored state was rewritten. If encrypting fails, the
   * plaintext and the lock stay, so that the next run can recover the state instead of losing it.
   */
  async close(): Promise<boolean> {
    const found = await this.leftover();
    const changed =
      found !== undefined &&
      (this.stored === undefined ||
        Buffer.compare(found, this.stored.bytes) !== 0 ||
        !sameSet(this.stored.recipients, this.recipients));
    if (changed) await this.save(found);
    await this.shredPlaintext();
    await rm(this.paths.lock, { force: true });
    return changed;
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** The age recipients of the secret store's users: who may read the state. */
async function admins(opts: StateOptions): Promise<string[]> {
  const users = await new SecretStore(opts.storeDir, opts.env).listKeyHolders("user");
  if (users.length === 0)
    throw new GroveError(
      "SecretNoRecipients",
      "The secret store has no users to encrypt the Terraform state to.",
      {
        file: opts.storeDir,
        hint: "Register yourself first: `grove secrets init --user NAME` (the state is encrypted to every user of the store).",
      },
    );
  return users.map((u) => u.age);
}

async function readStored(paths: StatePaths, env: Env): Promise<Stored | undefined> {
  const text = await readIfExists(paths.encrypted);
  if (text === undefined) return undefined;
  const d = await decryptText(
    text.toString("utf8"),
    "binary",
    { identities: await findIdentities(env) },
    paths.encrypted,
  );
  const data = d.plaintext.reveal()[0]?.get("data");
  return {
    bytes: data instanceof Uint8Array ? data : new Uint8Array(),
    recipients: d.metadata.age.map((e) => e.recipient),
  };
}

async function lock(paths: StatePaths, opts: StateOptions): Promise<void> {
  await mkdir(paths.workdir, { recursive: true, mode: 0o700 });
  try {
    const handle = await open(paths.lock, "wx", 0o600);
    await handle.writeFile(`${process.pid}\n`);
    await handle.close();
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  // The lock names the Grove process and the terraform it runs: a killed Grove leaves terraform
  // running on its own, still writing the state, and that must finish first.
  const pids = ((await readIfExists(paths.lock))?.toString("utf8") ?? "")
    .split(/\s+/)
    .map((t) => Number.parseInt(t, 10))
    .filter((n) => Number.isInteger(n) && n > 0);
  const holder = pids.find(alive);
  if (holder !== undefined)
    throw new GroveError("TerraformLocked", `Process ${holder} holds the lock of this workspace.`, {
      file: paths.lock,
    });
  opts.note(`taking over the lock of an interrupted run${pids.length > 0 ? ` (process ${pids[0]})` : ""}`);
  await writeFile(paths.lock, `${process.pid}\n`, { mode: 0o600 });
}
