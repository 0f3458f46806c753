/**
 * The secret files a machine receives: every secret, deployed file of the generators it uses,
 * which `grove build` hands to sops-nix (as clan does for its sops backend).
 */
import { GroveError } from "../../errors.js";
import { builtFile, machineKeyFile, recipientsFile, sopsName, storedFile } from "./layout.js";
import type { Generator } from "./spec.js";
import type { VarsReader } from "./view.js";

/** One secret file wired into a machine's configuration. */
export interface DeployedSecret {
  /** `vars/<generator>/<file>`: its sops-nix name, decrypted to `/run/secrets/<name>`. */
  readonly name: string;
  /** The encrypted file in the fleet. */
  readonly stored: string;
  /** Its copy in the build output. */
  readonly built: string;
  readonly owner: string;
  /** Null: the class's default group. */
  readonly group: string | null;
  readonly mode: string;
  /** Decrypted before user accounts are made (`/run/secrets-for-users/<name>`). */
  readonly neededForUsers: boolean;
}

/**
 * The secret files a machine receives, sorted by name. A file not generated yet is an error:
 * the machine's configuration would point at a path that never appears.
 *
 * @example
 * deployedSecrets("cinnabar", inventory.generators("cinnabar"), fileReader(root));
 * // [{ name: "vars/ssh-host-key/private", built: "secrets/vars/per-machine/cinnabar/ssh-host-key/private", … }]
 */
export function deployedSecrets(
  machine: string,
  generators: ReadonlyMap<string, Generator>,
  reader: VarsReader,
): DeployedSecret[] {
  const out: DeployedSecret[] = [];
  for (const [gen, g] of generators) {
    const owner = g.share ? null : machine;
    for (const [file, spec] of Object.entries(g.files)) {
      if (!spec.secret || !spec.deploy) continue;
      const stored = storedFile(gen, owner, file, true);
      const text = reader.read(stored);
      if (text === undefined)
        throw new GroveError(
          "VarsMissing",
          `Machine \`${machine}' receives the secret file \`${gen}/${file}', which has not been generated.`,
          { file: stored, hint: `Run \`grove vars generate ${machine}\` before building.` },
        );
      const readers = recipientsOf(reader.read(recipientsFile(gen, owner, file)));
      // Encrypted before this machine used it (a shared generator that gained a machine).
      if (readers !== undefined && !readers.includes(machine))
        throw new GroveError(
          "VarsNotForMachine",
          `Machine \`${machine}' receives the secret file \`${gen}/${file}', but it is encrypted for ${readers.length === 0 ? "no machine" : readers.join(", ")} only: sops-nix could not decrypt it there.`,
          {
            file: stored,
            hint: `Run \`grove vars generate ${machine}\` to encrypt it for every machine using it (its value stays).`,
          },
        );
      // Encrypted before this machine's key changed (a new host key, the machine added again).
      if (!encryptedToCurrentKey(reader, text, machine))
        throw new GroveError(
          "VarsNotForMachine",
          `Machine \`${machine}' receives the secret file \`${gen}/${file}', but it is encrypted for an earlier age key of \`${machine}', not the one the secret store holds now: sops-nix could not decrypt it there.`,
          {
            file: stored,
            hint: `Run \`grove vars generate ${machine}\` to encrypt it to the machine's current key (its value stays).`,
          },
        );
      const neededForUsers = spec.neededFor === "users";
      // Made before any account exists, so only root can own it (sops-nix refuses anything else).
      if (neededForUsers && (spec.owner !== "root" || (spec.group ?? "root") !== "root"))
        throw new GroveError(
          "VarsBadOwner",
          `The secret file \`${gen}/${file}' is needed for users, so it is owned by root; it asks for ${spec.owner}:${spec.group ?? "root"}.`,
          { path: ["vars", "generators", gen, "files", file, "owner"], file: g.source },
        );
      out.push({
        name: sopsName(gen, file),
        stored,
        built: builtFile(gen, owner, file),
        owner: spec.owner,
        group: spec.group,
        mode: spec.mode,
        neededForUsers,
      });
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Whether a stored SOPS file (`text`) is encrypted to the age key the secret store holds for
 * `machine` now; true when either is not known (a machine without a key, a file of another form).
 */
export function encryptedToCurrentKey(reader: VarsReader, text: string, machine: string): boolean {
  const key = ageKeyOf(reader.read(machineKeyFile(machine)));
  const keys = sopsRecipients(text);
  return key === undefined || keys === undefined || keys.includes(key);
}

/** The age recipient in a secret store entry (`{ "age": "age1…" }`), if it has one. */
function ageKeyOf(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    const age = (JSON.parse(text) as { age?: unknown }).age;
    return typeof age === "string" ? age : undefined;
  } catch {
    return undefined;
  }
}

/** The age recipients a SOPS file's metadata lists (`sops.age[].recipient`), if it lists any. */
export function sopsRecipients(text: string): string[] | undefined {
  try {
    const age = (JSON.parse(text) as { sops?: { age?: unknown } }).sops?.age;
    if (!Array.isArray(age)) return undefined;
    return age
      .map((e) => (e as { recipient?: unknown })?.recipient)
      .filter((r): r is string => typeof r === "string");
  } catch {
    return undefined;
  }
}

/** The machines a stored secret file is encrypted for (its `recipients.json`), if recorded. */
function recipientsOf(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  try {
    const machines = (JSON.parse(text) as { machines?: unknown }).machines;
    return Array.isArray(machines) ? machines.filter((m): m is string => typeof m === "string") : undefined;
  } catch {
    return undefined;
  }
}
