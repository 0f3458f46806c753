/**
 * The typed input of home activation: what a home should contain. `homeSpecFromConfig` produces it
 * from a fleet home's configuration (`home.file`, `xdg.configFile`, `programs.*`…); `--spec` reads it
 * from JSON.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { execa } from "execa";
import { type ErrorCode, GroveError, showPath } from "../errors.js";

/** A value substituted for a `{{ name }}` placeholder of a template. */
export type TemplateValue = string | number | boolean;

/** Returns a secret's plaintext; called at activation, never while building. */
export type SecretProvider = () => Uint8Array | string | Promise<Uint8Array | string>;

/** Literal file content. */
export interface TextSource {
  text: string;
}
/** A file of the fleet repository, relative to its root. */
export interface RepoFileSource {
  file: string;
}
/** A folder of the fleet repository, relative to its root, with everything under it. */
export interface FolderSource {
  folder: string;
}
/** A template (inline text or a repository file) whose `{{ name }}` placeholders are replaced by `values`. */
export interface TemplateSource {
  template: { text: string } | { file: string };
  values: Record<string, TemplateValue>;
}
/**
 * A secret: `provide` returns the plaintext at activation. It is written into a private runtime folder
 * (file mode `mode`, default 0400) and linked; the plaintext never enters a generation.
 */
export interface SecretSource {
  secret: string;
  provide: SecretProvider;
  /** The decrypted file's mode, octal (`"0400"`, `"0600"`); see `checkSecretMode`. */
  mode?: string;
}

/** A decrypted secret's mode unless one is given: read-only, for its owner only. */
export const defaultSecretMode = "0400";

/**
 * Checks a secret's file mode — three or four octal digits — and returns it as four (`"440"` →
 * `"0440"`). The owner must be able to read it (Grove compares the live plaintext on each switch);
 * execute bits, write for group or others, and setuid/setgid/sticky are refused: a secret is data,
 * and only its owner may change it.
 */
export function checkSecretMode(mode: string, code: ErrorCode, path: readonly string[]): string {
  const fail = (why: string) =>
    new GroveError(code, `${showPath(path)} is \`${mode}\`: ${why}`, {
      path,
      hint: 'Give an octal mode such as "0400" (the default), "0440", "0444" or "0600": readable by the owner, never executable, writable by the owner only.',
    });
  if (!/^[0-7]{3,4}$/.test(mode)) throw fail("not an octal file mode of three or four digits.");
  const bits = Number.parseInt(mode, 8);
  if ((bits & 0o400) === 0) throw fail("the owner cannot read it.");
  if ((bits & ~0o644) !== 0) throw fail("only read bits and the owner's write bit are allowed.");
  return mode.padStart(4, "0");
}

export type FileSource = TextSource | RepoFileSource | FolderSource | TemplateSource | SecretSource;

/** How one target is managed, whatever its source. */
export interface FileOptions {
  /** true/false sets/clears the execute bit; absent keeps the source's (text and templates: not executable). */
  executable?: boolean;
  /** Folders only: real directories in the home with one link per file, instead of one link to the folder. */
  recursive?: boolean;
  /** Shell command run after linking when this target's content changed. */
  onChange?: string;
  /** Replace whatever is at this exact target instead of refusing (never a real directory). */
  force?: boolean;
  /** Copy instead of link, so applications can rewrite the file; later edits are reported, not overwritten. */
  mutable?: boolean;
}

/** One managed target. */
export type FileSpec = FileOptions & FileSource;

/** An activation step: a shell command ordered by `after`/`before` against other steps and the built-ins. */
export interface StepSpec {
  command: string;
  after?: readonly string[];
  before?: readonly string[];
}

/**
 * A home: every managed target (keyed by its path relative to the home directory), the activation
 * steps and the backup extension used for colliding files.
 *
 * @example
 * const spec: HomeSpec = {
 *   files: {
 *     ".gitconfig": { template: { file: "git/config" }, values: { name: "Alice" } },
 *     ".config/nvim": { folder: "nvim", recursive: true, onChange: "nvim --headless +qa" },
 *   },
 *   activation: { greet: { command: "echo hello", after: ["linkGeneration"] } },
 * };
 */
