/**
 * Where vars live, relative to the fleet root:
 *
 * ```
 * vars/per-machine/<machine>/<generator>/.hash          inputs hash and generation id
 * vars/per-machine/<machine>/<generator>/<file>/value   a public file, plain text
 * vars/per-machine/<machine>/<generator>/<file>/secret  a secret file, SOPS binary
 * vars/per-machine/<machine>/<generator>/<file>/recipients.json
 * vars/shared/<generator>/…                             the same, for shared generators
 * ```
 *
 * On a machine, a secret file is deployed to `/run/secrets/vars/<generator>/<file>`; `grove build`
 * copies it to `secrets/vars/…/<generator>/<file>` in its output for sops-nix to decrypt.
 */
import type { NeededFor } from "./spec.js";

/** The folder of a generator's outputs: per machine, or shared (`machine` null). */
export function generatorDir(generator: string, machine: string | null): string {
  return machine === null ? `vars/shared/${generator}` : `vars/per-machine/${machine}/${generator}`;
}

export function hashFile(generator: string, machine: string | null): string {
  return `${generatorDir(generator, machine)}/.hash`;
}

/** The stored file of one output: `value` for public files, `secret` for secret ones. */
export function storedFile(generator: string, machine: string | null, file: string, secret: boolean): string {
  return `${generatorDir(generator, machine)}/${file}/${secret ? "secret" : "value"}`;
}

export function recipientsFile(generator: string, machine: string | null, file: string): string {
  return `${generatorDir(generator, machine)}/${file}/recipients.json`;
}

/** Where the fleet's secret store (`sops/`) keeps a machine's age recipient. */
export function machineKeyFile(machine: string): string {
  return `sops/machines/${machine}.json`;
}

/** The name of a deployed secret file in sops-nix (`sops.secrets.<name>`). */
export function sopsName(generator: string, file: string): string {
  return `vars/${generator}/${file}`;
}

/**
 * Where a secret file is decrypted to on its machine: sops-nix's default path for its name, in
 * the folder of the secrets needed before users are made when it is one of them.
 */
export function deployedPath(generator: string, file: string, neededFor: NeededFor = "services"): string {
  return `${neededFor === "users" ? "/run/secrets-for-users" : "/run/secrets"}/${sopsName(generator, file)}`;
}

/**
 * Where `grove build` copies a deployed secret file in its output: under `secrets/`, the repository
 * folders kept, so that a machine's and a shared generator's files cannot meet.
 */
export function builtFile(generator: string, machine: string | null, file: string): string {
  return `secrets/${generatorDir(generator, machine)}/${file}`;
}
