/**
 * The inventory's hook into machine and home evaluations: a machine imports the modules its
 * roles contribute for its class, homes on it the `home` parts, and both get the `vars` (this
 * machine's) and `fleetVars` (every machine's) module arguments.
 */
import { ComputedAttrs, lazyAttrs } from "../lib/index.js";
import type { Project, ProjectExtension } from "../project/index.js";
import { Inventory } from "./resolve.js";
import type { VarsReader, VarsView } from "./vars/view.js";

/** The inventory extension plus access to the inventory it resolved for a project. */
export interface InventoryExtension extends ProjectExtension {
  inventory(project: Project): Inventory;
}

/**
 * Makes the extension that brings services and vars into a project's evaluations.
 *
 * @example
 * const extension = inventoryExtension(fileReader(root));
 * const project = evaluateProject(modules, [extension]);
 * extension.inventory(project).rolesOf("cinnabar");
 */
export function inventoryExtension(reader: VarsReader): InventoryExtension {
  const inventories = new WeakMap<Project, Inventory>();
  const inventory = (project: Project): Inventory => {
    let inv = inventories.get(project);
    if (!inv) {
      inv = new Inventory(project, reader);
      inventories.set(project, inv);
    }
    return inv;
  };
  const fleetVars = (inv: Inventory): Record<string, VarsView> =>
    lazyAttrs(new ComputedAttrs(inv.project.machineNames(), (m) => inv.vars(m)));
  return {
    inventory,
    machine(project, name) {
      const inv = inventory(project);
      return {
        modules: inv.modules(name, project.machineInfo(name).class),
        args: { vars: inv.vars(name), fleetVars: fleetVars(inv) },
      };
    },
    home(project, _id, host) {
      const inv = inventory(project);
      if (!project.machineNames().includes(host)) return { args: { fleetVars: fleetVars(inv) } };
      return {
        modules: inv.modules(host, "home"),
        args: { vars: inv.vars(host), fleetVars: fleetVars(inv) },
      };
    },
  };
}