export interface HomeSpec {
  files: Record<string, FileSpec>;
  activation?: Record<string, StepSpec>;
  backupExtension?: string;
}

/** A home spec read from a JSON file, with the repository root its relative sources resolve against. */
export interface LoadedSpec {
  spec: HomeSpec;
  repoRoot: string;
  /** The user and home directory the spec was written for, when it says so. */
  user?: string;
  homeDirectory?: string;
}

type Json = unknown;

function invalid(file: string | undefined, path: string[], message: string): GroveError {
  return new GroveError("HomeSpecInvalid", message, { file, path });
}

function isRecord(v: Json): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function optionalString(o: Record<string, Json>, key: string, file: string | undefined, at: string[]) {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw invalid(file, [...at, key], `\`${key}\` must be a string.`);
  return v;
}

function optionalBoolean(o: Record<string, Json>, key: string, file: string | undefined, at: string[]) {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== "boolean") throw invalid(file, [...at, key], `\`${key}\` must be true or false.`);
  return v;
}

function stringList(v: Json, file: string | undefined, at: string[]): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) {
    throw invalid(file, at, `\`${at.at(-1)}\` must be a list of step names.`);
  }
  return v as string[];
}

const optionKeys = ["executable", "recursive", "onChange", "force", "mutable"] as const;
const sourceKeys = ["text", "file", "folder", "template", "secret"] as const;

/** Runs `command` with `/bin/sh` and returns its standard output as the secret's plaintext. */
function commandProvider(command: string): SecretProvider {
  return async () => {
    const r = await execa("/bin/sh", ["-c", command], { encoding: "buffer", stripFinalNewline: false });
    return r.stdout;
  };
}

function parseFile(target: string, raw: Json, file: string | undefined): FileSpec {
  const at = ["files", target];
  if (!isRecord(raw)) throw invalid(file, at, `The entry for \`${target}\` must be an object.`);
  const present = sourceKeys.filter((k) => raw[k] !== undefined);
  if (present.length !== 1) {
    throw invalid(
      file,
      at,
      `The entry for \`${target}\` needs exactly one source (${sourceKeys.join(", ")}); it has ${present.length === 0 ? "none" : present.join(", ")}.`,
    );
  }
  const known = new Set<string>([...optionKeys, ...sourceKeys, "values", "command", "mode"]);
  for (const k of Object.keys(raw)) {
    if (!known.has(k))
      throw invalid(file, [...at, k], `Unknown field \`${k}\` in the entry for \`${target}\`.`);
  }
  const options: FileOptions = {};
  for (const k of ["executable", "recursive", "force", "mutable"] as const) {
    const v = optionalBoolean(raw, k, file, at);
    if (v !== undefined) options[k] = v;
  }
  const onChange = optionalString(raw, "onChange", file, at);
  if (onChange !== undefined) options.onChange = onChange;

  const kind = present[0];
  if (kind !== "secret" && raw.mode !== undefined) {
    throw invalid(file, [...at, "mode"], `\`mode\` is for secrets only (\`${target}\`).`);
  }
  switch (kind) {
    case "text":
      return { ...options, text: optionalString(raw, "text", file, at) ?? "" };
    case "file":
      return { ...options, file: optionalString(raw, "file", file, at) ?? "" };
    case "folder":
      return { ...options, folder: optionalString(raw, "folder", file, at) ?? "" };
    case "template": {
      const t = raw.template;
      let template: TemplateSource["template"];
      if (typeof t === "string") template = { text: t };
      else if (isRecord(t) && typeof t.file === "string") template = { file: t.file };
      else if (isRecord(t) && typeof t.text === "string") template = { text: t.text };
      else
        throw invalid(file, [...at, "template"], "`template` must be a string or `{ file }` / `{ text }`.");
      const values = raw.values ?? {};
      if (
        !isRecord(values) ||
        !Object.values(values).every((v) => ["string", "number", "boolean"].includes(typeof v))
      ) {
        throw invalid(file, [...at, "values"], "`values` must map names to strings, numbers or booleans.");
      }
      return { ...options, template, values: values as Record<string, TemplateValue> };
    }
    default: {
      const name = optionalString(raw, "secret", file, at) ?? "";
      const command = optionalString(raw, "command", file, at);
      if (command === undefined) {
        throw invalid(
          file,
          [...at, "command"],
          "A secret in a JSON spec needs `command`, which prints its plaintext.",
        );
      }
      const mode = optionalString(raw, "mode", file, at);
      return {
        ...options,
        secret: name,
        provide: commandProvider(command),
        ...(mode === undefined ? {} : { mode }),
      };
    }
  }
}

