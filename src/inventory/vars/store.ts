/**
 * The vars in a fleet repository (layout in `layout.ts`): public files in plain text, secret
 * files as SOPS binary files encrypted to the machines that use them plus every admin (the
 * users of the secret store), and a `.hash` per generator recording its inputs hash and a
 * generation id that dependents' hashes include.
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { GroveError, isGroveError } from "../../errors.js";
import {
  decryptText,
  type Env,
  encryptPlaintext,
  findIdentities,
  SecretStore,
  writeFileAtomic,
} from "../../secrets/index.js";
import { encryptedToCurrentKey, sopsRecipients } from "./deployed.js";
import { inputsHash } from "./hash.js";
import { hashFile, recipientsFile, storedFile } from "./layout.js";
import type { Unit } from "./plan.js";
import { fileReader, type VarsReader } from "./view.js";

/** What `.hash` holds. */
export interface Stamp {
  readonly inputs: string;
  readonly generation: string;
}

/**
 * `rekey`: generated and fresh, but a secret file is encrypted to a key one of its machines no
 * longer has (its host key was generated again, or it was added again with another key).
 */
export type UnitState = "fresh" | "missing" | "stale" | "rekey";

export interface UnitStatus {
  readonly unit: Unit;
  readonly state: UnitState;
  /** Files (and `.hash`) that are not stored. */
  readonly missing: readonly string[];
  /** Secret files to encrypt again to their machines' current keys. */
  readonly rekey: readonly string[];
}

/** The vars of one fleet repository. */
export class VarsStore {
  readonly reader: VarsReader;
  readonly secrets: SecretStore;
  #identities: Promise<string[]> | undefined;

  constructor(
    readonly root: string,
    private readonly env: Env = process.env,
  ) {
    this.reader = fileReader(root);
    this.secrets = new SecretStore(join(root, "sops"), env);
  }

  stamp(unit: Unit): Stamp | undefined {
    const text = this.reader.read(hashFile(unit.generator.name, unit.machine));
    return text === undefined ? undefined : (JSON.parse(text) as Stamp);
  }

  /** The inputs hash a unit should have now, from its definition and its dependencies' stamps. */
  expected(unit: Unit, stamps: ReadonlyMap<string, Stamp | undefined>): string {
    const deps: Record<string, string | null> = {};
    for (const [name, id] of Object.entries(unit.dependencies))
      deps[name] = stamps.get(id)?.generation ?? null;
    return inputsHash(unit.generator, deps);
  }

  /** Whether each unit (in plan order) is present and fresh. */
  status(units: readonly Unit[]): UnitStatus[] {
    const stamps = new Map<string, Stamp | undefined>();
    return units.map((unit) => this.unitStatus(unit, stamps));
  }

  /** One unit's status; `stamps` holds its dependencies' stamps and receives its own. */
  unitStatus(unit: Unit, stamps: Map<string, Stamp | undefined>): UnitStatus {
    const stamp = this.stamp(unit);
    stamps.set(unit.id, stamp);
    const missing = Object.entries(unit.generator.files)
      .filter(
        ([f, s]) =>
          this.reader.read(storedFile(unit.generator.name, unit.machine, f, s.secret)) === undefined,
      )
      .map(([f]) => f);
    if (stamp === undefined) missing.push(".hash");
    const state: UnitState =
      missing.length > 0 ? "missing" : stamp!.inputs === this.expected(unit, stamps) ? "fresh" : "stale";
    const rekey = state === "fresh" ? this.outdatedRecipients(unit) : [];
    return { unit, state: rekey.length > 0 ? "rekey" : state, missing, rekey };
  }

  /** The unit's deployed secret files not encrypted to the current key of every machine using them. */
  outdatedRecipients(unit: Unit): string[] {
    const out: string[] = [];
    for (const [file, spec] of Object.entries(unit.generator.files)) {
      if (!spec.secret || !spec.deploy) continue;
      const text = this.reader.read(storedFile(unit.generator.name, unit.machine, file, true));
      if (text !== undefined && unit.machines.some((m) => !encryptedToCurrentKey(this.reader, text, m)))
        out.push(file);
    }
    return out;
  }

