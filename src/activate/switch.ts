/**
 * Switching the home to a generation, and rolling back. The order of work:
 *
 * 1. undo an interrupted switch, if the journal says there was one;
 * 2. plan against the disk and refuse, before any write, if anything is in the way;
 * 3. run the steps in DAG order: at `writeBoundary` the journal (every intended change) is written;
 *    `linkGeneration` swaps secrets, removes targets that left, numbers the generation, flips `current`
 *    and makes the new links and copies; `onFilesChange` runs `onChange` commands;
 * 4. on any failure, undo the journal, so the previous generation is live and the home as it was.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { GroveError } from "../errors.js";
import { type Collision, type Drift, describeCollision, planLinks } from "./collisions.js";
import { folderHash, type Generation, type Manifest, type ManifestEntry, sha256 } from "./generation.js";
import {
  applyOp,
  finishJournal,
  type Journal,
  type Op,
  recoverInterrupted,
  type SecretFile,
  undoJournal,
  writeJournal,
} from "./journal.js";
import { layoutOf } from "./layout.js";
import { type Logger, makeLog } from "./log.js";
import type { SecretProvider } from "./spec.js";
import { acquireLock, currentNumber, listGenerations, readGeneration } from "./state.js";
import { orderSteps, runShell } from "./steps.js";

export interface ActivateOptions {
  /** The home directory targets are relative to. */
  home: string;
  stateDir: string;
  /** Where decrypted secrets live; default `<stateDir>/runtime`. Prefer a tmpfs such as `$XDG_RUNTIME_DIR`. */
  runtimeDir?: string;
  /** Report what would change, change nothing; steps run with `DRY_RUN=1`, `onChange` commands do not run. */
  dryRun?: boolean;
  /** Send `verbose` log events and run steps with `VERBOSE=1`. */
  verbose?: boolean;
  logger?: Logger;
  /** Move colliding files to `<name>.<ext>`; overrides the generation's own setting. */
  backupExtension?: string;
}

/** One change a switch makes (or, on a dry run, would make). */
export interface Action {
  kind:
    | "mkdir"
    | "link"
    | "unlink"
    | "copy"
    | "set-aside"
    | "backup"
    | "number"
    | "flip"
    | "secrets"
    | "onChange"
    | "step";
  /** A path relative to the home, a generation number or a step name. */
  subject: string;
  detail: string;
}

export interface SwitchResult {
  /** The generation live afterwards (on a dry run: that would be). */
  generation: number;
  previous: number | null;
  /** Whether anything in the home or the state folder changed (would change). */
  changed: boolean;
  actions: Action[];
  /** Targets left alone, adoptions, secrets that could not be restored. */
  warnings: string[];
  /** Mutable copies the user edited, kept as they are. */
  drift: Drift[];
  /** Whether an interrupted switch was undone first. */
  recovered: boolean;
  dryRun: boolean;
}

function rel(home: string, path: string): string {
  return path.startsWith(`${home}/`) ? path.slice(home.length + 1) : path;
}

function describeOp(op: Op, home: string): Action {
  switch (op.op) {
    case "mkdir":
      return { kind: "mkdir", subject: rel(home, op.path), detail: "create folder" };
    case "link":
      return { kind: "link", subject: rel(home, op.path), detail: `link to ${op.text}` };
    case "unlink":
      return { kind: "unlink", subject: rel(home, op.path), detail: "remove Grove link" };
    case "copy":
      return { kind: "copy", subject: rel(home, op.path), detail: "write mutable copy" };
    case "stash":
      return {
        kind: "set-aside",
        subject: rel(home, op.path),
        detail: "remove (kept until the switch succeeds)",
      };
    case "backup":
      return { kind: "backup", subject: rel(home, op.path), detail: `move to ${rel(home, op.backup)}` };
    case "record":
      return { kind: "number", subject: String(op.number), detail: "number the new generation" };
    case "flip":
      return { kind: "flip", subject: String(op.to), detail: `make generation ${op.to} live` };
    case "secrets":
      return { kind: "secrets", subject: op.to ?? "none", detail: "replace the decrypted secrets" };
  }
}

function collisionError(collisions: Collision[], home: string): GroveError {
  const lines = collisions.map((c) => `  ${describeCollision(c)}`).join("\n");
  const n = collisions.length;
  return new GroveError(
    "HomeCollision",
    `Switching would clobber ${n} path${n === 1 ? "" : "s"} in ${home} not managed by Grove:\n${lines}`,
    { file: home },
  );
}

