// Benchmark of native home activation: switching a 2,000-file home (first switch and no-op switch)
// against a plain `cp -r` of the same files, in the same run. Prints one JSON line per workload;
// the ratio (Grove time / cp time) is the figure to compare, never a pass/fail threshold.
// Run with `npm run bench:activate` (builds first).
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { buildGeneration, switchGeneration } from "../dist/activate/index.js";
import { median } from "./measure.mjs";

const files = 2000;
const rounds = 7;

function removeTree(dir) {
  const unfreeze = (d) => {
    chmodSync(d, 0o755);
    for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) unfreeze(join(d, e.name));
  };
  unfreeze(dir);
  rmSync(dir, { recursive: true, force: true });
}

const root = mkdtempSync(join(tmpdir(), "grove-bench-"));
const repo = join(root, "repo");
const spec = { files: {} };
for (let i = 0; i < files; i++) {
  const rel = `app${i % 40}/sub${i % 7}/file${i}.conf`;
  mkdirSync(join(repo, `app${i % 40}/sub${i % 7}`), { recursive: true });
  writeFileSync(join(repo, rel), `# file ${i}\n${"key = value\n".repeat(20)}`);
  spec.files[`.config/${rel}`] = { file: rel };
}

async function switchOnce(home) {
  const stateDir = join(home, ".local/state/grove/home");
  const t = performance.now();
  const gen = buildGeneration(spec, { repoRoot: repo, stateDir, home });
  await switchGeneration(gen, { home, stateDir });
  return performance.now() - t;
}

function cpOnce(dest) {
  const t = performance.now();
  execFileSync("cp", ["-r", repo, dest]);
  return performance.now() - t;
}

const first = [];
const noop = [];
const cp = [];
try {
  for (let r = 0; r < rounds; r++) {
    const home = join(root, `home${r}`);
    mkdirSync(home);
    first.push(await switchOnce(home));
    noop.push(await switchOnce(home));
    cp.push(cpOnce(join(root, `copy${r}`)));
  }
} finally {
  removeTree(root);
}

const cpMs = median(cp);
for (const [workload, times] of [
  [`first switch, ${files} files`, first],
  [`no-op switch, ${files} files`, noop],
]) {
  const ms = median(times);
  console.log(
    JSON.stringify({
      workload,
      groveMs: +ms.toFixed(1),
      cpMs: +cpMs.toFixed(1),
      ratio: +(ms / cpMs).toFixed(2),
      rounds,
    }),
  );
}
