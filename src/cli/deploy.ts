/**
 * `grove deploy [target…|@tag…]`: builds each selected standalone home, renders the selected
 * machines' flake once, then deploys them over the system's OpenSSH in parallel and prints one line
 * per target; `--rollback` returns targets to their previous generation. See docs/deploy.md.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { defineCommand } from "citty";
import { type HomeConfig, homeSpecFromConfig } from "../activate/index.js";
import {
  type BuildOn,
  buildHome,
  type Candidate,
  deploy,
  type HealthCheckOptions,
  healthChecksOf,
  type Outcome,
  type Prepared,
  type Selected,
  type SystemClass,
  selectTargets,
  systemInstallable,
} from "../deploy/index.js";
import { GroveError, isGroveError } from "../errors.js";
import { deepForce } from "../lib/index.js";
import type { Project } from "../project/index.js";
import { build } from "./build.js";
import { checked } from "./eval.js";
import { dirArg, homeSources, openProject } from "./fleet.js";
import { ending, liveProgress, plainProgress, wantsLive } from "./progress.js";

const out = (text: string) => process.stdout.write(`${text}\n`);

function wholeNumber(text: string | undefined, fallback: number, option: string, least: number): number {
  const n = Number(text ?? String(fallback));
  if (!Number.isInteger(n) || n < least) {
    throw new GroveError("Usage", `${option} must be a whole number of at least ${least}, not \`${text}\`.`);
  }
  return n;
}

function buildOnOf(text: string | undefined): BuildOn {
  if (text === undefined || text === "local" || text === "target") return text ?? "local";
  throw new GroveError("Usage", `--build-on is \`local\` or \`target\`, not \`${text}\`.`);
}

function show(o: Outcome): string[] {
  const head = `${o.name.padEnd(24)} ${ending(o)}`;
  if (o.status === "ok" || o.status === "skipped") return [head];
  if (o.status === "planned") return [head, ...o.lines.map((l) => `    ${l}`)];
  return [`${head}${o.log === undefined ? "" : ` (log: ${o.log})`}`, ...o.lines.map((l) => `    | ${l}`)];
}

const healthAt = ["deploy", "healthChecks"];

/** A standalone home: its generation built, its secrets checked to be in the store, its checks. */
function prepareHome(root: string, project: Project, t: Selected): Prepared {
  const config = checked(project.home(t.name)) as HomeConfig & {
    deploy: { healthChecks: Record<string, HealthCheckOptions> };
  };
  for (const name of Object.keys(config.secrets)) {
    if (!existsSync(join(root, "sops", "secrets", name, "secret"))) {
      throw new GroveError(
        "SecretNotFound",
        `secrets.${name}: the fleet's store has no secret \`${name}\`.`,
        {
          path: ["secrets", name],
          hint: `Create it with \`grove secrets set ${name}\`, or remove the entry.`,
        },
      );
    }
  }
  const r = homeSpecFromConfig(config, homeSources(root));
  const home = buildHome(t.name, r.spec, {
    repoRoot: root,
    stateDir: join(root, ".grove/deploy", t.name),
    homeDirectory: r.homeDirectory ?? null,
  });
  return { ...t, home, checks: healthChecksOf(config.deploy.healthChecks, healthAt) };
}

/** A machine: its system in the rendered flake, and its checks. */
function prepareMachine(project: Project, flake: string, t: Selected): Prepared {
  const cls = project.machineInfo(t.name).class as SystemClass;
  const config = project.machine(t.name).config as { deploy: { healthChecks: unknown } };
  const options = deepForce(config.deploy.healthChecks) as Record<string, HealthCheckOptions>;
  return {
    ...t,
    machine: { cls, installable: systemInstallable(flake, cls, t.name) },
    checks: healthChecksOf(options, healthAt),
  };
}

/** Runs `prepare`, turning a Grove error into the target's build failure. */
function guarded(t: Selected, prepare: () => Prepared): Prepared {
  try {
    return prepare();
  } catch (e) {
    if (!isGroveError(e)) throw e;
    return { ...t, buildError: `error[${e.code}]: ${e.message}` };
  }
}

