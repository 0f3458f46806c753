/**
 * From configuration to generation: an evaluated `home` class configuration (plain data, as
 * `deepForce(project.home(id).config)` gives it) becomes the engine's `HomeSpec`. Pure: the one
 * question it cannot answer from the value — whether a `source` is a file or a folder — is asked
 * through `sourceKind`.
 */
import { isPackageRef } from "../classes/index.js";
import { GroveError, showPath } from "../errors.js";
import {
  type GitOptions,
  type MatchBlock,
  renderGitConfig,
  renderGitIgnore,
  renderSessionVarsFish,
  renderSessionVarsSh,
  renderShellFiles,
  renderSshConfig,
  renderStarshipToml,
  type SessionVariables,
  type ShellOptions,
} from "../render/home/index.js";
import {
  checkSecretMode,
  type FileOptions,
  type FileSpec,
  type HomeSpec,
  type SecretProvider,
  type StepSpec,
} from "./spec.js";
import { builtinSteps } from "./steps.js";

/** One `home.file`/`xdg.configFile`/`xdg.dataFile` entry, as evaluated. */
export interface HomeFileOptions {
  enable: boolean;
  target: string;
  text: string | null;
  source: string | null;
  executable: boolean | null;
  recursive: boolean;
  onChange: string;
  force: boolean;
  mutable: boolean;
}

/** The options of the `home` class that activation reads, as evaluated. */
export interface HomeConfig {
  home: {
    username: string;
    homeDirectory: string;
    packages: readonly unknown[];
    sessionVariables: SessionVariables;
    file: Readonly<Record<string, HomeFileOptions>>;
    activation: Readonly<
      Record<string, { data: string; after: readonly string[]; before: readonly string[] }>
    >;
  };
  secrets: Readonly<Record<string, { target: string; mode: string }>>;
  xdg: {
    configFile: Readonly<Record<string, HomeFileOptions>>;
    dataFile: Readonly<Record<string, HomeFileOptions>>;
  };
  programs: {
    git: GitOptions;
    ssh: { enable: boolean; matchBlocks: Readonly<Record<string, MatchBlock>> };
    zsh: ShellOptions;
    bash: ShellOptions;
    fish: ShellOptions;
    starship: { enable: boolean; settings: Readonly<Record<string, unknown>> };
  };
}

export interface FromConfigOptions {
  /**
   * Whether a `source` path (relative to the fleet root) names a file or a folder, or `undefined`
   * when it names nothing.
   */
  sourceKind: (source: string) => "file" | "folder" | undefined;
  /** Gives the plaintext of a secret of the fleet's store at activation; needed when `secrets` is set. */
  secret?: (name: string) => SecretProvider;
}

/** What activation needs from a home's configuration. */
export interface HomeFromConfig {
  spec: HomeSpec;
  username: string;
  homeDirectory: string;
  /** `home.packages` as attribute paths (`ripgrep`, `stable.fd`): native activation cannot install them. */
  packages: string[];
}

/** `$XDG_CONFIG_HOME` and `$XDG_DATA_HOME` at their XDG defaults, relative to the home. */
export const xdgConfigDir = ".config";
export const xdgDataDir = ".local/share";
/** The generated session-variables file that the shells' start-up files source. */
export const sessionVarsFile = `${xdgConfigDir}/grove/session-vars.sh`;

function invalid(path: readonly string[], message: string): GroveError {
  return new GroveError("HomeConfigInvalid", message, { path });
}

/** A target relative to the home: relative ones under `base`, absolute ones only inside the home. */
function targetOf(base: string, target: string, homeDirectory: string, at: readonly string[]): string {
  let rel = base === "" ? target : `${base}/${target}`;
  if (target.startsWith("/")) {
    const prefix = `${homeDirectory.replace(/\/+$/, "")}/`;
    if (!target.startsWith(prefix)) {
      throw invalid(at, `The target \`${target}\` is outside the home directory \`${homeDirectory}\`.`);
    }
    rel = target.slice(prefix.length);
  }
  const parts = rel.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw invalid(at, `The target \`${target}\` contains \`..\`.`);
  if (parts.length === 0)
    throw invalid(at, `The target \`${target}\` names the folder itself, not a file in it.`);
  return parts.join("/");
}