/**
 * Validates parsed JSON as a home spec. Secrets in JSON name a `command` whose output is the plaintext.
 *
 * @example
 * parseHomeSpec({ files: { ".profile": { text: "export EDITOR=vi\n" } } }, "home.json");
 */
export function parseHomeSpec(raw: Json, file?: string): Omit<LoadedSpec, "repoRoot"> & { root?: string } {
  if (!isRecord(raw)) throw invalid(file, [], "A home spec must be a JSON object.");
  const known = new Set(["files", "activation", "backupExtension", "root", "user", "homeDirectory"]);
  for (const k of Object.keys(raw)) {
    if (!known.has(k)) throw invalid(file, [k], `Unknown field \`${k}\`.`);
  }
  const filesRaw = raw.files ?? {};
  if (!isRecord(filesRaw)) throw invalid(file, ["files"], "`files` must map targets to entries.");
  const files: Record<string, FileSpec> = {};
  for (const [target, entry] of Object.entries(filesRaw)) files[target] = parseFile(target, entry, file);

  const spec: HomeSpec = { files };
  const actRaw = raw.activation;
  if (actRaw !== undefined) {
    if (!isRecord(actRaw)) throw invalid(file, ["activation"], "`activation` must map step names to steps.");
    const activation: Record<string, StepSpec> = {};
    for (const [name, s] of Object.entries(actRaw)) {
      const at = ["activation", name];
      const step = typeof s === "string" ? { command: s } : s;
      if (!isRecord(step) || typeof step.command !== "string") {
        throw invalid(
          file,
          at,
          `Step \`${name}\` must be a command string or \`{ command, after, before }\`.`,
        );
      }
      activation[name] = {
        command: step.command,
        ...(step.after === undefined ? {} : { after: stringList(step.after, file, [...at, "after"]) }),
        ...(step.before === undefined ? {} : { before: stringList(step.before, file, [...at, "before"]) }),
      };
    }
    spec.activation = activation;
  }
  const backup = optionalString(raw, "backupExtension", file, []);
  if (backup !== undefined) spec.backupExtension = backup;
  const out: Omit<LoadedSpec, "repoRoot"> & { root?: string } = { spec };
  for (const k of ["root", "user", "homeDirectory"] as const) {
    const v = optionalString(raw, k, file, []);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/**
 * Reads a home spec from a JSON file. Relative sources resolve against `root` (relative to the spec
 * file), by default the folder holding the spec.
 *
 * @example
 * const { spec, repoRoot } = loadHomeSpec("fleet/home.json");
 */
export function loadHomeSpec(path: string): LoadedSpec {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new GroveError("HomeSpecInvalid", `Cannot read the home spec \`${path}\`.`, {
      file,
      cause: e,
      hint: "Check the path given to `--spec`.",
    });
  }
  let raw: Json;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new GroveError("HomeSpecInvalid", `The home spec is not valid JSON: ${(e as Error).message}`, {
      file,
      cause: e,
    });
  }
  const { root, ...rest } = parseHomeSpec(raw, file);
  return { ...rest, repoRoot: resolve(dirname(file), root ?? ".") };
}
