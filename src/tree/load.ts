/**
 * Loads fleet files: TypeScript without a build step. esbuild (the transformer tsx is built on)
 * bundles every file of the fleet in one pass, with inline source maps so that errors and
 * definitions keep their TypeScript file and line; `import … from "grove"` is pointed at the
 * running Grove, so a fleet works without installing Grove into it. Each file's default export
 * is a module, wrapped with the file's path as its key and location, so errors name the file and
 * the same file is applied once.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { build, type Message } from "esbuild";
import { GroveError } from "../errors.js";

/** A fleet file and the module it exports. */
export interface LoadedFile {
  /** Absolute path. */
  readonly path: string;
  /** Path relative to the working folder, as errors and provenance show it. */
  readonly file: string;
  readonly module: unknown;
}

const groveEntry = new URL("../index.js", import.meta.url).href;

function describe(v: unknown): string {
  if (v === undefined) return "nothing (no default export)";
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  return `a ${typeof v}`;
}

function loadError(m: Message): GroveError {
  const file = m.location ? relative(process.cwd(), m.location.file) : undefined;
  const where = m.location ? `${file}:${m.location.line}:${m.location.column + 1}` : "the fleet";
  return new GroveError("ModuleLoadFailed", `${where} could not be loaded: ${m.text}`, {
    file,
    line: m.location?.line,
  });
}

/** The file a stack trace points into first, among `paths`. */
function failingFile(e: unknown, paths: readonly string[]): string | undefined {
  const stack = e instanceof Error ? (e.stack ?? "") : "";
  return paths.find((p) => stack.includes(p));
}

/** Imports every file (in order) and checks that each default-exports a module. */
export async function loadFiles(paths: readonly string[]): Promise<LoadedFile[]> {
  if (paths.length === 0) return [];
  process.setSourceMapsEnabled(true);
  const entry = paths.map((p, i) => `export * as m${i} from ${JSON.stringify(p)};`).join("\n");
  let code: string;
  try {
    const result = await build({
      stdin: { contents: entry, resolveDir: process.cwd(), loader: "ts", sourcefile: "grove-fleet-entry.ts" },
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      write: false,
      sourcemap: "inline",
      // Sources resolve from the working folder, not from the temporary bundle.
      sourceRoot: `${pathToFileURL(process.cwd()).href}/`,
      logLevel: "silent",
      plugins: [
        {
          name: "grove",
          setup(b) {
            b.onResolve({ filter: /^grove$/ }, () => ({ path: groveEntry, external: true }));
          },
        },
      ],
      packages: "external",
    });
    code = result.outputFiles[0]!.text;
  } catch (e) {
    const errors = (e as { errors?: Message[] }).errors;
    if (errors && errors.length > 0) throw loadError(errors[0]!);
    throw e;
  }
  const dir = mkdtempSync(join(tmpdir(), "grove-fleet-"));
  const bundle = join(dir, "fleet.mjs");
  writeFileSync(bundle, code);
  let ns: Record<string, { default?: unknown }>;
  try {
    ns = (await import(pathToFileURL(bundle).href)) as Record<string, { default?: unknown }>;
  } catch (e) {
    if (e instanceof GroveError) throw e;
    const failed = failingFile(e, paths);
    const file = failed ? relative(process.cwd(), failed) : undefined;
    const message = e instanceof Error ? e.message : String(e);
    throw new GroveError("ModuleLoadFailed", `${file ?? "a fleet file"} could not be loaded: ${message}`, {
      file,
      cause: e,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return paths.map((path, i) => {
    const file = relative(process.cwd(), path);
    const m = ns[`m${i}`]?.default;
    if (m === null || (typeof m !== "object" && typeof m !== "function") || Array.isArray(m)) {
      throw new GroveError("NotAModule", `${file} exports ${describe(m)} as its default, not a module.`, {
        file,
        hint: 'Export a module as the default: `export default aspect("name", { … })`, or an object `{ options, config }`, or a function of `{ config, lib }` returning one.',
      });
    }
    return { path, file, module: { _file: file, key: `file:${file}`, imports: [m] } };
  });
}
