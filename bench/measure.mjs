// Helpers shared by the benchmarks: medians of repeated in-process runs, whole processes timed
// with their peak memory, and the canonical hash
// by which an answer is checked against Nix's.
import { spawnSync } from "node:child_process";
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

/**
 * Runs a command to completion, timing the whole process (wall) and its max RSS (GNU time's %M, in
 * KiB; null without GNU time, whose report goes to a file in `work`). Throws if the command fails.
 */
export function timeProcess(cmd, args, { work, cwd, stdout = "pipe" }) {
  const rssFile = join(work, ".rss");
  const [c, a] = hasGnuTime ? ["/usr/bin/time", ["-f", "%M", "-o", rssFile, cmd, ...args]] : [cmd, args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(c, a, { cwd, stdio: ["ignore", stdout, "pipe"], maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr?.toString().slice(-2000)}`);
  const rssKiB = hasGnuTime ? Number(readFileSync(rssFile, "utf8").trim().split("\n").pop()) : null;
  return { ms, rssKiB, stdout: r.stdout, stderr: r.stderr?.toString() ?? "" };
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
