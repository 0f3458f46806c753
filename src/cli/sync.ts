/** `grove sync`: writes `.grove/types.d.ts` (only when it changed) so editors know the fleet. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { defineCommand } from "citty";
import { knownClasses } from "../classes/index.js";
import { aspectNames, generateTypes, type Project } from "../project/index.js";
import { dirArg, openProject } from "./fleet.js";
import { classOptions } from "./options.js";

/** The types of a fleet, as `grove sync` writes them. */
export function fleetTypes(project: Project): string {
  const config = project.config;
  return generateTypes({
    aspects: aspectNames({ modules: config.modules, aspects: config.aspects }),
    machines: project.machineNames(),
    users: Object.keys(config.users).sort(),
    classes: Object.fromEntries(knownClasses.map((c) => [c, classOptions(c)])),
  });
}

/** Writes `root/.grove/types.d.ts` when its content changed; says whether it did. */
export function writeTypes(root: string, text: string): boolean {
  const dir = join(root, ".grove");
  const file = join(dir, "types.d.ts");
  if (existsSync(file) && readFileSync(file, "utf8") === text) return false;
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, text);
  return true;
}

export const syncCommand = defineCommand({
  meta: {
    name: "sync",
    description: "Write .grove/types.d.ts: the fleet's names and options, for editors and tsc",
  },
  args: { ...dirArg },
  async run({ args }) {
    const { root, project } = await openProject(args.dir);
    const changed = writeTypes(root, fleetTypes(project));
    process.stdout.write(changed ? "wrote .grove/types.d.ts\n" : ".grove/types.d.ts is up to date\n");
  },
});
