/**
 * The numbered generations, the `current` link and the lock. A generation number is a folder
 * `generations/<n>` with `generation.json` (number, date, store hash) and a `home` link into the
 * store; `current` links to the live one, so flipping it is a single atomic rename.
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { GroveError } from "../errors.js";
import { alive } from "../process-alive.js";
import { type Manifest, readManifest } from "./generation.js";
import { layoutOf } from "./layout.js";

/** One numbered generation as `generations` lists it. */
export interface GenerationInfo {
  number: number;
  created: Date;
  hash: string;
  /** The generation's content folder, `store/<hash>`. */
  path: string;
  /** Whether this is the live generation. */
  current: boolean;
}

interface Record_ {
  number: number;
  created: string;
  hash: string;
}

/** Replaces (or creates) the link at `path` atomically: a temporary link renamed over it. */
export function replaceLink(text: string, path: string): void {
  const tmp = `${path}.tmp-${randomBytes(4).toString("hex")}`;
  symlinkSync(text, tmp);
  renameSync(tmp, path);
}

/** Writes a file atomically, so a crash leaves either the old or the new content. */
export function writeFileAtomic(path: string, data: string): void {
  const tmp = `${path}.tmp-${randomBytes(4).toString("hex")}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

function readRecord(stateDir: string, n: number): Record_ | undefined {
  const file = join(layoutOf(stateDir).generations, String(n), "generation.json");
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Record_;
  } catch (e) {
    throw new GroveError("HomeStateCorrupt", `Cannot read the record of generation ${n}.`, {
      file,
      cause: e,
    });
  }
}

/** The live generation's number, or null before the first switch. */
export function currentNumber(stateDir: string): number | null {
  let text: string;
  try {
    text = readlinkSync(layoutOf(stateDir).current);
  } catch {
    return null;
  }
  const n = Number(text.split("/").at(-1));
  if (!Number.isInteger(n)) {
    throw new GroveError("HomeStateCorrupt", `The \`current\` link points at \`${text}\`.`, {
      file: layoutOf(stateDir).current,
    });
  }
  return n;
}

/**
 * A generation's record and manifest; `HomeGenerationMissing` if it does not exist.
 *
 * @example
 * const { info, manifest } = readGeneration(stateDir, 3);
 */
export function readGeneration(stateDir: string, n: number): { info: GenerationInfo; manifest: Manifest } {
  const r = readRecord(stateDir, n);
  if (r === undefined) {
    throw new GroveError("HomeGenerationMissing", `There is no home generation ${n}.`, { file: stateDir });
  }
  const info = {
    number: r.number,
    created: new Date(r.created),
    hash: r.hash,
    path: join(layoutOf(stateDir).store, r.hash),
    current: currentNumber(stateDir) === n,
  };
  return { info, manifest: readManifest(stateDir, r.hash) };
}

/**
 * Lists the numbered generations, oldest first, marking the live one.
 *
 * @example
 * for (const g of listGenerations(stateDir)) console.log(g.number, g.created.toISOString(), g.current);
 */
export function listGenerations(stateDir: string): GenerationInfo[] {
  const dir = layoutOf(stateDir).generations;
  if (!existsSync(dir)) return [];
  const live = currentNumber(stateDir);
  const numbers = readdirSync(dir)
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .sort((a, b) => a - b);
  const out: GenerationInfo[] = [];
  for (const n of numbers) {
    const r = readRecord(stateDir, n);
    if (r === undefined) continue;
    out.push({
      number: n,
      created: new Date(r.created),
      hash: r.hash,
      path: join(layoutOf(stateDir).store, r.hash),
      current: n === live,
    });
  }
  return out;
}

/** Creates `generations/<n>` for the store folder `hash`, complete or not at all. */
export function createRecord(stateDir: string, n: number, hash: string, created: Date): void {
  const layout = layoutOf(stateDir);
  mkdirSync(layout.generations, { recursive: true });
  const tmp = join(layout.generations, `.tmp-${n}-${randomBytes(4).toString("hex")}`);
  mkdirSync(tmp);
  const record: Record_ = { number: n, created: created.toISOString(), hash };
  writeFileSync(join(tmp, "generation.json"), `${JSON.stringify(record, null, 2)}\n`);
  symlinkSync(join("..", "..", "store", hash, "files"), join(tmp, "home"));
  renameSync(tmp, join(layout.generations, String(n)));
}

/** Forgets generation `n` (its store folder stays until expiry collects it). */
export function removeRecord(stateDir: string, n: number): void {
  rmSync(join(layoutOf(stateDir).generations, String(n)), { recursive: true, force: true });
}

/** Points `current` at generation `n` (or removes it for null) in one atomic step. */
export function pointCurrent(stateDir: string, n: number | null): void {
  const current = layoutOf(stateDir).current;
  if (n === null) rmSync(current, { force: true });
  else replaceLink(join("generations", String(n)), current);
}

/**
 * Takes the state folder's lock; returns the function that releases it. A lock left by a process
 * that no longer exists is taken over.
 */
export function acquireLock(stateDir: string): () => void {
  const lock = layoutOf(stateDir).lock;
  mkdirSync(dirname(lock), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lock, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number(readFileSync(lock, "utf8"));
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        throw new GroveError("HomeLocked", `Process ${pid} is activating this home.`, { file: lock });
      }
      unlinkSync(lock);
    }
  }
  throw new GroveError("HomeLocked", "Could not take the lock of the home state folder.", { file: lock });
}
