/** Finding a fleet on disk and loading its files. */
import { existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { GroveError } from "../errors.js";
import { importTree } from "./discover.js";
import { type LoadedFile, loadFiles } from "./load.js";

/** `--dir DIR` if given, else the nearest ancestor of the working folder holding `modules/`. */
export function findFleetRoot(dir?: string, from: string = process.cwd()): string {
  if (dir !== undefined) {
    const root = resolve(dir);
    if (!existsSync(join(root, "modules")) || !statSync(join(root, "modules")).isDirectory()) {
      throw new GroveError("FleetNotFound", `\`${dir}' has no \`modules/' folder.`, { file: dir });
    }
    return root;
  }
  let cur = resolve(from);
  for (;;) {
    if (existsSync(join(cur, "modules")) && statSync(join(cur, "modules")).isDirectory()) return cur;
    const up = dirname(cur);
    if (up === cur)
      throw new GroveError("FleetNotFound", `No folder with \`modules/' in ${resolve(from)} or above it.`);
    cur = up;
  }
}

/** Every module file of the fleet at `root`, loaded, in discovery order. */
export async function loadFleet(root: string): Promise<LoadedFile[]> {
  return loadFiles(importTree(join(root, "modules")).files());
}
