/**
 * A standalone home made ready for deploying: its generation built locally by the activation
 * engine, the list of home paths it links, which the target's shell program works from, and its
 * secrets' providers (asked at upload time, to seal each secret for the target's own age key).
 */
import { buildGeneration, leavesOf } from "../activate/generation.js";
import type { HomeSpec, SecretProvider } from "../activate/spec.js";
import { GroveError } from "../errors.js";

/** A generation built on this machine, to be uploaded. */
export interface BuiltHome {
  hash: string;
  /** The local state folder holding `store/<hash>`. */
  stateDir: string;
  /** The home directory on the target; null means the login's `$HOME`. */
  homeDirectory: string | null;
  /** Every home path the generation links, sorted. */
  leaves: string[];
  /**
   * The home's secrets by name, with their file modes: the plaintext is asked only when they are
   * sealed for a target.
   */
  secrets: ReadonlyMap<string, { provide: SecretProvider; mode: string }>;
}

/**
 * Builds the generation of a home under `stateDir` (content-addressed: nothing is written when it
 * exists). Deploying links files, folders and secrets; a home with what needs the engine on the
 * target — activation steps, `onChange`, mutable copies — is refused with `DeployUnsupported`
 * naming them, rather than deployed without them.
 */
export function buildHome(
  name: string,
  spec: HomeSpec,
  opts: { repoRoot: string; stateDir: string; homeDirectory: string | null },
): BuiltHome {
  const gen = buildGeneration(spec, {
    repoRoot: opts.repoRoot,
    stateDir: opts.stateDir,
    ...(opts.homeDirectory === null ? {} : { home: opts.homeDirectory }),
  });
  const unsupported = [
    ...gen.manifest.steps.map((s) => `activation step ${s.name}`),
    ...gen.manifest.entries.flatMap((e) => [
      ...(e.kind === "file" && e.mutable ? [`mutable file ${e.target}`] : []),
      ...(e.onChange === null ? [] : [`onChange of ${e.target}`]),
    ]),
  ];
  if (unsupported.length > 0) {
    throw new GroveError(
      "DeployUnsupported",
      `The home ${name} needs more than linked files: ${unsupported.join(", ")}.`,
    );
  }
  const secrets = new Map<string, { provide: SecretProvider; mode: string }>();
  for (const e of gen.manifest.entries) {
    if (e.kind === "secret") secrets.set(e.secret, { provide: gen.secrets.get(e.secret)!, mode: e.mode });
  }
  return {
    hash: gen.hash,
    stateDir: opts.stateDir,
    homeDirectory: opts.homeDirectory,
    leaves: [...leavesOf(gen.manifest).keys()].sort(),
    secrets,
  };
}
