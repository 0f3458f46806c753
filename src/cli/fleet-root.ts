import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** The `--dir` option every fleet command takes. */
export const dirArg = {
  dir: {
    type: "string",
    description: "The fleet's folder (default: the nearest ancestor with `modules/` or `sops/`)",
    valueHint: "DIR",
  },
} as const;

/**
 * The fleet root, as every command finds it: `--dir`, else the nearest ancestor of the working
 * directory with `modules/` or `sops/` (the secret store), else the working directory.
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
