/**
 * Planning a switch against the disk: which links to remove, which to make, what is in the way. Only
 * reads; the result is the list of ops the journal will hold, or the collisions that stop the switch.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync, type Stats } from "node:fs";
import { join } from "node:path";
import { unifiedDiff } from "./diff.js";
import { type Leaf, leavesOf, type Manifest, sha256 } from "./generation.js";
import type { Op } from "./journal.js";
import { isGroveLink, layoutOf, linkText } from "./layout.js";

/** Why a path in the home stops a switch. */
export type CollisionReason =
  | "file"
  | "symlink"
  | "directory"
  | "special"
  | "editedCopy"
  | "backupTaken"
  | "parentSymlink"
  | "parentNotDirectory";

/** A path in the home that the switch would clobber, and why. */
export interface Collision {
  /** Path relative to the home. */
  target: string;
  reason: CollisionReason;
  detail: string;
}

/** A mutable copy the user edited: kept as it is, with the edits shown as a diff. */
export interface Drift {
  target: string;
  /** Unified diff from what Grove last wrote to what is on disk. */
  diff: string;
}

export interface LinkPlan {
  /** Removal of targets that left the configuration; runs before the generation flips. */
  cleanup: Op[];
  /** Folders, backups, replacements, links and copies for the new generation; runs after the flip. */
  link: Op[];
  /** Folders that new targets go into, which cleanup must not remove. */
  keep: Set<string>;
  collisions: Collision[];
  drift: Drift[];
  /** Things left alone, said out loud. */
  notes: string[];
  /** Targets kept as the user edited them (drift), whose `onChange` must not run. */
  kept: Set<string>;
}

export interface PlanInput {
  home: string;
  stateDir: string;
  live: { hash: string; manifest: Manifest } | null;
  next: { hash: string; manifest: Manifest };
  backupExtension: string | null;
}

const reasonText: Record<CollisionReason, string> = {
  file: "a file with other content",
  symlink: "a symlink that is not Grove's",
  directory: "a folder",
  special: "a special file",
  editedCopy: "a copy Grove wrote, edited since",
  backupTaken: "in the way, and its backup name is taken",
  parentSymlink: "inside a symlinked folder that is not Grove's",
  parentNotDirectory: "inside a path that is not a folder",
};

/** One line per collision, for the error message. */
export function describeCollision(c: Collision): string {
  return `${c.target}: ${reasonText[c.reason]}${c.detail === "" ? "" : ` (${c.detail})`}`;
}

function lstat(path: string) {
  return lstatSync(path, { throwIfNoEntry: false });
}

/**
 * What is at a path. Tries `readlink` first: in a home that is up to date nearly every target is a
 * link, and one system call per target is what keeps a no-op switch fast.
 */