/** One file entry as the engine's `FileSpec`, checking what the option types cannot. */
function fileSpec(entry: HomeFileOptions, at: readonly string[], opts: FromConfigOptions): FileSpec {
  const options: FileOptions = {};
  if (entry.executable !== null) options.executable = entry.executable;
  if (entry.onChange !== "") options.onChange = entry.onChange;
  if (entry.force) options.force = true;
  if (entry.text !== null && entry.source !== null) {
    throw invalid([...at, "text"], `${showPath(at)} sets both \`text\` and \`source\`; keep one.`);
  }
  if (entry.text === null && entry.source === null) {
    throw invalid(
      at,
      `${showPath(at)} sets neither \`text\` nor \`source\`; give it one (or \`enable = false\`).`,
    );
  }
  let folder = false;
  let spec: FileSpec;
  if (entry.text !== null) spec = { ...options, text: entry.text };
  else {
    const source = entry.source!;
    const kind = opts.sourceKind(source);
    if (kind === undefined) {
      throw new GroveError(
        "HomeSourceMissing",
        `The source \`${source}\` of ${showPath(at)} does not exist in the fleet repository.`,
        { path: [...at, "source"] },
      );
    }
    folder = kind === "folder";
    spec = folder ? { ...options, folder: source } : { ...options, file: source };
  }
  if (entry.recursive) {
    if (!folder) throw invalid([...at, "recursive"], "`recursive` applies to folder sources only.");
    spec.recursive = true;
  }
  if (entry.mutable) {
    if (folder) throw invalid([...at, "mutable"], "Only single files can be `mutable`, not folders.");
    spec.mutable = true;
  }
  return spec;
}

/** Collects targets, refusing two options that manage one path. */
class Targets {
  readonly #files = new Map<string, { owner: string; path: readonly string[] | undefined; spec: FileSpec }>();

  /** `owner` is the option path of a file entry, or the name of the option a generated file comes from. */
  add(target: string, spec: FileSpec, owner: readonly string[] | string): void {
    const path = typeof owner === "string" ? undefined : owner;
    const name = typeof owner === "string" ? owner : showPath(owner);
    const other = this.#files.get(target);
    if (other !== undefined) {
      throw new GroveError("HomeTargetConflict", `${other.owner} and ${name} both manage \`${target}\`.`, {
        path: path ?? other.path,
        hint: "Keep one of them: set `enable = false` on the file entry, give it another `target`, or disable the program that writes the file.",
      });
    }
    this.#files.set(target, { owner: name, path, spec });
  }

