/**
 * Aspect resolution: the modules of one class that a list of aspect names stands for, with
 * `includes` followed and each aspect applied once (identity by name), parametric parts called
 * with the place they are used in.
 */
import { GroveError } from "../errors.js";
import { nearest } from "../lib/show.js";
import type { AspectClasses, MachineInfo, UserInfo } from "./sugar.js";

export interface Registry {
  modules: Record<string, Record<string, unknown>>;
  aspects: Record<string, { includes: string[]; parametric: ((ctx: unknown) => AspectClasses)[] }>;
}

export interface UseSite {
  machine: MachineInfo;
  user?: UserInfo;
  /** Who asked for these aspects, for messages. */
  where: string;
  file?: string | undefined;
}

/** Every aspect name the fleet knows: declared aspects and names in any class registry. */
export function aspectNames(registry: Registry): string[] {
  const names = new Set(Object.keys(registry.aspects));
  for (const cls of Object.keys(registry.modules))
    for (const n of Object.keys(registry.modules[cls]!)) names.add(n);
  return [...names].sort();
}

export function unknownAspect(name: string, known: readonly string[], site: UseSite): GroveError {
  const near = nearest(name, known, 1);
  return new GroveError(
    "UnknownAspect",
    `${site.where} uses the aspect \`${name}', which no module defines.`,
    {
      file: site.file,
      hint:
        near.length > 0
          ? `Did you mean \`${near[0]}'? Aspects are defined with \`aspect("${name}", { … })\`.`
          : `Define it with \`aspect("${name}", { … })\` in a file under modules/.`,
    },
  );
}

/** The modules of class `cls` for `names` at `site`, dependencies (includes) first. */
export function resolveAspects(
  registry: Registry,
  cls: string,
  names: readonly string[],
  site: UseSite,
): unknown[] {
  const known = aspectNames(registry);
  const knownSet = new Set(known);
  const visited = new Set<string>();
  const out: unknown[] = [];
  const generic = registry.modules.generic ?? {};
  const ofClass = registry.modules[cls] ?? {};
  const path: string[] = [];
  const visit = (name: string): void => {
    if (path.includes(name)) {
      const cycle = [...path.slice(path.indexOf(name)), name].join(" → ");
      throw new GroveError("AspectCycle", `The aspects include each other: ${cycle}.`, { file: site.file });
    }
    if (visited.has(name)) return;
    if (!knownSet.has(name)) throw unknownAspect(name, known, site);
    visited.add(name);
    const a = registry.aspects[name];
    path.push(name);
    for (const inc of a?.includes ?? []) visit(inc);
    path.pop();
    if (Object.hasOwn(generic, name)) out.push(generic[name]);
    if (Object.hasOwn(ofClass, name)) out.push(ofClass[name]);
    for (const fn of a?.parametric ?? []) {
      const parts = fn({ machine: site.machine, ...(site.user ? { user: site.user } : {}) });
      const m = (parts as Record<string, unknown> | undefined)?.[cls];
      if (m !== undefined) {
        out.push({
          _class: cls,
          _file: `aspect ${name} (for ${site.where})`,
          key: `grove:aspect.${name}.for.${cls}`,
          imports: [m],
        });
      }
    }
  };
  for (const n of names) visit(n);
  return out;
}
