/** `grove inventory [--json]`: machines × instances × roles. */
import { defineCommand } from "citty";
import { dirArg, openProject } from "./fleet.js";

export const inventoryCommand = defineCommand({
  meta: { name: "inventory", description: "Show which machines hold which roles of which service instances" },
  args: { json: { type: "boolean", description: "Print JSON" }, ...dirArg },
  async run({ args }) {
    const { project, inventory } = await openProject(args.dir);
    const instances = inventory.instances();
    const machines = Object.fromEntries(
      project
        .machineNames()
        .map((m) => [m, { tags: project.machineInfo(m).tags, roles: inventory.rolesOf(m) }]),
    );
    for (const w of inventory.warnings) process.stderr.write(`warning: ${w}\n`);
    if (args.json) {
      const value = {
        machines,
        instances: Object.fromEntries(
          instances.map((i) => [i.name, { service: i.service.name, roles: i.roles }]),
        ),
      };
      process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      return;
    }
    for (const [m, { tags, roles }] of Object.entries(machines)) {
      process.stdout.write(`${m} [${tags.join(", ")}]\n`);
      for (const r of roles) process.stdout.write(`  ${r.instance} (${r.service}): ${r.role}\n`);
    }
  },
});
