/**
 * Building a generation: resolve every source, hash it, and write an immutable, content-addressed
 * folder `store/<hash>` holding the files and a manifest. Building never touches the home.
 */
import { createHash, randomBytes } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { GroveError } from "../errors.js";
import { layoutOf } from "./layout.js";
import {
  checkSecretMode,
  defaultSecretMode,
  type FileSpec,
  type HomeSpec,
  type SecretProvider,
} from "./spec.js";
import { type ManifestStep, orderSteps } from "./steps.js";
import { normaliseTarget } from "./targets.js";
import { renderTemplate } from "./template.js";

/** One file inside a folder entry. */
export interface FolderItem {
  /** Path inside the folder. */
  path: string;
  hash: string;
  executable: boolean;
}

interface EntryBase {
  /** Path relative to the home. */
  target: string;
  /** Where the content came from, for people reading the manifest. */
  source: string;
  force: boolean;
  onChange: string | null;
}

/** A single file: text, a repository file or a rendered template. */
export interface FileEntry extends EntryBase {
  kind: "file";
  hash: string;
  executable: boolean;
  mutable: boolean;
}

/** A folder, linked whole or (recursive) file by file. */
export interface FolderEntry extends EntryBase {
  kind: "folder";
  recursive: boolean;
  /** Hash of the file list (paths, hashes, modes). */
  hash: string;
  files: FolderItem[];
}

/** A secret, linked to the runtime folder; only its name and file mode are recorded. */
export interface SecretEntry extends EntryBase {
  kind: "secret";
  secret: string;
  /** The decrypted file's mode, four octal digits (manifests older than the field: 0400). */
  mode: string;
}

export type ManifestEntry = FileEntry | FolderEntry | SecretEntry;

/** The description of a generation, stored as `manifest.json`; its hash names the generation's folder. */
export interface Manifest {
  format: "grove-home-generation/1";
  entries: ManifestEntry[];
  steps: ManifestStep[];
  backupExtension: string | null;
}

/** A built generation: where it is, what it holds, and how to get its secrets. */
export interface Generation {
  hash: string;
  /** `store/<hash>` under the state folder. */
  path: string;
  manifest: Manifest;
  /** The secret providers by name; used at activation only. */
  secrets: ReadonlyMap<string, SecretProvider>;
}

export interface BuildOptions {
  /** The fleet repository; relative `file`, `folder` and template sources resolve against it. */
  repoRoot: string;
  stateDir: string;
  /** The home directory, to accept absolute targets inside it. */
  home?: string;
  /** Plan only: compute the manifest and hash without writing the store. */
  dryRun?: boolean;
}

/** One thing a home path is made of: a link to the generation, or (mutable) a copy of it. */
export interface Leaf {
  rel: string;
  entry: ManifestEntry;
  mode: "link" | "copy";
  /** Content hash; null for secrets, whose content is never recorded. */
  hash: string | null;
}