async function readSecrets(
  manifest: Manifest,
  providers: ReadonlyMap<string, SecretProvider>,
): Promise<Map<string, SecretFile>> {
  const out = new Map<string, SecretFile>();
  for (const e of manifest.entries) {
    if (e.kind !== "secret") continue;
    const provide = providers.get(e.secret);
    if (provide === undefined) {
      throw new GroveError("HomeSecretFailed", `No provider was given for the secret \`${e.secret}\`.`, {
        path: ["files", e.target],
      });
    }
    try {
      const v = await provide();
      out.set(e.secret, { bytes: typeof v === "string" ? Buffer.from(v) : v, mode: modeBits(e.mode) });
    } catch (cause) {
      // The provider's own message could quote plaintext; name the secret only.
      throw new GroveError(
        "HomeSecretFailed",
        `The secret \`${e.secret}\` (for \`${e.target}\`) could not be read.`,
        {
          path: ["files", e.target],
          cause,
        },
      );
    }
  }
  return out;
}

function modeBits(mode: string): number {
  return Number.parseInt(mode, 8);
}

/** The live secret set: its id, plaintexts and modes. */
function liveSecrets(stateDir: string): { id: string; files: Map<string, SecretFile> } | null {
  let dir: string;
  try {
    dir = readlinkSync(layoutOf(stateDir).secrets);
  } catch {
    return null;
  }
  const files = new Map<string, SecretFile>();
  if (existsSync(dir)) {
    for (const name of readdirSync(dir)) {
      const file = join(dir, name);
      files.set(name, { bytes: readFileSync(file), mode: statSync(file).mode & 0o7777 });
    }
  }
  return { id: basename(dir), files };
}

/** The live plaintexts with the modes `manifest` gives them (secrets it does not name keep theirs). */
function withModes(live: ReadonlyMap<string, SecretFile>, manifest: Manifest): Map<string, SecretFile> {
  const out = new Map(live);
  for (const e of manifest.entries) {
    if (e.kind !== "secret") continue;
    const file = live.get(e.secret);
    if (file !== undefined) out.set(e.secret, { ...file, mode: modeBits(e.mode) });
  }
  return out;
}

function sameSecrets(a: ReadonlyMap<string, SecretFile>, b: ReadonlyMap<string, SecretFile>): boolean {
  return (
    a.size === b.size &&
    [...b].every(([k, v]) => {
      const x = a.get(k);
      return x !== undefined && x.mode === v.mode && Buffer.from(x.bytes).equals(v.bytes);
    })
  );
}

/** What the home shows at an entry's target now, as a hash comparable with the entry's; null if absent. */
function shownHash(home: string, entry: ManifestEntry): string | null {
  const path = join(home, entry.target);
  const st = statSync(path, { throwIfNoEntry: false });
  if (st === undefined) return null;
  if (entry.kind === "folder") {
    if (!st.isDirectory()) return null;
    const items = entry.files.map((f) => {
      const s = statSync(join(path, f.path), { throwIfNoEntry: false });
      const hash = s?.isFile() ? sha256(readFileSync(join(path, f.path))) : "";
      return { path: f.path, hash, executable: s !== undefined && (s.mode & 0o100) !== 0 };
    });
    if (!entry.recursive) {
      // A whole-folder link: files dropped from the folder count as a change too.
      const count = (d: string): number =>
        readdirSync(d, { withFileTypes: true }).reduce(
          (n, x) => n + (x.isDirectory() ? count(join(d, x.name)) : 1),
          0,
        );
      if (count(path) !== entry.files.length) return null;
    }
    return folderHash(items);
  }
  return st.isFile() ? sha256(readFileSync(path)) : null;
}

/** The hash of what an entry will show; for a secret, of the plaintext it will link to. */
function wantedHash(entry: ManifestEntry, secrets: ReadonlyMap<string, SecretFile>): string | null {
  if (entry.kind !== "secret") return entry.hash;
  const p = secrets.get(entry.secret);
  return p === undefined ? null : sha256(p.bytes);
}

interface Target {
  hash: string;
  manifest: Manifest;
  /** An existing generation number (rollback), or "new" to number it unless it is the live one. */
  number: number | "new";
  /** Secret providers; null keeps the live plaintexts (rollback has no providers), with the manifest's modes. */
  providers: ReadonlyMap<string, SecretProvider> | null;
}

