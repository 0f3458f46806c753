/** How commands find the fleet they work on: `--dir`, else the nearest folder above that holds one. */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { FromConfigOptions } from "../activate/index.js";
import { type Inventory, inventoryExtension } from "../inventory/index.js";
import { fileReader } from "../inventory/vars/view.js";
import { evaluateProject, type Project } from "../project/index.js";
import type { SecretStore } from "../secrets/index.js";
import { findFleetRoot, loadFleet } from "../tree/index.js";

/** The `--dir` option every fleet command takes. */
export const dirArg = {
  dir: {
    type: "string",
    description: "The fleet's folder (default: the nearest folder above with modules/)",
    valueHint: "DIR",
  },
} as const;

/**
 * The fleet root for commands that also work outside a fleet (the secret store): `--dir`, else
 * the nearest ancestor with `modules/` or `sops/`, else the working directory.
 */
export function fleetRoot(dir: string | undefined): string {
  if (dir !== undefined) return resolve(dir);
  let here = process.cwd();
  for (;;) {
    if (existsSync(join(here, "modules")) || existsSync(join(here, "sops"))) return here;
    const up = dirname(here);
    if (up === here) return process.cwd();
    here = up;
  }
}

/**
 * The fleet's project evaluation: discovery, loading, then the project modules, with the
 * inventory (services' modules and the `vars` argument, reading vars from the fleet's folder).
 */
export async function openProject(
  dir: string | undefined,
  options: { cache?: boolean } = {},
): Promise<{ root: string; project: Project; inventory: Inventory }> {
  const root = findFleetRoot(dir);
  const files = await loadFleet(root);
  // The last applied terraform outputs (not secret), for machines whose address terraform made.
  const outputsFile = join(root, "terraform", "default.outputs.json");
  if (existsSync(outputsFile)) {
    const outputs = JSON.parse(readFileSync(outputsFile, "utf8")) as Record<string, unknown>;
    files.push({
      path: outputsFile,
      file: "terraform/default.outputs.json",
      module: { _file: outputsFile, config: { terraform: { outputs } } },
    });
  }
  const extension = inventoryExtension(fileReader(root));
  const project = evaluateProject(
    files.map((f) => f.module),
    [extension],
    options,
  );
  return { root, project, inventory: extension.inventory(project) };
}

/**
 * How a fleet's home configuration meets the fleet's files: `source` paths relative to the root, and
 * `secrets` read from its store (`sops/`), decrypted with the caller's identity only when asked.
 */
export function homeSources(root: string): FromConfigOptions {
  // The store (and its cryptography) is loaded by the first secret read: most commands read none.
  let store: Promise<SecretStore> | undefined;
  const open = () =>
    (store ??= import("../secrets/index.js").then((m) => new m.SecretStore(join(root, "sops"))));
  return {
    sourceKind: (source) => {
      const st = statSync(resolve(root, source), { throwIfNoEntry: false });
      return st === undefined ? undefined : st.isDirectory() ? "folder" : "file";
    },
    secret: (name) => async () => (await (await open()).get(name)).reveal(),
  };
}
