import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { chmodTree } from "../../src/activate/generation.js";
import {
  type ActivateOptions,
  buildGeneration,
  type HomeSpec,
  type LogEvent,
  switchGeneration,
} from "../../src/activate/index.js";

/** A temporary home with its state folder inside it (as `--home DIR` lays it out) and a fleet repository. */
export interface Sandbox {
  root: string;
  home: string;
  repo: string;
  stateDir: string;
  logs: LogEvent[];
  /** Writes a file into the fleet repository. */
  repoFile(rel: string, content: string, mode?: number): void;
  /** Writes a file into the home, as the user would. */
  userFile(rel: string, content: string): void;
  build(spec: HomeSpec): ReturnType<typeof buildGeneration>;
  switchTo(spec: HomeSpec, opts?: Partial<ActivateOptions>): ReturnType<typeof switchGeneration>;
  options(opts?: Partial<ActivateOptions>): ActivateOptions;
  dispose(): void;
}

export function sandbox(): Sandbox {
  const root = mkdtempSync(join(tmpdir(), "grove-activate-"));
  const home = join(root, "home");
  const repo = join(root, "repo");
  mkdirSync(home);
  mkdirSync(repo);
  const stateDir = join(home, ".local/state/grove/home");
  // Made up front so that snapshots of the home, which leave the state folder out, compare equal.
  mkdirSync(stateDir, { recursive: true });
  const logs: LogEvent[] = [];
  const write = (path: string, content: string, mode?: number) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content, mode === undefined ? {} : { mode });
  };
  const s: Sandbox = {
    root,
    home,
    repo,
    stateDir,
    logs,
    repoFile: (rel, content, mode) => write(join(repo, rel), content, mode),
    userFile: (rel, content) => write(join(home, rel), content),
    build: (spec) => buildGeneration(spec, { repoRoot: repo, stateDir, home }),
    options: (opts = {}) => ({ home, stateDir, logger: (e) => logs.push(e), ...opts }),
    switchTo: (spec, opts = {}) => switchGeneration(s.build(spec), s.options(opts)),
    dispose: () => {
      removeTree(root);
    },
  };
  return s;
}

/** Deletes a tree that may hold read-only generation folders. */
export function removeTree(dir: string): void {
  try {
    chmodTree(dir);
  } catch {
    // Already gone, or partly: rmSync copes.
  }
  rmSync(dir, { recursive: true, force: true });
}

export type Snapshot = Record<string, string>;

/**
 * Every path under `dir` with its kind, mode and content (or link text), leaving out Grove's state
 * folder: equal snapshots mean the home was not changed.
 */
export function snapshot(dir: string, skip = ".local/state/grove"): Snapshot {
  const out: Snapshot = {};
  const walk = (abs: string, rel: string) => {
    for (const name of readdirSync(abs).sort()) {
      const p = join(abs, name);
      const r = rel === "" ? name : `${rel}/${name}`;
      if (r === skip) continue;
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out[r] = `link ${readlinkSync(p)}`;
      else if (st.isDirectory()) {
        out[r] = "dir";
        walk(p, r);
      } else out[r] = `file ${(st.mode & 0o777).toString(8)} ${readFileSync(p, "utf8")}`;
    }
  };
  walk(dir, "");
  return out;
}

export function read(path: string): string {
  return readFileSync(path, "utf8");
}

export function isLink(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() === true;
}

export function exists(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
}
