/**
 * Evaluates a benchmark fleet (shared/bench/FLEET-FORMAT.md): a registry evaluation, then one
 * evaluation per machine over its aspects, each answer written as soon as it is known.
 */
import { evalModules } from "../lib/index.js";
import { canonicalJson } from "./canonical.js";
import { caseModules, type Json } from "./translate.js";

export interface Fleet {
  format: string;
  registry: { modules: Json[] };
  machineEval: { machines: string[]; registry: string[]; families: string[] };
  machines: string[];
}

function at(v: any, path: readonly string[]): any {
  for (const p of path) v = v[p];
  return v;
}

/** Evaluates every machine in name order, handing out the canonical JSON answer piece by piece. */
export function evaluateFleet(fleet: Fleet, write: (chunk: string) => void): void {
  const top = evalModules({ modules: caseModules(fleet.registry.modules) }).config;
  const machines = at(top, fleet.machineEval.machines) as Record<
    string,
    { aspects: string[]; module: unknown }
  >;
  const registry = at(top, fleet.machineEval.registry) as Record<string, unknown>;
  const families = [...fleet.machineEval.families].sort();
  const names = Object.keys(machines).sort();
  write("{");
  names.forEach((host, i) => {
    const m = machines[host]!;
    const { config } = evalModules({
      specialArgs: { top },
      modules: [...m.aspects.map((a) => registry[a]), m.module],
    });
    const answer: Record<string, unknown> = {};
    for (const f of families) answer[f] = config[f];
    write(`${i === 0 ? "" : ","}${JSON.stringify(host)}:${canonicalJson(answer)}`);
  });
  write("}");
}