  /** The files in target order, so the spec does not depend on the order options were defined. */
  files(): Record<string, FileSpec> {
    const sorted = [...this.#files.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(sorted.map((t) => [t, this.#files.get(t)!.spec]));
  }
}

/** A package reference as an attribute path, `stable.fd` for a package of the `stable` channel. */
function packageName(p: unknown): string {
  if (isPackageRef(p)) return p.channel === undefined ? p.name : `${p.channel}.${p.name}`;
  if (typeof p === "object" && p !== null && typeof (p as { $package?: unknown }).$package === "string") {
    const ref = p as { $package: string; channel?: string };
    return ref.channel === undefined ? ref.$package : `${ref.channel}.${ref.$package}`;
  }
  return String(p);
}

function steps(config: HomeConfig): Record<string, StepSpec> {
  const out: Record<string, StepSpec> = {};
  for (const name of Object.keys(config.home.activation).sort()) {
    if (Object.hasOwn(builtinSteps, name)) {
      throw invalid(
        ["home", "activation", name],
        `\`${name}\` is a built-in activation step; give yours another name and order it with \`after: ["${name}"]\`.`,
      );
    }
    const s = config.home.activation[name]!;
    out[name] = { command: s.data, after: [...s.after], before: [...s.before] };
  }
  return out;
}

/** The files that `home.sessionVariables` and `programs.*` produce, each with the option it comes from. */
function generatedFiles(config: HomeConfig): [string, string, string][] {
  const p = config.programs;
  const out: [string, string, string][] = [];
  const shells = p.zsh.enable || p.bash.enable;
  const vars = config.home.sessionVariables;
  if (shells || Object.keys(vars).length > 0) {
    out.push([sessionVarsFile, renderSessionVarsSh(vars), "home.sessionVariables"]);
  }
  if (p.fish.enable) {
    out.push([
      `${xdgConfigDir}/fish/conf.d/grove-session-vars.fish`,
      renderSessionVarsFish(vars),
      "home.sessionVariables",
    ]);
  }
  const rc = renderShellFiles(
    { zsh: p.zsh, bash: p.bash, fish: p.fish, starship: p.starship.enable, sessionVars: sessionVarsFile },
    xdgConfigDir,
  );
  for (const target of Object.keys(rc)) {
    const shell = target.includes("fish") ? "fish" : target.startsWith(".z") ? "zsh" : "bash";
    out.push([target, rc[target]!, `programs.${shell}`]);
  }
  if (p.git.enable) {
    out.push([`${xdgConfigDir}/git/config`, renderGitConfig(p.git), "programs.git"]);
    if (p.git.ignores.length > 0) {
      out.push([`${xdgConfigDir}/git/ignore`, renderGitIgnore(p.git.ignores), "programs.git.ignores"]);
    }
  }
  if (p.ssh.enable) out.push([".ssh/config", renderSshConfig(p.ssh.matchBlocks), "programs.ssh"]);
  if (p.starship.enable) {
    out.push([`${xdgConfigDir}/starship.toml`, renderStarshipToml(p.starship.settings), "programs.starship"]);
  }
  return out;
}

/**
 * Turns an evaluated home configuration into the engine's `HomeSpec`: `home.file` (relative to the
 * home), `xdg.configFile` (under `.config/`) and `xdg.dataFile` (under `.local/share/`), `secrets`
 * (their plaintext asked of `opts.secret` at activation only), the files
 * rendered from `home.sessionVariables` and `programs.*`, and the steps of `home.activation`. Same
 * configuration, same spec, byte for byte.
 *
 * @example
 * const config = deepForce(project.home("alice@cinnabar").config) as HomeConfig;
 * const { spec, packages } = homeSpecFromConfig(config, {
 *   sourceKind: (p) => (existsSync(p) ? (statSync(p).isDirectory() ? "folder" : "file") : undefined),
 * });
 */
export function homeSpecFromConfig(config: HomeConfig, opts: FromConfigOptions): HomeFromConfig {
  const { username, homeDirectory } = config.home;
  const targets = new Targets();
  const sets: [string[], Readonly<Record<string, HomeFileOptions>>, string][] = [
    [["home", "file"], config.home.file, ""],
    [["xdg", "configFile"], config.xdg.configFile, xdgConfigDir],
    [["xdg", "dataFile"], config.xdg.dataFile, xdgDataDir],
  ];
  for (const [option, entries, base] of sets) {
    for (const name of Object.keys(entries).sort()) {
      const entry = entries[name]!;
      if (!entry.enable) continue;
      const at = [...option, name];
      const target = targetOf(base, entry.target, homeDirectory, [...at, "target"]);
      targets.add(target, fileSpec(entry, at, opts), at);
    }
  }
  for (const name of Object.keys(config.secrets).sort()) {
    const at = ["secrets", name];
    if (opts.secret === undefined) {
      throw new GroveError("HomeSecretFailed", `${showPath(at)} needs the fleet's secret store.`, {
        path: at,
      });
    }
    const entry = config.secrets[name]!;
    const target = targetOf("", entry.target, homeDirectory, [...at, "target"]);
    const mode = checkSecretMode(entry.mode, "HomeConfigInvalid", [...at, "mode"]);
    targets.add(target, { secret: name, provide: opts.secret(name), mode }, at);
  }
  for (const [target, text, owner] of generatedFiles(config)) targets.add(target, { text }, owner);

  const spec: HomeSpec = { files: targets.files() };
  const activation = steps(config);
  if (Object.keys(activation).length > 0) spec.activation = activation;
  return { spec, username, homeDirectory, packages: config.home.packages.map(packageName) };
}
