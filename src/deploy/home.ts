/**
 * A standalone home made ready for deploying: its generation built locally by the activation
 * engine, and the list of home paths it links, which the target's shell program works from.
 */
import { buildGeneration, leavesOf } from "../activate/generation.js";
import type { HomeSpec } from "../activate/spec.js";
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
}

/**
 * Builds the generation of a home under `stateDir` (content-addressed: nothing is written when it
 * exists). Deploying links plain files and folders only; a home with what needs the engine on the
 * target — activation steps, `onChange`, mutable copies, secrets — is refused with
 * `DeployUnsupported` naming them, rather than deployed without them.
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
      ...(e.kind === "secret" ? [`secret ${e.target}`] : []),
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
  return {
    hash: gen.hash,
    stateDir: opts.stateDir,
    homeDirectory: opts.homeDirectory,
    leaves: [...leavesOf(gen.manifest).keys()].sort(),
  };
}