/** The SHA-256 of some bytes, in hex: the content hash used throughout the manifest. */
export function sha256(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The hash of a folder's file list, which changes when any file, name or mode changes. */
export function folderHash(items: readonly FolderItem[]): string {
  return sha256(JSON.stringify(items.map((i) => [i.path, i.hash, i.executable])));
}

/**
 * Every home path a generation manages, keyed by its path relative to the home: one per file,
 * non-recursive folder and secret, and one per file of a recursive folder.
 */
export function leavesOf(manifest: Manifest): Map<string, Leaf> {
  const leaves = new Map<string, Leaf>();
  for (const entry of manifest.entries) {
    if (entry.kind === "folder" && entry.recursive) {
      for (const item of entry.files) {
        const rel = `${entry.target}/${item.path}`;
        leaves.set(rel, { rel, entry, mode: "link", hash: item.hash });
      }
    } else if (entry.kind === "secret") {
      leaves.set(entry.target, { rel: entry.target, entry, mode: "link", hash: null });
    } else {
      const mode = entry.kind === "file" && entry.mutable ? "copy" : "link";
      leaves.set(entry.target, { rel: entry.target, entry, mode, hash: entry.hash });
    }
  }
  return leaves;
}

type Content = { bytes: Uint8Array } | { path: string };

function isExecutable(mode: number): boolean {
  return (mode & 0o100) !== 0;
}

/** Lists a source folder's files, following symlinks and guarding against symlink cycles. */
function walkFolder(root: string, target: string): { path: string; abs: string; executable: boolean }[] {
  const out: { path: string; abs: string; executable: boolean }[] = [];
  const seen = new Set<string>();
  const walk = (dir: string, prefix: string) => {
    const real = realpathSync(dir);
    if (seen.has(real)) return;
    seen.add(real);
    const names = readdirSync(dir).sort();
    for (const name of names) {
      const abs = join(dir, name);
      const rel = prefix === "" ? name : `${prefix}/${name}`;
      const st = statSync(abs, { throwIfNoEntry: false });
      if (st === undefined) {
        throw new GroveError(
          "HomeSourceMissing",
          `\`${abs}\`, inside the folder for \`${target}\`, is a broken link.`,
          {
            path: ["files", target],
          },
        );
      }
      if (st.isDirectory()) walk(abs, rel);
      else if (st.isFile()) out.push({ path: rel, abs, executable: isExecutable(st.mode) });
    }
  };
  walk(root, "");
  return out;
}

function describeSource(spec: FileSpec): string {
  if ("text" in spec) return "text";
  if ("file" in spec) return `file ${spec.file}`;
  if ("folder" in spec) return `folder ${spec.folder}`;
  if ("template" in spec)
    return "file" in spec.template ? `template ${spec.template.file}` : "template (text)";
  return `secret ${spec.secret}`;
}

function readSource(repoRoot: string, rel: string, target: string, want: "file" | "folder") {
  const abs = resolve(repoRoot, rel);
  const st = statSync(abs, { throwIfNoEntry: false });
  const ok = st !== undefined && (want === "file" ? st.isFile() : st.isDirectory());
  if (!ok) {
    const found = st === undefined ? "does not exist" : `is not a ${want === "file" ? "file" : "folder"}`;
    throw new GroveError("HomeSourceMissing", `The source \`${rel}\` of \`${target}\` ${found} (${abs}).`, {
      path: ["files", target],
    });
  }
  return { abs, executable: isExecutable(st.mode) };
}

const secretName = /^[A-Za-z0-9_][A-Za-z0-9._@-]*$/;

interface Planned {
  manifest: Manifest;
  contents: Map<string, Content>;
  secrets: Map<string, SecretProvider>;
}

function planEntry(
  key: string,
  target: string,
  spec: FileSpec,
  repoRoot: string,
  contents: Map<string, Content>,
  secrets: Map<string, SecretProvider>,
): ManifestEntry {
  const at = ["files", key];
  const base = {
    target,
    source: describeSource(spec),
    force: spec.force ?? false,
    onChange: spec.onChange ?? null,
  };
  const isFolder = "folder" in spec;
  if (spec.recursive !== undefined && !isFolder) {
    throw new GroveError("HomeSpecInvalid", `\`recursive\` is only meaningful for folders (\`${key}\`).`, {
      path: at,
    });
  }
  if (spec.mutable === true && (isFolder || "secret" in spec)) {
    throw new GroveError("HomeSpecInvalid", `Only single files can be \`mutable\` (\`${key}\`).`, {
      path: at,
    });
  }
  if ("secret" in spec) {
    if (!secretName.test(spec.secret)) {
      throw new GroveError(
        "HomeSpecInvalid",
        `The secret name \`${spec.secret}\` is not a plain file name.`,
        {
          path: [...at, "secret"],
        },
      );
    }
    if (secrets.has(spec.secret)) {
      throw new GroveError("HomeTargetConflict", `The secret \`${spec.secret}\` is used by two entries.`, {
        path: [...at, "secret"],
        hint: "Give each secret entry its own name.",
      });
    }
    const mode = checkSecretMode(spec.mode ?? defaultSecretMode, "HomeSpecInvalid", [...at, "mode"]);
    secrets.set(spec.secret, spec.provide);
    return { ...base, kind: "secret", secret: spec.secret, mode };
  }
  if (isFolder) {
    const { abs } = readSource(repoRoot, spec.folder, key, "folder");
    const files = walkFolder(abs, key).map((f) => {
      contents.set(`${target}/${f.path}`, { path: f.abs });
      return { path: f.path, hash: sha256(readFileSync(f.abs)), executable: spec.executable ?? f.executable };
    });
    return { ...base, kind: "folder", recursive: spec.recursive ?? false, hash: folderHash(files), files };
  }
  let bytes: Uint8Array;
  let executable = spec.executable ?? false;
  if ("text" in spec) bytes = Buffer.from(spec.text);
  else if ("template" in spec) {
    const text =
      "file" in spec.template
        ? readFileSync(readSource(repoRoot, spec.template.file, key, "file").abs, "utf8")
        : spec.template.text;
    bytes = Buffer.from(renderTemplate(text, spec.values, key));
  } else {
    const src = readSource(repoRoot, spec.file, key, "file");
    bytes = readFileSync(src.abs);
    executable = spec.executable ?? src.executable;
  }
  contents.set(target, { bytes });
  return { ...base, kind: "file", hash: sha256(bytes), executable, mutable: spec.mutable ?? false };
}

/**
 * Settles entries placed inside other entries: inside a recursive folder, an explicit entry replaces
 * the folder's files at and under its path; inside anything else it is a conflict.
 */
function resolveOverlaps(entries: ManifestEntry[], keys: Map<string, string>): void {
  const byTarget = new Map(entries.map((e) => [e.target, e]));
  for (const entry of entries) {
    const parts = entry.target.split("/");
    for (let i = 1; i < parts.length; i++) {
      const outer = byTarget.get(parts.slice(0, i).join("/"));
      if (outer === undefined) continue;
      const inner = parts.slice(i).join("/");
      if (outer.kind !== "folder" || !outer.recursive) {
        throw new GroveError(
          "HomeTargetConflict",
          `\`${keys.get(entry.target)}\` lies inside \`${keys.get(outer.target)}\`, which is not a recursive folder.`,
          { path: ["files", keys.get(entry.target) ?? entry.target] },
        );
      }
      const blocking = outer.files.find((f) => inner.startsWith(`${f.path}/`));
      if (blocking !== undefined) {
        throw new GroveError(
          "HomeTargetConflict",
          `\`${keys.get(entry.target)}\` needs a folder where \`${keys.get(outer.target)}\` has the file \`${blocking.path}\`.`,
          { path: ["files", keys.get(entry.target) ?? entry.target] },
        );
      }
      outer.files = outer.files.filter((f) => f.path !== inner && !f.path.startsWith(`${inner}/`));
      outer.hash = folderHash(outer.files);
    }
  }
}

function plan(spec: HomeSpec, opts: BuildOptions): Planned {
  const keys = new Map<string, string>();
  const targets: [string, string, FileSpec][] = [];
  for (const [key, file] of Object.entries(spec.files)) {
    const target = normaliseTarget(key, opts.home);
    const other = keys.get(target);
    if (other !== undefined) {
      throw new GroveError("HomeTargetConflict", `\`${other}\` and \`${key}\` both manage \`${target}\`.`, {
        path: ["files", key],
      });
    }
    keys.set(target, key);
    targets.push([key, target, file]);
  }
  targets.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const contents = new Map<string, Content>();
  const secrets = new Map<string, SecretProvider>();
  const entries = targets.map(([key, target, file]) =>
    planEntry(key, target, file, opts.repoRoot, contents, secrets),
  );
  resolveOverlaps(entries, keys);

  const steps: ManifestStep[] = Object.entries(spec.activation ?? {})
    .map(([name, s]) => ({
      name,
      command: s.command,
      after: [...(s.after ?? [])],
      before: [...(s.before ?? [])],
    }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  orderSteps(steps);
  const manifest: Manifest = {
    format: "grove-home-generation/1",
    entries,
    steps,
    backupExtension: spec.backupExtension ?? null,
  };
  return { manifest, contents, secrets };
}

/** Makes the written tree read-only, folders last, so the generation cannot be edited through a link. */
function freeze(dir: string): void {
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    if (d.isDirectory()) freeze(join(dir, d.name));
  }
  chmodSync(dir, 0o555);
}

function writeStore(planned: Planned, hash: string, stateDir: string): void {
  const layout = layoutOf(stateDir);
  const tmp = join(layout.store, `.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  const files = join(tmp, "files");
  mkdirSync(files, { recursive: true });
  const write = (rel: string, executable: boolean) => {
    const dest = join(files, rel);
    mkdirSync(dirname(dest), { recursive: true });
    const content = planned.contents.get(rel)!;
    if ("bytes" in content) writeFileSync(dest, content.bytes);
    else copyFileSync(content.path, dest);
    chmodSync(dest, executable ? 0o555 : 0o444);
  };
  for (const entry of planned.manifest.entries) {
    if (entry.kind === "file") write(entry.target, entry.executable);
    else if (entry.kind === "folder") {
      mkdirSync(join(files, entry.target), { recursive: true });
      for (const item of entry.files) write(`${entry.target}/${item.path}`, item.executable);
    } else {
      // Relative, so the generation does not depend on where the runtime folder is.
      const dest = join(files, entry.target);
      mkdirSync(dirname(dest), { recursive: true });
      const fromFinal = dirname(join(layout.store, hash, "files", entry.target));
      symlinkSync(relative(fromFinal, join(layout.secrets, entry.secret)), dest);
    }
  }
  writeFileSync(join(tmp, "manifest.json"), `${JSON.stringify(planned.manifest, null, 2)}\n`, {
    mode: 0o444,
  });
  freeze(tmp);
  try {
    renameSync(tmp, join(layout.store, hash));
  } catch (e) {
    // Another build of the same content won the race: its folder is identical, keep it.
    chmodTree(tmp);
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(join(layout.store, hash))) throw e;
  }
}

/** Makes a frozen tree writable again so it can be deleted. */
export function chmodTree(dir: string): void {
  chmodSync(dir, 0o755);
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    if (d.isDirectory()) chmodTree(join(dir, d.name));
  }
}

/**
 * Builds a generation from a home spec: resolves and hashes every source, then writes
 * `store/<hash>` unless a folder with that hash already exists (content-addressed, so building the
 * same home twice writes nothing). Secrets are not read here.
 *
 * @example
 * const gen = buildGeneration({ files: { ".profile": { text: "umask 022\n" } } }, { repoRoot: ".", stateDir });
 * gen.path // <stateDir>/store/<hash>
 */
export function buildGeneration(spec: HomeSpec, opts: BuildOptions): Generation {
  const stateDir = resolve(opts.stateDir);
  const planned = plan(spec, { ...opts, repoRoot: resolve(opts.repoRoot), stateDir });
  const hash = sha256(JSON.stringify(planned.manifest)).slice(0, 32);
  const path = join(layoutOf(stateDir).store, hash);
  if (opts.dryRun !== true && !existsSync(path)) writeStore(planned, hash, stateDir);
  return { hash, path, manifest: planned.manifest, secrets: planned.secrets };
}

/** Reads the manifest of the generation stored under `hash`. */
export function readManifest(stateDir: string, hash: string): Manifest {
  const file = join(layoutOf(stateDir).store, hash, "manifest.json");
  try {
    const m = JSON.parse(readFileSync(file, "utf8")) as Manifest;
    if (m.format !== "grove-home-generation/1" || !Array.isArray(m.entries))
      throw new Error("unknown format");
    // Secrets were always 0400 before their mode was recorded.
    for (const e of m.entries) if (e.kind === "secret") e.mode ??= defaultSecretMode;
    return m;
  } catch (e) {
    throw new GroveError("HomeStateCorrupt", `Cannot read the manifest of generation ${hash}.`, {
      file,
      cause: e,
    });
  }
}