/** `grove deploy` */
export const deployCommand = defineCommand({
  meta: { name: "deploy", description: "Deploy machines and standalone homes over SSH" },
  args: {
    targets: {
      type: "positional",
      required: false,
      description: "Machines, homes `user@host` or `@tag` (default: @all)",
    },
    jobs: { type: "string", valueHint: "N", description: "Targets deployed at once (default 4)" },
    "dry-run": { type: "boolean", description: "Show what would change on each target; change nothing" },
    "confirm-timeout": {
      type: "string",
      valueHint: "SECONDS",
      description: "How long a target waits for the confirmation before rolling itself back (default 30)",
    },
    "build-on": {
      type: "string",
      valueHint: "local|target",
      description: "Where machines' systems are built (default local)",
    },
    rollback: { type: "boolean", description: "Return the named targets to their previous generation" },
    "ssh-config": {
      type: "string",
      valueHint: "FILE",
      description: "An ssh_config to use instead of ~/.ssh/config (also $GROVE_SSH_CONFIG)",
    },
    progress: {
      type: "boolean",
      default: true,
      description: "Live rows per target in a terminal (not in CI)",
      negativeDescription: "Plain `target: step` lines instead of live rows",
    },
    ...dirArg,
  },
  run: async ({ args }) => {
    const jobs = wholeNumber(args.jobs, 4, "--jobs", 1);
    const confirmTimeout = wholeNumber(args["confirm-timeout"], 30, "--confirm-timeout", 1);
    const buildOn = buildOnOf(args["build-on"]);
    const rollback = args.rollback === true;
    const selectors = args._.map(String);
    if (rollback && selectors.length === 0) {
      throw new GroveError("Usage", "`--rollback` needs the targets to roll back named.", {
        hint: "Name them: `grove deploy --rollback web1 alice@buildbox`.",
      });
    }
    const { root, project, inventory } = await openProject(args.dir);
    const candidates: Candidate[] = [
      ...project.machineNames().map((name) => {
        const m = project.machineInfo(name);
        return { name, kind: "machine" as const, tags: m.tags, deploy: m.deploy };
      }),
      ...project
        .homeTargets()
        .filter((h) => h.standalone)
        .map((h) => ({
          name: h.id,
          kind: "home" as const,
          tags: ["all"],
          deploy: (project.config.homes[h.id] as { deploy: Candidate["deploy"] }).deploy,
        })),
    ];
    const selected = selectTargets(candidates, selectors);
    // The machines' flake is rendered once, for the machines deployed only, before any connection.
    const machines = selected.filter((t) => t.kind === "machine" && t.skip === undefined).map((t) => t.name);
    const flake = join(root, ".grove/deploy/nix");
    let renderError: string | undefined;
    if (machines.length > 0 && !rollback) {
      try {
        await build(root, inventory, flake, machines);
      } catch (e) {
        if (!isGroveError(e)) throw e;
        renderError = `error[${e.code}]: ${e.message}`;
      }
    }
    // Every target is prepared before any connection, so a broken one fails alone and early.
    const prepared: Prepared[] = selected.map((t) => {
      if (t.skip !== undefined) return t;
      if (t.kind === "home") return guarded(t, () => prepareHome(root, project, t));
      if (renderError !== undefined) return { ...t, buildError: renderError };
      return guarded(t, () => prepareMachine(project, flake, t));
    });
    const progress = wantsLive(process.stdout, process.env, args.progress !== false)
      ? liveProgress(
          prepared.map((t) => t.name),
          { jobs },
        )
      : plainProgress((line) => process.stderr.write(`${line}\n`));
    const outcomes = await deploy(prepared, {
      jobs,
      dryRun: args["dry-run"] === true,
      logDir: join(root, ".grove/logs"),
      sshConfig: args["ssh-config"] ?? process.env.GROVE_SSH_CONFIG,
      confirmTimeout,
      buildOn,
      rollback,
      onStep: (name, step) => progress.step(name, step),
      onDone: (o) => progress.done(o),
    }).finally(() => progress.end());
    for (const o of outcomes) for (const line of show(o)) out(line);
    const good = outcomes.filter((o) => o.status === "ok" || o.status === "planned").length;
    const done = args["dry-run"] ? "planned" : rollback ? "rolled back" : "deployed";
    out(`${good} of ${outcomes.length} target${outcomes.length === 1 ? "" : "s"} ${done}.`);
    // Only an all-successful run exits 0: a skipped target was not deployed either.
    if (good !== outcomes.length) process.exitCode = 1;
  },
});
