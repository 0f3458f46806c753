/**
 * `grove home build|switch|rollback|generations|expire|diff`: native home activation of a home of
 * the fleet (`user@host`, evaluated from its aspects), or of a plain JSON spec (`--spec FILE`, see
 * docs/activation.md).
 */
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { defineCommand } from "citty";
import {
  type Action,
  buildGeneration,
  diffGenerations,
  expire,
  type HomeConfig,
  type HomeSpec,
  homeSpecFromConfig,
  type LogEvent,
  listGenerations,
  loadHomeSpec,
  parseAge,
  rollback,
  type SwitchResult,
  switchGeneration,
} from "../activate/index.js";
import { GroveError } from "../errors.js";
import type { Project } from "../project/index.js";
import { checked } from "./eval.js";
import { dirArg, homeSources, openProject } from "./fleet.js";

const out = (text: string) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
const err = (text: string) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`);

const common = {
  home: {
    type: "string",
    valueHint: "DIR",
    description: "Activate into DIR instead of $HOME (state then lives in DIR/.local/state/grove/home)",
  },
} as const;

const activation = {
  "dry-run": { type: "boolean", description: "Show what would change; change nothing" },
  verbose: { type: "boolean", description: "Say what is done and why; steps get VERBOSE=1" },
  "backup-ext": {
    type: "string",
    valueHint: "EXT",
    description: "Move files in the way to <name>.EXT instead of refusing",
  },
} as const;

interface Where {
  home: string;
  stateDir: string;
  runtimeDir: string;
  /** Whether the home was given with --home (then the user check is skipped). */
  explicit: boolean;
}

/** The home, state folder and runtime folder, from `--home` or the environment. */
function where(homeArg: string | undefined): Where {
  if (homeArg !== undefined) {
    const home = resolve(homeArg);
    const stateDir = join(home, ".local/state/grove/home");
    return { home, stateDir, runtimeDir: join(stateDir, "runtime"), explicit: true };
  }
  const home = process.env.HOME;
  if (home === undefined || home === "") {
    throw new GroveError("Usage", "$HOME is not set.", { hint: "Set $HOME, or pass `--home DIR`." });
  }
  const stateHome = process.env.XDG_STATE_HOME || join(home, ".local/state");
  const stateDir = join(stateHome, "grove/home");
  const runtime = process.env.XDG_RUNTIME_DIR;
  return {
    home: resolve(home),
    stateDir: resolve(stateDir),
    runtimeDir: runtime ? join(runtime, "grove/home") : join(stateDir, "runtime"),
    explicit: false,
  };
}

/** The home to activate: its spec, where its sources live, and whom it is for. */
interface Chosen {
  spec: HomeSpec;
  repoRoot: string;
  /** How messages name it: "The home alice@laptop", "The spec". */
  label: string;
  user?: string | undefined;
  homeDirectory?: string | undefined;
  /** Packages native activation cannot install. */
  packages: string[];
}

/** Without a `user@host`: the one home of the fleet for `$USER` on this host. */
function defaultHome(project: Project): string {
  const user = process.env.USER;
  const full = hostname();
  const short = full.split(".")[0] ?? full;
  const homes = project.homeTargets();
  const mine = homes.filter((h) => h.user === user && (h.host === full || h.host === short));
  if (mine.length === 1) return mine[0]!.id;
  const list = homes.map((h) => `\n  ${h.id}`).join("");
  const who = `$USER ${user ?? "(unset)"} on the host ${short}`;
  throw new GroveError(
    "HomeNotChosen",
    mine.length === 0
      ? `No home of this fleet is for ${who}. The homes are:${list}`
      : `Several homes are for ${who}:${mine.map((h) => `\n  ${h.id}`).join("")}`,
  );
}

/** The home named on the command line: `--spec FILE`, or a home of the fleet (evaluated). */
async function chooseHome(args: {
  target?: string | undefined;
  spec?: string | undefined;
  dir?: string | undefined;
}): Promise<Chosen> {
  if (args.spec !== undefined) {
    if (args.target !== undefined || args.dir !== undefined) {
      throw new GroveError("Usage", "`--spec` names the home by itself; drop `user@host` and `--dir`.");
    }
    const loaded = loadHomeSpec(args.spec);
    return {
      spec: loaded.spec,
      repoRoot: loaded.repoRoot,
      label: "The spec",
      user: loaded.user,
      homeDirectory: loaded.homeDirectory,
      packages: [],
    };
  }
  const { root, project } = await openProject(args.dir);
  const id = args.target ?? defaultHome(project);
  const config = checked(project.home(id)) as HomeConfig;
  const r = homeSpecFromConfig(config, homeSources(root));
  return {
    spec: r.spec,
    repoRoot: root,
    label: `The home ${id}`,
    user: r.username,
    homeDirectory: r.homeDirectory,
    packages: r.packages,
  };
}

/** As home-manager does: refuse to activate someone else's home by mistake. */
function checkOwner(chosen: Chosen, w: Where): void {
  if (w.explicit) return;
  const user = process.env.USER;
  if (chosen.user !== undefined && user !== chosen.user) {
    throw new GroveError(
      "HomeUserMismatch",
      `${chosen.label} is for the user ${chosen.user}, but $USER is ${user ?? "unset"}.`,
    );
  }
  if (chosen.homeDirectory !== undefined && resolve(chosen.homeDirectory) !== w.home) {
    throw new GroveError(
      "HomeUserMismatch",
      `${chosen.label} is for the home ${chosen.homeDirectory}, but $HOME is ${w.home}.`,
    );
  }
}

/** `home.packages` need Nix: say so, naming them, rather than pretend to install them. */
function packagesNote(packages: readonly string[]): void {
  if (packages.length === 0) return;
  const n = packages.length;
  out(
    `note: ${n} package${n === 1 ? " needs" : "s need"} Nix: ${packages.join(", ")} (run \`grove build\` and home-manager, or install them yourself).`,
  );
}

