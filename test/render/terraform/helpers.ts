/**
 * A temporary fleet for running the real terraform offline: a secret store with one admin whose age
 * identity is in a keys file, and an environment that points terraform and Grove at it.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { decryptText, SecretStore } from "../../../src/secrets/index.js";

export interface Fleet {
  readonly dir: string;
  readonly env: Record<string, string>;
  readonly identity: string;
}

export async function makeFleet(): Promise<Fleet> {
  const dir = mkdtempSync(join(tmpdir(), "grove-tf-"));
  const home = join(dir, "home");
  mkdirSync(home);
  const identity = await generateX25519Identity();
  const keyFile = join(home, "keys.txt");
  writeFileSync(keyFile, `${identity}\n`, { mode: 0o600 });
  // An empty CLI configuration: no plugin cache, no credentials, nothing from the machine's own.
  const rc = join(home, "terraformrc");
  writeFileSync(rc, "");
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    SOPS_AGE_KEY_FILE: keyFile,
    TF_CLI_CONFIG_FILE: rc,
    CHECKPOINT_DISABLE: "1",
  };
  await new SecretStore(join(dir, "sops"), env).addUser("admin", await identityToRecipient(identity));
  return { dir, env, identity };
}

/** The stored state of a workspace, decrypted. */
export async function storedState(fleet: Fleet, workspace = "default"): Promise<Buffer> {
  const file = join(fleet.dir, "terraform", `${workspace}.tfstate.sops`);
  const d = await decryptText(readFileSync(file, "utf8"), "binary", { identities: [fleet.identity] }, file);
  return Buffer.from(d.plaintext.reveal()[0]!.get("data") as Uint8Array);
}

/** `terraform show -json` of the stored state, decrypted into a scratch folder outside the fleet. */
export async function showState(fleet: Fleet, workspace = "default"): Promise<any> {
  const scratch = mkdtempSync(join(tmpdir(), "grove-tf-show-"));
  const file = join(scratch, "state.tfstate");
  writeFileSync(file, await storedState(fleet, workspace));
  return JSON.parse(
    execFileSync("terraform", ["show", "-json", file], { cwd: scratch, env: fleet.env, encoding: "utf8" }),
  );
}

/** Every file under a folder. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** Files under the fleet that hold Terraform state in plaintext (its `"lineage"` key). */
export function plaintextStates(fleet: Fleet): string[] {
  return filesUnder(fleet.dir).filter((f) => readFileSync(f).includes('"lineage"'));
}

/** The resources of `terraform show -json`, by address. */
export function resources(shown: any): Record<string, any> {
  return Object.fromEntries(
    (shown.values?.root_module?.resources ?? []).map((r: any) => [r.address, r.values]),
  );
}