function stepEnv(opts: {
  home: string;
  stateDir: string;
  generation: string;
  number: number;
  dryRun: boolean;
  verbose: boolean;
}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  delete env.DRY_RUN;
  delete env.VERBOSE;
  Object.assign(env, {
    HOME: opts.home,
    GROVE_STATE_DIR: opts.stateDir,
    GROVE_GENERATION: opts.generation,
    GROVE_GENERATION_NUMBER: String(opts.number),
  });
  if (opts.dryRun) env.DRY_RUN = "1";
  if (opts.verbose) env.VERBOSE = "1";
  return env;
}

async function activate(target: Target, options: ActivateOptions): Promise<SwitchResult> {
  const home = resolve(options.home);
  const stateDir = resolve(options.stateDir);
  const runtimeDir = resolve(options.runtimeDir ?? join(stateDir, "runtime"));
  const dryRun = options.dryRun ?? false;
  const verbose = options.verbose ?? false;
  const log = makeLog(options.logger, verbose);
  const layout = layoutOf(stateDir);
  const manifest = target.manifest;

  let release: (() => void) | undefined;
  if (!dryRun) {
    mkdirSync(stateDir, { recursive: true });
    release = acquireLock(stateDir);
  }
  try {
    let recovered = false;
    if (dryRun) {
      if (existsSync(layout.journal))
        log.warn("An interrupted switch will be undone first; this plan ignores it.");
    } else recovered = recoverInterrupted(stateDir, log);
    if (!dryRun && !existsSync(join(layout.store, target.hash))) {
      throw new GroveError(
        "HomeGenerationMissing",
        `Generation ${target.hash} is not in the store (it was built as a dry run).`,
        { file: layout.store },
      );
    }

    const liveNumber = currentNumber(stateDir);
    const live = liveNumber === null ? null : readGeneration(stateDir, liveNumber);
    let number: number;
    if (target.number !== "new") number = target.number;
    else if (live !== null && live.info.hash === target.hash) number = live.info.number;
    else number = Math.max(0, ...listGenerations(stateDir).map((g) => g.number)) + 1;
    const order = orderSteps(manifest.steps);

    const warnings: string[] = [];
    const secretsNow = liveSecrets(stateDir);
    // Rollback has no providers: the live plaintexts stay, with the modes this generation gives them.
    const secrets =
      target.providers !== null
        ? await readSecrets(manifest, target.providers)
        : secretsNow === null
          ? null
          : withModes(secretsNow.files, manifest);
    let secretsOp: Op | undefined;
    if (
      secrets !== null &&
      !(secretsNow === null ? secrets.size === 0 : sameSecrets(secretsNow.files, secrets))
    ) {
      secretsOp = {
        op: "secrets",
        from: secretsNow?.id ?? null,
        to: secrets.size === 0 ? null : randomBytes(8).toString("hex"),
      };
    }
    if (target.providers === null) {
      for (const e of manifest.entries) {
        if (e.kind === "secret" && secretsNow?.files.has(e.secret) !== true) {
          warnings.push(
            `The secret ${e.secret} is not decrypted, so ${e.target} dangles until the next switch.`,
          );
        }
      }
    }

    const plan = planLinks({
      home,
      stateDir,
      live: live === null ? null : { hash: live.info.hash, manifest: live.manifest },
      next: { hash: target.hash, manifest },
      backupExtension: options.backupExtension ?? manifest.backupExtension,
    });
    if (plan.collisions.length > 0) throw collisionError(plan.collisions, home);

    const shownSecrets: ReadonlyMap<string, SecretFile> = secrets ?? new Map();
    const onChange = manifest.entries.filter(
      (e) =>
        e.onChange !== null && !plan.kept.has(e.target) && shownHash(home, e) !== wantedHash(e, shownSecrets),
    );

    const ops: Op[] = [];
    if (secretsOp !== undefined) ops.push(secretsOp);
    ops.push(...plan.cleanup);
    if (target.number === "new" && number !== liveNumber) {
      ops.push({ op: "record", number, hash: target.hash, created: new Date().toISOString() });
    }
    if (number !== liveNumber) ops.push({ op: "flip", from: liveNumber, to: number });
    ops.push(...plan.link);
    const journal: Journal = { home, stateDir, runtimeDir, ops };
    const actions = ops.map((op) => describeOp(op, home));

    warnings.push(...plan.notes);
    for (const w of warnings) log.warn(w);
    for (const d of plan.drift)
      log.warn(`${d.target} was edited since Grove wrote it; keeping the edits:\n${d.diff}`);

    const env = stepEnv({
      home,
      stateDir,
      generation: join(layout.store, target.hash),
      number,
      dryRun,
      verbose,
    });
    const ctx = { home, env, log };
    let journalled = false;
    try {
      for (const name of order) {
        if (name === "checkLinkTargets") log.verbose("No collisions.");
        else if (name === "writeBoundary") {
          if (!dryRun && ops.length > 0) {
            writeJournal(journal);
            journalled = true;
          }
        } else if (name === "linkGeneration") {
          log.info(
            ops.length === 0
              ? "The home is up to date."
              : `${dryRun ? "Would make" : "Making"} ${ops.length} changes.`,
          );
          const applyCtx = { journal, keep: plan.keep, secrets: shownSecrets };
          for (const [i, op] of ops.entries()) {
            log.verbose(`${actions[i]!.detail}: ${actions[i]!.subject}`);
            if (!dryRun) applyOp(op, applyCtx);
          }
        } else if (name === "onFilesChange") {
          for (const e of onChange) {
            actions.push({ kind: "onChange", subject: e.target, detail: e.onChange! });
            log.info(`${dryRun ? "Would run" : "Running"} onChange of ${e.target}`);
            if (!dryRun) await runShell(`onChange of ${e.target}`, e.onChange!, ctx);
          }
        } else {
          const step = manifest.steps.find((s) => s.name === name)!;
          actions.push({ kind: "step", subject: name, detail: step.command });
          log.info(`Activating ${name}`);
          await runShell(`Step ${name}`, step.command, ctx);
        }
      }
    } catch (e) {
      if (journalled) {
        try {
          undoJournal(journal, log);
          log.warn(`Undid the switch: generation ${liveNumber ?? "(none)"} is live again.`);
        } catch (undoError) {
          log.warn(`Undoing the switch failed (${String(undoError)}); the next switch will retry.`);
        }
      }
      throw e;
    }
    if (journalled) {
      finishJournal(stateDir);
      if (secretsOp?.op === "secrets" && secretsOp.from !== null) {
        // The old plaintexts are no longer linked from anywhere.
        rmSync(join(runtimeDir, secretsOp.from), { recursive: true, force: true });
      }
    }
    return {
      generation: number,
      previous: liveNumber,
      changed: ops.length > 0,
      actions,
      warnings,
      drift: plan.drift,
      recovered,
      dryRun,
    };
  } finally {
    release?.();
  }
}