function logger(event: LogEvent): void {
  if (event.level === "warn") err(`warning: ${event.message}`);
  else out(event.message);
}

function printAction(a: Action): void {
  if (a.kind === "step") out(`would run step ${a.subject} (with DRY_RUN=1): ${a.detail}`);
  else if (a.kind === "onChange") out(`would run onChange of ${a.subject}: ${a.detail}`);
  else out(`would ${a.detail}: ${a.subject}`);
}

function summary(r: SwitchResult): void {
  for (const d of r.drift) err(d.diff);
  if (r.dryRun) {
    for (const a of r.actions) printAction(a);
    out(`Dry run: generation ${r.generation} would be live${r.changed ? "" : " (nothing to change)"}.`);
  } else if (!r.changed) out(`Nothing to change: generation ${r.generation} is live.`);
  else out(`Generation ${r.generation} is live (was ${r.previous ?? "none"}).`);
}

function optionalNumber(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    throw new GroveError("Usage", `${name} must be a generation number, not \`${text}\`.`, {
      hint: "Run `grove home generations` to list the generation numbers.",
    });
  }
  return n;
}

const homeArgs = {
  target: {
    type: "positional",
    required: false,
    description: "The home, `user@host` (default: the fleet's home for $USER on this host)",
  },
  spec: {
    type: "string",
    valueHint: "FILE",
    description: "Activate a home written as JSON instead (see docs/activation.md)",
  },
  ...dirArg,
} as const;

const build = defineCommand({
  meta: { name: "build", description: "Build a home's generation without activating it" },
  args: { ...homeArgs, ...common },
  run: async ({ args }) => {
    const w = where(args.home);
    const chosen = await chooseHome(args);
    const gen = buildGeneration(chosen.spec, {
      repoRoot: chosen.repoRoot,
      stateDir: w.stateDir,
      home: w.home,
    });
    out(`Built generation ${gen.hash} (${gen.manifest.entries.length} entries):\n${gen.path}`);
    packagesNote(chosen.packages);
  },
});

const switchCommand = defineCommand({
  meta: { name: "switch", description: "Build a home's generation and make it live" },
  args: { ...homeArgs, ...common, ...activation },
  run: async ({ args }) => {
    const w = where(args.home);
    const chosen = await chooseHome(args);
    checkOwner(chosen, w);
    const dryRun = args["dry-run"] === true;
    const gen = buildGeneration(chosen.spec, {
      repoRoot: chosen.repoRoot,
      stateDir: w.stateDir,
      home: w.home,
      dryRun,
    });
    const r = await switchGeneration(gen, {
      home: w.home,
      stateDir: w.stateDir,
      runtimeDir: w.runtimeDir,
      dryRun,
      verbose: args.verbose === true,
      logger,
      ...(args["backup-ext"] === undefined ? {} : { backupExtension: args["backup-ext"] }),
    });
    summary(r);
    packagesNote(chosen.packages);
  },
});

