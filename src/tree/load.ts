/**
 * Loads fleet files: TypeScript without a build step (tsx), with `grove` aliased to this Grove.
 * Each file's default export is a module; it is wrapped with the file's path as its key and
 * location, so errors name the file and the same file is applied once.
 */
import { register } from "node:module";
import { relative } from "node:path";
import { pathToFileURL } from "node:url";
import { register as registerTsx } from "tsx/esm/api";
import { GroveError } from "../errors.js";

let registered = false;

function ensureLoader(): void {
  if (registered) return;
  registered = true;
  process.setSourceMapsEnabled(true);
  register(new URL("./alias-hooks.js", import.meta.url), {
    data: { target: new URL("../index.js", import.meta.url).href },
  });
  registerTsx();
}

/** A fleet file and the module it exports. */
export interface LoadedFile {
  /** Absolute path. */
  readonly path: string;
  /** Path relative to the fleet root, as errors and provenance show it. */
  readonly file: string;
  readonly module: unknown;
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing (no default export)";
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  return `a ${typeof v}`;
}

/** Imports every file (in order) and checks that each default-exports a module. */
export async function loadFiles(paths: readonly string[]): Promise<LoadedFile[]> {
  ensureLoader();
  return Promise.all(
    paths.map(async (path) => {
      const file = relative(process.cwd(), path);
      let ns: { default?: unknown };
      try {
        ns = (await import(pathToFileURL(path).href)) as { default?: unknown };
      } catch (e) {
        if (e instanceof GroveError) throw e;
        const message = e instanceof Error ? e.message : String(e);
        throw new GroveError("ModuleLoadFailed", `${file} could not be loaded: ${message}`, {
          file,
          cause: e,
        });
      }
      const m = ns.default;
      if (m === null || (typeof m !== "object" && typeof m !== "function") || Array.isArray(m)) {
        throw new GroveError("NotAModule", `${file} exports ${describe(m)} as its default, not a module.`, {
          file,
          hint: 'Export a module as the default: `export default aspect("name", { … })`, or an object `{ options, config }`, or a function of `{ config, lib }` returning one.',
        });
      }
      return { path, file, module: { _file: file, key: `file:${file}`, imports: [m] } };
    }),
  );
}