/**
 * Makes a built generation live: links every target into the home (or copies mutable ones), removes
 * targets that left the configuration, runs the activation steps. Refuses, changing nothing, when
 * anything unmanaged is in the way; on any later failure the previous generation is live again and
 * the home as it was. Switching to the live generation again changes nothing.
 *
 * @example
 * const gen = buildGeneration(spec, { repoRoot, stateDir });
 * const result = await switchGeneration(gen, { home, stateDir, logger: (e) => console.log(e.message) });
 * result.generation // the live generation's number
 */
export function switchGeneration(generation: Generation, options: ActivateOptions): Promise<SwitchResult> {
  return activate(
    { hash: generation.hash, manifest: generation.manifest, number: "new", providers: generation.secrets },
    options,
  );
}

/**
 * Makes an earlier (or later) numbered generation live again without creating a new number: the
 * previous one by default, or generation `to`. Secrets keep their last decrypted plaintexts, with
 * the modes generation `to` gives them.
 *
 * @example
 * await rollback({ home, stateDir });          // back to the generation before the live one
 * await rollback({ home, stateDir, to: 7 });   // to generation 7
 */
export async function rollback(options: ActivateOptions & { to?: number }): Promise<SwitchResult> {
  const stateDir = resolve(options.stateDir);
  const live = currentNumber(stateDir);
  let to = options.to;
  if (to === undefined) {
    const earlier = listGenerations(stateDir).filter((g) => live !== null && g.number < live);
    if (earlier.length === 0) {
      throw new GroveError(
        "HomeGenerationMissing",
        live === null ? "No generation is live yet." : `There is no generation before ${live}.`,
        { file: stateDir },
      );
    }
    to = earlier.at(-1)!.number;
  }
  const { info, manifest } = readGeneration(stateDir, to);
  return activate({ hash: info.hash, manifest, number: to, providers: null }, options);
}
