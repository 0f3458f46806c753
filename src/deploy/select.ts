/**
 * Which targets a `grove deploy` run is about: pure, so a typo stops the run before anything is
 * built, connected to or changed.
 */
import { GroveError } from "../errors.js";
import { nearest } from "../lib/show.js";

/** Where to reach a target over SSH; no target when `host` is null. */
export interface DeployAddress {
  host: string | null;
  user: string;
  port: number;
}

/** Something `grove deploy` can name: a machine, or a standalone home `user@host`. */
export interface Candidate {
  name: string;
  kind: "machine" | "home";
  /** Tags for `@tag` (a machine's include `all` and its class; a standalone home has `all`). */
  tags: readonly string[];
  deploy: DeployAddress;
}

/** A selected target, with the reason it is skipped when it cannot be deployed. */
export interface Selected extends Candidate {
  skip?: string;
}

/**
 * The candidates the selectors name, in the order first named, each once; no selector means `@all`.
 * A machine or home without `deploy.host` is kept but marked skipped. An unknown name or tag throws
 * `UnknownDeployTarget` naming the nearest ones.
 *
 * @example
 * selectTargets(candidates, ["alice@buildbox", "@web"]);
 */
export function selectTargets(candidates: readonly Candidate[], selectors: readonly string[]): Selected[] {
  const chosen = new Map<string, Candidate>();
  for (const sel of selectors.length === 0 ? ["@all"] : selectors) {
    if (sel.startsWith("@")) {
      const tag = sel.slice(1);
      const tagged = candidates.filter((c) => c.tags.includes(tag));
      if (tagged.length === 0) {
        const tags = [...new Set(candidates.flatMap((c) => c.tags))].sort();
        throw unknown(`No machine or home has the tag \`${tag}'.`, tag, tags, "@");
      }
      for (const c of tagged) if (!chosen.has(c.name)) chosen.set(c.name, c);
      continue;
    }
    const c = candidates.find((x) => x.name === sel);
    if (c === undefined) {
      throw unknown(
        `There is no machine or standalone home \`${sel}'.`,
        sel,
        candidates.map((x) => x.name),
        "",
      );
    }
    if (!chosen.has(c.name)) chosen.set(c.name, c);
  }
  return [...chosen.values()].map((c) => {
    if (c.deploy.host === null) return { ...c, skip: "no deploy target (deploy.host is not set)" };
    return { ...c };
  });
}

function unknown(message: string, name: string, names: readonly string[], prefix: string): GroveError {
  const near = nearest(name, names, 3).map((n) => `\`${prefix}${n}'`);
  return new GroveError("UnknownDeployTarget", message, {
    ...(near.length > 0 ? { hint: `Did you mean ${near.join(" or ")}?` } : {}),
  });
}
