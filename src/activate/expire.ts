/**
 * Expiring old generations and collecting the store folders no generation uses any more.
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { GroveError } from "../errors.js";
import { alive } from "../process-alive.js";
import { chmodTree } from "./generation.js";
import { recoverInterrupted } from "./journal.js";
import { layoutOf } from "./layout.js";
import { type Logger, makeLog } from "./log.js";
import { acquireLock, listGenerations, removeRecord } from "./state.js";

const units: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

/**
 * Parses an age such as `30d`, `12h`, `2w` (units s, m, h, d, w) into milliseconds.
 *
 * @example
 * parseAge("30d") // 2592000000
 */
export function parseAge(text: string): number {
  const m = /^(\d+)\s*([smhdw])$/.exec(text.trim());
  if (m === null) {
    throw new GroveError("Usage", `\`${text}\` is not an age.`, {
      hint: "Write a number and a unit: 30d, 12h, 2w (units s, m, h, d, w).",
    });
  }
  return Number(m[1]) * units[m[2]!]!;
}

export interface ExpireOptions {
  stateDir: string;
  /** Remove generations created more than this many milliseconds before `now`. */
  olderThan: number;
  now?: Date;
  dryRun?: boolean;
  logger?: Logger;
}

export interface ExpireResult {
  /** Numbers of the generations removed (would be removed). */
  removed: number[];
  /** Store folders deleted because no remaining generation uses them. */
  collected: string[];
}

function pidOfTmp(name: string): number {
  return Number(name.split("-")[1]);
}

/**
 * Removes generations older than `olderThan`, never the live one, then deletes store folders that no
 * remaining generation uses (including builds that were never switched to).
 *
 * @example
 * expire({ stateDir, olderThan: parseAge("30d") }).removed // [1, 2, 3]
 */
export function expire(options: ExpireOptions): ExpireResult {
  const stateDir = resolve(options.stateDir);
  const log = makeLog(options.logger, false);
  const layout = layoutOf(stateDir);
  if (!existsSync(stateDir)) return { removed: [], collected: [] };
  const release = options.dryRun === true ? undefined : acquireLock(stateDir);
  try {
    if (options.dryRun !== true) recoverInterrupted(stateDir, log);
    const limit = (options.now ?? new Date()).getTime() - options.olderThan;
    const all = listGenerations(stateDir);
    const doomed = all.filter((g) => !g.current && g.created.getTime() < limit);
    const kept = new Set(all.filter((g) => !doomed.includes(g)).map((g) => g.hash));
    const collected = existsSync(layout.store)
      ? readdirSync(layout.store).filter((name) =>
          name.startsWith(".tmp-") ? !alive(pidOfTmp(name)) : !kept.has(name),
        )
      : [];
    if (options.dryRun !== true) {
      for (const g of doomed) removeRecord(stateDir, g.number);
      for (const name of collected) {
        const dir = join(layout.store, name);
        chmodTree(dir);
        rmSync(dir, { recursive: true, force: true });
      }
    }
    for (const g of doomed)
      log.info(`${options.dryRun === true ? "Would remove" : "Removed"} generation ${g.number}.`);
    return {
      removed: doomed.map((g) => g.number),
      collected: collected.filter((n) => !n.startsWith(".tmp-")),
    };
  } finally {
    release?.();
  }
}
