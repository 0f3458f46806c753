/**
 * The journal of a switch: every change it intends, written before the first one. Each change has an
 * undo that looks at the disk before acting, so undoing works the same after a failure in this process
 * and after a crash (where some changes happened and others did not).
 */
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmdirSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { GroveError } from "../errors.js";
import { sha256 } from "./generation.js";
import { layoutOf } from "./layout.js";
import type { Log } from "./log.js";
import { createRecord, pointCurrent, removeRecord, replaceLink, writeFileAtomic } from "./state.js";

/** One change to the home or the state folder; paths are absolute. */
export type Op =
  /** Create a directory in the home. */
  | { op: "mkdir"; path: string }
  /** Create a Grove link. */
  | { op: "link"; path: string; text: string }
  /** Remove a Grove link. */
  | { op: "unlink"; path: string; text: string }
  /** Write a mutable copy of a generation file. */
  | { op: "copy"; path: string; from: string; hash: string; executable: boolean }
  /** Move a file out of the way into the state folder; deleted when the switch succeeds. */
  | { op: "stash"; path: string; stash: string }
  /** Move a colliding file to its backup name, where it stays. */
  | { op: "backup"; path: string; backup: string }
  /** Number a new generation. */
  | { op: "record"; number: number; hash: string; created: string }
  /** Point `current` at another generation. */
  | { op: "flip"; from: number | null; to: number }
  /** Replace the live set of decrypted secrets. */
  | { op: "secrets"; from: string | null; to: string | null };

export interface Journal {
  home: string;
  stateDir: string;
  runtimeDir: string;
  ops: Op[];
}

/** A decrypted secret to write: its plaintext and file mode. */
export interface SecretFile {
  bytes: Uint8Array;
  mode: number;
}

/** What applying ops needs beyond the journal itself. */
export interface ApplyContext {
  journal: Journal;
  /** Folders that must stay because new targets go inside them. */
  keep: ReadonlySet<string>;
  /** The new secret set, by name. */
  secrets: ReadonlyMap<string, SecretFile>;
}

function lstat(path: string) {
  return lstatSync(path, { throwIfNoEntry: false });
}

/** Moves a file or link, copying when source and destination are on different file systems. */
function move(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EXDEV") throw e;
    const st = lstatSync(from);
    if (st.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else copyFileSync(from, to);
    unlinkSync(from);
  }
}

/** Removes now-empty folders from `dir` upwards, stopping at the home and at folders still needed. */
function prune(dir: string, home: string, keep: ReadonlySet<string>): void {
  while (dir !== home && dir.startsWith(`${home}/`) && !keep.has(dir)) {
    try {
      rmdirSync(dir);
    } catch {
      return;
    }
    dir = dirname(dir);
  }
}

function writeSecretSet(runtimeDir: string, id: string, secrets: ReadonlyMap<string, SecretFile>): string {
  mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
  chmodSync(runtimeDir, 0o700);
  const dir = join(runtimeDir, id);
  mkdirSync(dir, { mode: 0o700 });
  for (const [name, { bytes, mode }] of secrets) {
    const file = join(dir, name);
    writeFileSync(file, bytes, { mode: 0o400 });
    chmodSync(file, mode); // not at creation: the umask would clear bits
  }
  return dir;
}

/** Carries out one op. */
export function applyOp(op: Op, ctx: ApplyContext): void {
  const { home, stateDir, runtimeDir } = ctx.journal;
  switch (op.op) {
    case "mkdir":
      mkdirSync(op.path);
      return;
    case "link":
      symlinkSync(op.text, op.path);
      return;
    case "unlink":
      unlinkSync(op.path);
      prune(dirname(op.path), home, ctx.keep);
      return;
    case "copy": {
      const tmp = `${op.path}.grove-${randomBytes(4).toString("hex")}`;
      copyFileSync(op.from, tmp);
      chmodSync(tmp, op.executable ? 0o755 : 0o644);
      renameSync(tmp, op.path);
      return;
    }
    case "stash":
      mkdirSync(dirname(op.stash), { recursive: true });
      move(op.path, op.stash);
      prune(dirname(op.path), home, ctx.keep);
      return;
    case "backup":
      renameSync(op.path, op.backup);
      return;
    case "record":
      createRecord(stateDir, op.number, op.hash, new Date(op.created));
      return;
    case "flip":
      pointCurrent(stateDir, op.to);
      return;
    case "secrets": {
      const link = layoutOf(stateDir).secrets;
      if (op.to === null) rmSync(link, { force: true });
      else replaceLink(writeSecretSet(runtimeDir, op.to, ctx.secrets), link);
      return;
    }
  }
}