  /**
   * The unit's secret files encrypted to other keys than they would be now: a machine's new key,
   * an admin who joined or left the secret store.
   */
  async changedRecipients(unit: Unit): Promise<string[]> {
    const out: string[] = [];
    // The recipients depend only on whether a file is deployed: the store is read once for each.
    const wantedFor = new Map<boolean, Set<string>>();
    for (const [file, spec] of Object.entries(unit.generator.files)) {
      if (!spec.secret) continue;
      const text = this.reader.read(storedFile(unit.generator.name, unit.machine, file, true));
      const keys = text === undefined ? undefined : sopsRecipients(text);
      if (keys === undefined) continue;
      let wanted = wantedFor.get(spec.deploy);
      if (!wanted)
        wantedFor.set(spec.deploy, (wanted = new Set((await this.recipients(unit, spec.deploy)).keys)));
      if (keys.length !== wanted.size || keys.some((k) => !wanted.has(k))) out.push(file);
    }
    return out;
  }

  /** Encrypts files again, unchanged, to their recipients as they are now (the stamp stays). */
  async rekey(unit: Unit, files: readonly string[]): Promise<void> {
    for (const file of files) await this.writeFile(unit, file, await this.readFile(unit, file));
  }

  private identities(): Promise<string[]> {
    this.#identities ??= findIdentities(this.env);
    return this.#identities;
  }

  /** A stored file's content: public as is, secret decrypted with the caller's identities. */
  async readFile(unit: Unit, file: string): Promise<Uint8Array> {
    const spec = unit.generator.files[file]!;
    const path = join(this.root, storedFile(unit.generator.name, unit.machine, file, spec.secret));
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch {
      throw new GroveError(
        "VarsMissing",
        `The var \`${unit.generator.name}/${file}' (${unit.id}) has not been generated.`,
        {
          file: path,
          hint: `Run \`grove vars generate${unit.machine ? ` ${unit.machine}` : ""}\`.`,
        },
      );
    }
    if (!spec.secret) return new TextEncoder().encode(text);
    const d = await decryptText(text, "binary", { identities: await this.identities() }, path);
    const data = d.plaintext.reveal()[0]?.get("data");
    return data instanceof Uint8Array ? data : new Uint8Array();
  }

  /** The age recipients of a unit's secret file: its machines (when deployed) and every admin. */
  async recipients(
    unit: Unit,
    deploy: boolean,
  ): Promise<{ users: string[]; machines: string[]; keys: string[] }> {
    const users = await this.secrets.listKeyHolders("user");
    const machines = deploy ? unit.machines : [];
    const keys = users.map((u) => u.age);
    for (const m of machines) {
      try {
        keys.push(await this.secrets.keyOf("machine", m));
      } catch (e) {
        if (isGroveError(e) && e.code === "SecretNotFound")
          throw new GroveError(
            "VarsNoMachineKey",
            `Machine \`${m}' has no age key to encrypt \`${unit.generator.name}' to.`,
          );
        throw e;
      }
    }
    if (keys.length === 0)
      throw new GroveError("SecretNoRecipients", `The secret var \`${unit.id}' would have no recipients.`, {
        hint: "Register an admin (`grove secrets users add NAME age1…`) or deploy the file to its machines.",
      });
    return { users: users.map((u) => u.name), machines, keys: [...new Set(keys)] };
  }

  /** Stores one output file (atomically; secrets encrypted before they touch the repository). */
  async writeFile(unit: Unit, file: string, content: Uint8Array): Promise<void> {
    const spec = unit.generator.files[file]!;
    const rel = storedFile(unit.generator.name, unit.machine, file, spec.secret);
    if (!spec.secret) {
      await writeFileAtomic(join(this.root, rel), content);
      return;
    }
    const r = await this.recipients(unit, spec.deploy);
    const text = await encryptPlaintext(content, "binary", { recipients: r.keys, file: rel });
    await writeFileAtomic(join(this.root, rel), text);
    await writeFileAtomic(
      join(this.root, recipientsFile(unit.generator.name, unit.machine, file)),
      `${JSON.stringify({ users: r.users, machines: r.machines }, null, 2)}\n`,
    );
  }

  /**
   * Sets one file by hand (`grove vars set`): the generator's inputs hash is kept, and its
   * generation id renewed so that dependents become stale.
   */
  async setFile(unit: Unit, file: string, content: Uint8Array): Promise<void> {
    await this.writeFile(unit, file, content);
    const stamp = this.stamp(unit);
    if (stamp)
      await this.writeStamp(unit, { inputs: stamp.inputs, generation: randomBytes(16).toString("hex") });
  }

  async writeStamp(unit: Unit, stamp: Stamp): Promise<void> {
    await writeFileAtomic(
      join(this.root, hashFile(unit.generator.name, unit.machine)),
      `${JSON.stringify(stamp)}\n`,
    );
  }
}
