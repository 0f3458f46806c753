/** Vars generators: what a fleet file writes, and the checked form the rest of Grove works with. */
import { deepForce, evalModules } from "../../lib/index.js";
import { defineModule, generatorOptions } from "../../project/index.js";

export interface FileSpec {
  /** Encrypted in the repository (default), or plain text readable at evaluation. */
  secret?: boolean;
  /** When false, machines never receive it; only admins can decrypt it. */
  deploy?: boolean;
  /** The deployed file's owner (default `root`). */
  owner?: string;
  /** Its group; null (the default) is `root`, or `wheel` on darwin. */
  group?: string | null;
  /** Four octal digits (default `0400`). */
  mode?: string;
  /**
   * When the machine needs it: `services` (default), or `users` for what user accounts are made
   * from (a `hashedPasswordFile`), decrypted before users are created.
   */
  neededFor?: NeededFor;
}

/** When a deployed secret must exist: before user accounts are made, or for services. */
export type NeededFor = "users" | "services";

export interface PromptSpec {
  description?: string;
  type?: "hidden" | "line" | "multiline";
  default?: string | null;
}

/** What a TypeScript generate step receives. */
export interface GenerateContext {
  /** Files of the dependencies: `inputs[generator][file]`. */
  readonly inputs: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly prompts: Readonly<Record<string, string>>;
  /** The machine generated for, or null for a shared generator. */
  readonly machine: string | null;
}

export type GenerateFunction = (
  context: GenerateContext,
) => Record<string, string | Uint8Array> | Promise<Record<string, string | Uint8Array>>;

export interface GeneratorSpec {
  files: Record<string, FileSpec>;
  prompts?: Record<string, PromptSpec>;
  dependencies?: string[];
  share?: boolean;
  runtimeInputs?: string[];
  /** A shell script writing `$out/<file>`, reading `$in/<generator>/<file>` and `$prompts/<prompt>`. */
  script?: string;
  generate?: GenerateFunction;
  /** A public file with the machine's `ssh-ed25519` host key, which becomes its age recipient. */
  hostKey?: string;
  /** For generators declared in the project: the machines and tags that use it. */
  machines?: string[];
  tags?: string[];
}

/** A generator after type checking, with defaults filled in. */
export interface Generator {
  readonly name: string;
  readonly files: Readonly<Record<string, Required<FileSpec>>>;
  readonly prompts: Readonly<Record<string, Required<PromptSpec>>>;
  readonly dependencies: readonly string[];
  readonly share: boolean;
  readonly runtimeInputs: readonly string[];
  readonly script: string | null;
  readonly generate: GenerateFunction | null;
  readonly hostKey: string | null;
  /** Where it was declared, for messages. */
  readonly source: string;
}

/**
 * A generator used by the machines and tags it names.
 *
 * @example
 * export default generator("wifi", {
 *   tags: ["laptop"], share: true,
 *   files: { psk: { secret: true } },
 *   generate: () => ({ psk: crypto.randomUUID() }),
 * });
 */
export function generator(name: string, spec: GeneratorSpec): Record<string, unknown> {
  return defineModule({ config: { vars: { generators: { [name]: spec } } } });
}

/** The checked form of a generator's (already evaluated) configuration. */
export function toGenerator(name: string, config: Record<string, any>, source: string): Generator {
  const plain = deepForce({
    files: config.files,
    prompts: config.prompts,
    dependencies: config.dependencies,
    share: config.share,
    runtimeInputs: config.runtimeInputs,
    script: config.script,
    hostKey: config.hostKey,
  }) as Omit<Generator, "name" | "source" | "generate">;
  return { name, ...plain, generate: (config.generate as GenerateFunction | null) ?? null, source };
}

/** Type-checks a generator written inline (in a service role) against the generator options. */
export function checkGeneratorSpec(name: string, spec: GeneratorSpec, source: string): Generator {
  const { config } = evalModules({
    class: "generator",
    prefix: ["generators", name],
    modules: [generatorOptions, { _file: source, imports: [spec] }],
  });
  return toGenerator(name, config, source);
}