function probe(path: string): { text: string } | { stat: Stats } | undefined {
  try {
    return { text: readlinkSync(path) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    if (code !== "EINVAL") throw e;
    return { stat: lstatSync(path) };
  }
}

function hashFile(path: string): string {
  return sha256(readFileSync(path));
}

function textOf(bytes: Buffer): string | null {
  return bytes.includes(0) ? null : bytes.toString("utf8");
}

/**
 * Compares the home with the live and the next generation and plans the switch. Collisions are
 * collected, not thrown, so every one can be reported at once.
 */
export function planLinks(input: PlanInput): LinkPlan {
  const { home, stateDir, live, next } = input;
  const store = layoutOf(stateDir).store;
  const txn = layoutOf(stateDir).txn;
  const oldLeaves = live === null ? new Map<string, Leaf>() : leavesOf(live.manifest);
  const newLeaves = leavesOf(next.manifest);
  const plan: LinkPlan = {
    cleanup: [],
    link: [],
    keep: new Set(),
    collisions: [],
    drift: [],
    notes: [],
    kept: new Set(),
  };
  let stashes = 0;
  const stash = (path: string): Op => ({ op: "stash", path, stash: join(txn, String(stashes++)) });

  const inHome = (rel: string) => (home === "/" ? `/${rel}` : `${home}/${rel}`);
  for (const rel of newLeaves.keys()) {
    for (let i = rel.indexOf("/"); i !== -1; i = rel.indexOf("/", i + 1))
      plan.keep.add(inHome(rel.slice(0, i)));
  }

  // Targets that left the configuration: removed only while they are still Grove's.
  const leaving = new Set<string>();
  for (const [rel, old] of oldLeaves) {
    if (newLeaves.has(rel)) continue;
    const path = inHome(rel);
    const found = probe(path);
    if (found === undefined) continue;
    if ("text" in found) {
      if (isGroveLink(stateDir, found.text)) {
        plan.cleanup.push({ op: "unlink", path, text: found.text });
        leaving.add(rel);
      } else plan.notes.push(`Left ${rel} alone: it no longer links into Grove's store.`);
    } else if (found.stat.isFile() && old.mode === "copy" && hashFile(path) === old.hash) {
      plan.cleanup.push(stash(path));
      leaving.add(rel);
    } else {
      plan.notes.push(`Left ${rel} alone: it was replaced or edited after Grove wrote it.`);
    }
  }

  /** A real folder whose whole content is Grove links that are leaving disappears during cleanup. */
  const emptiedByCleanup = (path: string, rel: string): boolean => {
    const names = readdirSync(path);
    return (
      names.length > 0 &&
      names.every((name) => {
        const st = lstat(join(path, name));
        const sub = `${rel}/${name}`;
        if (st?.isDirectory()) return emptiedByCleanup(join(path, name), sub);
        return leaving.has(sub);
      })
    );
  };

  const ancestors = new Map<string, "dir" | "absent" | Collision>();
  const backups = new Set<string>();
  const collide = (target: string, reason: CollisionReason, detail = "") =>
    plan.collisions.push({ target, reason, detail });

  for (const [rel, leaf] of newLeaves) {
    let missing = false;
    let blocked = false;
    for (let i = rel.indexOf("/"); i !== -1 && !blocked; i = rel.indexOf("/", i + 1)) {
      const aRel = rel.slice(0, i);
      let state = ancestors.get(aRel);
      if (state === undefined) {
        const aPath = inHome(aRel);
        const st = missing ? undefined : lstat(aPath);
        if (st === undefined) state = "absent";
        else if (st.isDirectory()) state = "dir";
        else if (st.isSymbolicLink()) {
          const text = readlinkSync(aPath);
          state = leaving.has(aRel)
            ? "absent"
            : { target: aRel, reason: "parentSymlink", detail: `it links to ${text}; needed for ${rel}` };
        } else state = { target: aRel, reason: "parentNotDirectory", detail: `needed for ${rel}` };
        ancestors.set(aRel, state);
        if (state === "absent") plan.link.push({ op: "mkdir", path: aPath });
        else if (state !== "dir") plan.collisions.push(state);
      }
      if (state === "absent") missing = true;
      else if (state !== "dir") blocked = true;
    }
    if (blocked) continue;

    const path = inHome(rel);
    const want: Op =
      leaf.mode === "link"
        ? { op: "link", path, text: linkText(stateDir, rel) }
        : {
            op: "copy",
            path,
            from: join(store, next.hash, "files", rel),
            hash: leaf.hash!,
            executable: leaf.entry.kind === "file" && leaf.entry.executable,
          };
    const force = leaf.entry.force;
    const foreign = (reason: CollisionReason, detail = "") => {
      if (force && reason !== "directory") {
        plan.link.push(stash(path), want);
        return;
      }
      const ext = input.backupExtension;
      if (ext === null) return collide(rel, reason, detail);
      const backup = `${path}.${ext}`;
      if (lstat(backup) !== undefined || backups.has(backup) || newLeaves.has(`${rel}.${ext}`)) {
        return collide(rel, "backupTaken", `${rel}.${ext} exists`);
      }
      backups.add(backup);
      plan.link.push({ op: "backup", path, backup }, want);
    };

    const found = missing ? undefined : probe(path);
    if (found === undefined) {
      plan.link.push(want);
    } else if ("text" in found) {
      const text = found.text;
      if (!isGroveLink(stateDir, text)) foreign("symlink", `it links to ${text}`);
      else if (want.op === "copy" || text !== linkText(stateDir, rel))
        plan.link.push({ op: "unlink", path, text }, want);
    } else if (found.stat.isFile()) {
      const st = found.stat;
      const old = oldLeaves.get(rel);
      const onDisk = hashFile(path);
      // A copy is up to date when both its content and its execute bit are as wanted.
      const upToDate =
        want.op === "copy" && want.hash === onDisk && ((st.mode & 0o100) !== 0) === want.executable;
      if (old?.mode === "copy" && onDisk === old.hash) {
        if (!upToDate) plan.link.push(stash(path), want);
      } else if (onDisk === leaf.hash) {
        // Same content as the generation: adopt it rather than call it a collision.
        if (!upToDate) plan.link.push(stash(path), want);
        plan.notes.push(`Adopted ${rel}: it already had the configured content.`);
      } else if (old?.mode === "copy") {
        if (force) plan.link.push(stash(path), want);
        else if (want.op === "copy") {
          const before = textOf(readFileSync(join(store, live!.hash, "files", rel)));
          const now = textOf(readFileSync(path));
          const diff =
            before === null || now === null
              ? "Binary files differ.\n"
              : unifiedDiff(before, now, `${rel} (written by Grove)`, `${rel} (on disk)`);
          plan.drift.push({ target: rel, diff });
          plan.kept.add(rel);
        } else foreign("editedCopy");
      } else foreign("file");
    } else if (found.stat.isDirectory()) {
      if (emptiedByCleanup(path, rel)) plan.link.push(want);
      else foreign("directory", force ? "force never replaces a folder" : "");
    } else foreign("special");
  }
  return plan;
}
