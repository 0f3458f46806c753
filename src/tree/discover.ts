/**
 * Discovery (what import-tree does): every module file under one or more roots, in a
 * deterministic depth-first order with names compared byte-wise, skipping `_`-prefixed files and
 * folders, `.d.ts` declarations and anything that is not code.
 */
import { readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { GroveError } from "../errors.js";

const codeFile = /\.(?:ts|mts|js|mjs)$/;

/** Byte-wise order of names (what Nix's sorted attribute names give import-tree). */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** The default rule: code files, not declarations, no `_`-prefixed segment below the root. */
function picked(rel: string): boolean {
  if (!codeFile.test(rel) || rel.endsWith(".d.ts")) return false;
  return !rel.split("/").some((segment) => segment.startsWith("_"));
}

function walk(root: string, dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort(byteOrder)) {
    if (name.startsWith("_") || name.startsWith(".")) continue;
    const full = join(dir, name);
    const st = statSync(full);
    if (st.isDirectory()) walk(root, full, out);
    else if (st.isFile() && picked(relative(root, full).split(sep).join("/"))) out.push(full);
  }
}

type Predicate = (relativePath: string) => boolean;

interface TreeState {
  readonly roots: readonly string[];
  readonly filters: readonly Predicate[];
  readonly maps: readonly ((path: string) => string)[];
}

/**
 * An immutable discovery builder: each method returns a new tree.
 *
 * @example
 * importTree("modules").filterNot((p) => p.endsWith(".pkg.ts")).files()
 */
export class ImportTree {
  constructor(private readonly state: TreeState = { roots: [], filters: [], maps: [] }) {}

  private with(patch: Partial<TreeState>): ImportTree {
    return new ImportTree({ ...this.state, ...patch });
  }

  /** Adds a root folder (roots are scanned in the order they were added). */
  addPath(root: string): ImportTree {
    return this.with({ roots: [...this.state.roots, root] });
  }

  /** Keeps files for which `f(relativePath)` holds; several filters combine with AND. */
  filter(f: Predicate): ImportTree {
    return this.with({ filters: [...this.state.filters, f] });
  }

  filterNot(f: Predicate): ImportTree {
    return this.filter((p) => !f(p));
  }

  /** Keeps files whose root-relative path matches `re` as a whole. */
  match(re: RegExp): ImportTree {
    const whole = new RegExp(`^(?:${re.source})$`, re.flags);
    return this.filter((p) => whole.test(p));
  }

  matchNot(re: RegExp): ImportTree {
    const whole = new RegExp(`^(?:${re.source})$`, re.flags);
    return this.filter((p) => !whole.test(p));
  }

  /** Transforms each selected path after filtering; maps compose in the order added. */
  map(f: (path: string) => string): ImportTree {
    return this.with({ maps: [...this.state.maps, f] });
  }

  /** The selected files, absolute, in discovery order. */
  files(): string[] {
    const out: string[] = [];
    for (const root of this.state.roots) {
      let st: ReturnType<typeof statSync>;
      try {
        st = statSync(root);
      } catch {
        throw new GroveError("FleetNotFound", `The module folder \`${root}' does not exist.`, { file: root });
      }
      const found: string[] = [];
      if (st.isFile()) found.push(root);
      else walk(root, root, found);
      for (const file of found) {
        const rel = st.isFile() ? file : relative(root, file).split(sep).join("/");
        if (this.state.filters.every((f) => f(rel))) out.push(this.state.maps.reduce((p, m) => m(p), file));
      }
    }
    return out;
  }
}

/** A discovery tree over `roots`. */
export function importTree(...roots: string[]): ImportTree {
  return roots.reduce((t, r) => t.addPath(r), new ImportTree());
}
