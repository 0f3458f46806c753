// Helpers shared by the benchmarks: medians of repeated in-process runs, whole processes timed
// with their peak memory, and the canonical hash
// by which an answer is checked against Nix's.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The median of some numbers. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Runs `fn` once: its wall time in milliseconds and what it returned. */
export function time(fn) {
  const start = process.hrtime.bigint();
  const result = fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}

/**
 * Times `a` and `b` alternately, after warming both up so the JIT has compiled them: the median
 * of each, and what each returned last.
 */
export function compare(a, b, { warmup = 3, rounds = 7 } = {}) {
  for (let i = 0; i < warmup; i++) {
    a();
    b();
  }
  const as = [];
  const bs = [];
  let lastA;
  let lastB;
  for (let i = 0; i < rounds; i++) {
    const x = time(a);
    const y = time(b);
    as.push(x.ms);
    bs.push(y.ms);
    lastA = x.result;
    lastB = y.result;
  }
  return { a: { ms: median(as), result: lastA }, b: { ms: median(bs), result: lastB } };
}

const hasGnuTime = existsSync("/usr/bin/time");

/** `cmd args` under GNU time when installed, which writes the max RSS to a file in `work`. */
function underTime(cmd, args, work) {
  return hasGnuTime ? ["/usr/bin/time", ["-f", "%M", "-o", join(work, ".rss"), cmd, ...args]] : [cmd, args];
}

/** The max RSS (KiB) GNU time recorded for the last command under it, or null without GNU time. */
function lastRss(work) {
  return hasGnuTime ? Number(readFileSync(join(work, ".rss"), "utf8").trim().split("\n").pop()) : null;
}

/**
 * Runs a command to completion, timing the whole process (wall) and its max RSS (GNU time's %M, in
 * KiB; null without GNU time, whose report goes to a file in `work`). Throws if the command fails.
 */
export function timeProcess(cmd, args, { work, cwd, stdout = "pipe" }) {
  const [c, a] = underTime(cmd, args, work);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(c, a, { cwd, stdio: ["ignore", stdout, "pipe"], maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr?.toString().slice(-2000)}`);
  return { ms, rssKiB: lastRss(work), stdout: r.stdout, stderr: r.stderr?.toString() ?? "" };
}

/**
 * {@link timeProcess} without blocking the event loop, so the caller's signal handlers (stopping
 * servers, removing folders) run while the command does. Output is collected as text.
 */
export async function timeProcessAsync(cmd, args, { work, cwd }) {
  const [c, a] = underTime(cmd, args, work);
  const t0 = process.hrtime.bigint();
  const child = spawn(c, a, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  const out = { stdout: "", stderr: "" };
  child.stdout.on("data", (d) => (out.stdout += d));
  child.stderr.on("data", (d) => (out.stderr += d));
  const status = await new Promise((done, fail) => child.once("error", fail).once("close", done));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (status !== 0) throw new Error(`${cmd} failed (${status}): ${out.stderr.slice(-2000)}`);
  return { ms, rssKiB: lastRss(work), ...out };
}

/** sha256 of `value` as JSON with every object's keys sorted: the form expected.sha256 records. */
export function canonicalHash(value) {
  const canon = (v) =>
    Array.isArray(v)
      ? v.map(canon)
      : v === null || typeof v !== "object"
        ? v
        : Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, canon(v[k])]),
          );
  return createHash("sha256")
    .update(JSON.stringify(canon(value)))
    .digest("hex");
}

/** Nix's hash for a fleet generated with `args`, from `expectedFile`; undefined if not recorded. */
export function expectedHash(expectedFile, args) {
  const params = Object.entries(args)
    .map(([k, v]) => `--${k} ${v}`)
    .join(" ");
  return readFileSync(expectedFile, "utf8")
    .split("\n")
    .find((l) => !l.startsWith("#") && l.trim() && l.split(/\s+/).slice(2).join(" ") === params)
    ?.split(/\s+/)[1];
}
