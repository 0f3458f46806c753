/** Opening the fleet a command works on: `--dir`, else the nearest folder with `modules/`. */
import { evaluateProject, type Project } from "../project/index.js";
import { findFleetRoot, loadFleet } from "../tree/index.js";

export const dirArg = {
  dir: {
    type: "string",
    description: "The fleet's folder (default: the nearest folder above with modules/)",
  },
} as const;

export async function openProject(dir: string | undefined): Promise<{ root: string; project: Project }> {
  const root = findFleetRoot(dir);
  const files = await loadFleet(root);
  return { root, project: evaluateProject(files.map((f) => f.module)) };
}