const rollbackCommand = defineCommand({
  meta: { name: "rollback", description: "Make the previous generation (or generation N) live again" },
  args: {
    target: {
      type: "positional",
      required: false,
      description: "The home, `user@host`: without --home, refuse unless it is $USER's at $HOME",
    },
    ...dirArg,
    to: {
      type: "string",
      valueHint: "N",
      description: "The generation to go to (default: the one before the live one)",
    },
    ...common,
    ...activation,
  },
  run: async ({ args }) => {
    const w = where(args.home);
    // The generations live in the state folder; naming the home only adds the owner check.
    if (args.target !== undefined && !w.explicit) checkOwner(await chooseHome(args), w);
    const to = optionalNumber(args.to, "--to");
    const r = await rollback({
      home: w.home,
      stateDir: w.stateDir,
      runtimeDir: w.runtimeDir,
      dryRun: args["dry-run"] === true,
      verbose: args.verbose === true,
      logger,
      ...(to === undefined ? {} : { to }),
      ...(args["backup-ext"] === undefined ? {} : { backupExtension: args["backup-ext"] }),
    });
    summary(r);
  },
});

const generations = defineCommand({
  meta: { name: "generations", description: "List the generations, marking the live one" },
  args: { json: { type: "boolean", description: "Print JSON" }, ...common },
  run: ({ args }) => {
    const list = listGenerations(where(args.home).stateDir);
    if (args.json === true) {
      out(JSON.stringify(list.map((g) => ({ ...g, created: g.created.toISOString() }))));
      return;
    }
    if (list.length === 0) out("No generations yet.");
    for (const g of [...list].reverse()) {
      const date = g.created.toISOString().replace("T", " ").slice(0, 19);
      out(`${String(g.number).padStart(4)}  ${date}  ${g.hash}${g.current ? "  (current)" : ""}`);
    }
  },
});

const expireCommand = defineCommand({
  meta: { name: "expire", description: "Delete generations older than an age (never the live one)" },
  args: {
    "older-than": {
      type: "string",
      valueHint: "AGE",
      required: true,
      description: "An age such as 30d, 12h, 2w",
    },
    "dry-run": activation["dry-run"],
    ...common,
  },
  run: ({ args }) => {
    const r = expire({
      stateDir: where(args.home).stateDir,
      olderThan: parseAge(args["older-than"]),
      dryRun: args["dry-run"] === true,
      logger,
    });
    if (r.removed.length === 0) out("No generation is that old.");
    else if (args["dry-run"] !== true) out(`Freed ${r.collected.length} store folders.`);
  },
});

const diff = defineCommand({
  meta: { name: "diff", description: "Compare two generations (default: the previous and the live one)" },
  args: {
    from: { type: "positional", required: false, description: "The older generation" },
    to: { type: "positional", required: false, description: "The newer generation (default: the live one)" },
    ...common,
  },
  run: ({ args }) => {
    const d = diffGenerations(
      where(args.home).stateDir,
      optionalNumber(args.from, "FROM"),
      optionalNumber(args.to, "TO"),
    );
    out(`Generation ${d.from} → ${d.to}: ${d.changes.length} change${d.changes.length === 1 ? "" : "s"}`);
    const sign = { added: "+", removed: "-", changed: "~" } as const;
    for (const c of d.changes) {
      const multiline = c.detail.includes("\n");
      out(`${sign[c.change]} ${c.target}${multiline ? "" : ` (${c.detail})`}`);
      if (multiline) out(c.detail.replace(/^/gm, "    "));
    }
  },
});

/** `grove home …` */
export default defineCommand({
  meta: { name: "home", description: "Native home activation: generations, switch, rollback" },
  subCommands: {
    build,
    switch: switchCommand,
    rollback: rollbackCommand,
    generations,
    expire: expireCommand,
    diff,
  },
});
