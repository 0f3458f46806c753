/**
 * `grove deploy [target…|@tag…]`: builds each selected standalone home once, then deploys them over
 * the system's OpenSSH in parallel and prints one line per target. See docs/deploy.md.
 */
import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import { defineCommand } from "citty";
import { type HomeConfig, homeSpecFromConfig } from "../activate/index.js";
import {
  buildHome,
  type Candidate,
  deploy,
  type Outcome,
  type Prepared,
  selectTargets,
} from "../deploy/index.js";
import { GroveError, isGroveError } from "../errors.js";
import { checked } from "./eval.js";
import { dirArg, openProject } from "./fleet.js";
import { ending, liveProgress, plainProgress, wantsLive } from "./progress.js";

const out = (text: string) => process.stdout.write(`${text}\n`);

function jobsOf(text: string | undefined): number {
  const n = Number(text ?? "4");
  if (!Number.isInteger(n) || n < 1) {
    throw new GroveError("Usage", `--jobs must be a whole number of at least 1, not \`${text}\`.`);
  }
  return n;
}

function show(o: Outcome): string[] {
  const head = `${o.name.padEnd(24)} ${ending(o)}`;
  if (o.status === "ok" || o.status === "skipped") return [head];
  if (o.status === "planned") return [head, ...o.lines.map((l) => `    ${l}`)];
  return [`${head}${o.log === undefined ? "" : ` (log: ${o.log})`}`, ...o.lines.map((l) => `    | ${l}`)];
}

/** `grove deploy` */
export const deployCommand = defineCommand({
  meta: { name: "deploy", description: "Deploy standalone homes over SSH (machines: not yet)" },
  args: {
    targets: {
      type: "positional",
      required: false,
      description: "Machines, homes `user@host` or `@tag` (default: @all)",
    },
    jobs: { type: "string", valueHint: "N", description: "Targets deployed at once (default 4)" },
    "dry-run": { type: "boolean", description: "Show what would change on each target; change nothing" },
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
    const jobs = jobsOf(args.jobs);
    const { root, project } = await openProject(args.dir);
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
    const selected = selectTargets(candidates, args._.map(String));
    const sourceKind = (source: string) => {
      const st = statSync(resolve(root, source), { throwIfNoEntry: false });
      return st === undefined ? undefined : st.isDirectory() ? "folder" : "file";
    };
    // Every home is built before any connection, so a broken home fails alone and early.
    const prepared: Prepared[] = selected.map((t) => {
      if (t.skip !== undefined) return t;
      try {
        const config = checked(project.home(t.name)) as HomeConfig;
        const r = homeSpecFromConfig(config, { sourceKind });
        const home = buildHome(t.name, r.spec, {
          repoRoot: root,
          stateDir: join(root, ".grove/deploy", t.name),
          homeDirectory: r.homeDirectory ?? null,
        });
        return { ...t, home };
      } catch (e) {
        if (!isGroveError(e)) throw e;
        return { ...t, buildError: `error[${e.code}]: ${e.message}` };
      }
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
      onStep: (name, step) => progress.step(name, step),
      onDone: (o) => progress.done(o),
    }).finally(() => progress.end());
    for (const o of outcomes) for (const line of show(o)) out(line);
    const good = outcomes.filter((o) => o.status === "ok" || o.status === "planned").length;
    out(
      `${good} of ${outcomes.length} target${outcomes.length === 1 ? "" : "s"} ${args["dry-run"] ? "planned" : "deployed"}.`,
    );
    // Only an all-successful run exits 0: a skipped target was not deployed either.
    if (good !== outcomes.length) process.exitCode = 1;
  },
});