/** Undoes one op if, judging by the disk, it happened. */
function undoOp(op: Op, journal: Journal, log: Log): void {
  const { stateDir, runtimeDir } = journal;
  const st = "path" in op ? lstat(op.path) : undefined;
  switch (op.op) {
    case "mkdir":
      if (st?.isDirectory() && readdirSync(op.path).length === 0) rmdirSync(op.path);
      return;
    case "link":
      if (st?.isSymbolicLink() && readlinkSync(op.path) === op.text) unlinkSync(op.path);
      return;
    case "unlink":
      if (st === undefined) {
        mkdirSync(dirname(op.path), { recursive: true });
        symlinkSync(op.text, op.path);
      }
      return;
    case "copy":
      if (st?.isFile() && sha256(readFileSync(op.path)) === op.hash) unlinkSync(op.path);
      return;
    case "stash":
    case "backup": {
      const aside = op.op === "stash" ? op.stash : op.backup;
      if (lstat(aside) === undefined) return;
      if (st === undefined) {
        mkdirSync(dirname(op.path), { recursive: true });
        move(aside, op.path);
      } else {
        log.warn(`Could not move \`${aside}\` back to \`${op.path}\`: something else is there now.`);
      }
      return;
    }
    case "record":
      removeRecord(stateDir, op.number);
      return;
    case "flip":
      pointCurrent(stateDir, op.from);
      return;
    case "secrets": {
      const link = layoutOf(stateDir).secrets;
      if (op.from === null) rmSync(link, { force: true });
      else replaceLink(join(runtimeDir, op.from), link);
      if (op.to !== null) rmSync(join(runtimeDir, op.to), { recursive: true, force: true });
      return;
    }
  }
}

/** Writes the journal; from then on a crash is undone by the next activation. */
export function writeJournal(journal: Journal): void {
  writeFileAtomic(layoutOf(journal.stateDir).journal, `${JSON.stringify(journal, null, 2)}\n`);
}

/** Undoes every op of a journal, last first, then forgets the journal. */
export function undoJournal(journal: Journal, log: Log): void {
  for (const op of [...journal.ops].reverse()) undoOp(op, journal, log);
  finishJournal(journal.stateDir);
}

/** Forgets the journal (the switch is complete or undone) and deletes what was set aside. */
export function finishJournal(stateDir: string): void {
  const layout = layoutOf(stateDir);
  rmSync(layout.journal, { force: true });
  rmSync(layout.txn, { recursive: true, force: true });
}

/**
 * Undoes a switch that was interrupted (the process died), if the journal says one was. Returns
 * whether there was one.
 */
export function recoverInterrupted(stateDir: string, log: Log): boolean {
  const layout = layoutOf(stateDir);
  if (!existsSync(layout.journal)) {
    // A switch that completed but died before deleting what it set aside.
    rmSync(layout.txn, { recursive: true, force: true });
    return false;
  }
  let journal: Journal;
  try {
    journal = JSON.parse(readFileSync(layout.journal, "utf8")) as Journal;
  } catch (e) {
    throw new GroveError("HomeStateCorrupt", "The journal of an interrupted switch cannot be read.", {
      file: layout.journal,
      cause: e,
    });
  }
  log.warn(`Undoing an interrupted switch of ${journal.home} (${journal.ops.length} changes planned).`);
  undoJournal(journal, log);
  return true;
}
