/**
 * The fleet's generator graph: one unit per (machine, generator), or one per shared generator
 * for all machines that use it, ordered so every unit comes after its dependencies.
 */
import { GroveError } from "../../errors.js";
import type { Inventory } from "../resolve.js";
import { canonicalJson, definitionOf } from "./hash.js";
import type { Generator } from "./spec.js";

/** One generator run: for a machine, or shared (`machine` null). */
export interface Unit {
  /** `<machine>/<generator>`, or `shared/<generator>`. */
  readonly id: string;
  readonly generator: Generator;
  readonly machine: string | null;
  /** The machines that use the outputs (receive the deployed secrets). */
  readonly machines: string[];
  /** Dependency name → unit id. */
  readonly dependencies: Readonly<Record<string, string>>;
}

/**
 * Every unit of the fleet, dependencies first.
 *
 * @example
 * for (const unit of planVars(inventory)) console.log(unit.id);
 */
export function planVars(inventory: Inventory): Unit[] {
  const units = new Map<string, Unit>();
  for (const m of inventory.project.machineNames()) {
    const gens = inventory.generators(m);
    for (const g of gens.values()) {
      const id = g.share ? `shared/${g.name}` : `${m}/${g.name}`;
      const dependencies: Record<string, string> = {};
      for (const dep of g.dependencies) {
        const d = gens.get(dep);
        if (!d || (g.share && !d.share))
          throw new GroveError(
            "VarsBadDependency",
            d
              ? `The shared generator \`${g.name}' depends on \`${dep}', which is not shared.`
              : `The generator \`${g.name}' of machine \`${m}' depends on \`${dep}', which the machine does not use.`,
          );
        dependencies[dep] = d.share ? `shared/${dep}` : `${m}/${dep}`;
      }
      const had = units.get(id);
      if (had) {
        if (canonicalJson(definitionOf(had.generator)) !== canonicalJson(definitionOf(g)))
          throw new GroveError(
            "VarsConflict",
            `The shared generator \`${g.name}' is defined differently for machines \`${had.machines[0]}' (${had.generator.source}) and \`${m}' (${g.source}).`,
          );
        had.machines.push(m);
      } else {
        units.set(id, { id, generator: g, machine: g.share ? null : m, machines: [m], dependencies });
      }
    }
  }
  return order(units);
}

function order(units: ReadonlyMap<string, Unit>): Unit[] {
  const out: Unit[] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (id: string): void => {
    if (done.has(id)) return;
    if (path.includes(id)) {
      const cycle = [...path.slice(path.indexOf(id)), id].map((u) => units.get(u)!.generator.name);
      const unit = units.get(id)!;
      throw new GroveError(
        "VarsCycle",
        `The generators ${unit.machine ? `of machine \`${unit.machine}' ` : ""}depend on each other: ${cycle.join(" → ")}.`,
      );
    }
    path.push(id);
    for (const dep of Object.values(units.get(id)!.dependencies)) visit(dep);
    path.pop();
    done.add(id);
    out.push(units.get(id)!);
  };
  for (const id of [...units.keys()].sort()) visit(id);
  return out;
}
