// Helpers shared by the benchmarks: medians of repeated in-process runs, and the canonical hash
// by which an answer is checked against Nix's.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

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
