#!/usr/bin/env node
// npm run bench -- --machines N [--heavy] [--no-nix]
// Generates the shared benchmark fleet, evaluates every machine with Grove and (when
// nix-instantiate is installed) with real Nix in the same run, and prints one JSON line per
// workload: whole-process wall time and max RSS for both, their ratios, and whether Grove's
// canonical answer has Nix's hash. The JSON floor (read + parse + print + write of the answer)
// goes to stderr, to show how close Grove is to it.
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startupFlags } from "../dist/heap.js";
import { canonicalHash, expectedHash, timeProcess } from "./measure.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const shared = join(root, "..", "shared");
const benchDir = join(shared, "bench");
const nixLib = join(shared, "nixpkgs-lib", "lib");

const { values } = parseArgs({
  options: {
    machines: { type: "string", multiple: true },
    heavy: { type: "boolean", default: false },
    "no-nix": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
  },
});

const workloads = [];
for (const n of values.machines ?? []) {
  workloads.push({
    id: `n${n}`,
    args: { seed: 1, machines: Number(n), aspects: 60, "per-machine": 20, options: 15, core: 4 },
  });
}
if (values.heavy) {
  workloads.push({
    id: "heavy200",
    args: { seed: 1, machines: 200, aspects: 200, "per-machine": 60, options: 15, core: 4 },
  });
}
if (workloads.length === 0) {
  console.error("usage: npm run bench -- --machines N [--machines M…] [--heavy] [--no-nix]");
  process.exit(2);
}

const hasNix = !values["no-nix"] && spawnSync("nix-instantiate", ["--version"]).status === 0;

const mib = (kib) => (kib === null ? null : Math.round((kib / 1024) * 10) / 10);
const round = (x) => (x === null ? null : Math.round(x * 100) / 100);

for (const w of workloads) {
  const work = mkdtempSync(join(tmpdir(), `grove-bench-${w.id}-`));
  try {
    const genArgs = Object.entries(w.args).flatMap(([k, v]) => [`--${k}`, String(v)]);
    const gen = spawnSync(process.execPath, [join(benchDir, "gen-fleet.mjs"), "--out", work, ...genArgs], {
      stdio: "ignore",
    });
    if (gen.status !== 0) throw new Error("fleet generation failed");

    const groveOut = join(work, "grove.json");
    const grove = timeProcess(
      process.execPath,
      [...startupFlags, join(root, "dist", "neutral", "fleet-cli.js"), join(work, "fleet.json"), groveOut],
      { work },
    );
    const groveReport = JSON.parse(grove.stderr.trim().split("\n").pop());
    const groveHash = canonicalHash(JSON.parse(readFileSync(groveOut, "utf8")));

    let nix = null;
    let nixHash = expectedHash(join(benchDir, "expected.sha256"), w.args);
    if (hasNix) {
      const nixOut = join(work, "nix.json");
      const fd = openSync(nixOut, "w");
      nix = timeProcess(
        "nix-instantiate",
        ["--eval", "--strict", "--json", "-I", `nixpkgs-lib=${nixLib}`, "eval.nix"],
        {
          cwd: join(work, "nix"),
          work,
          stdout: fd,
        },
      );
      closeSync(fd);
      nixHash = canonicalHash(JSON.parse(readFileSync(nixOut, "utf8")));
    }

    const floor = timeProcess(
      process.execPath,
      [join(benchDir, "json-floor.mjs"), groveOut, join(work, "floor.json")],
      { work },
    );
    console.error(
      `${w.id}: JSON floor ${Math.round(floor.ms)} ms / ${mib(floor.rssKiB)} MiB (Grove ${Math.round(grove.ms)} ms = ${(grove.ms / floor.ms).toFixed(1)}× the floor)`,
    );

    const groveRssKiB = grove.rssKiB ?? groveReport.maxRssKiB;
    console.log(
      JSON.stringify({
        workload: w.id,
        machines: w.args.machines,
        groveMs: Math.round(grove.ms),
        groveRssMiB: mib(groveRssKiB),
        groveEvalMs: groveReport.evalMs,
        nixMs: nix ? Math.round(nix.ms) : null,
        nixRssMiB: nix ? mib(nix.rssKiB) : null,
        ratio: nix ? round(nix.ms / grove.ms) : null,
        memRatio: nix && nix.rssKiB !== null ? round(nix.rssKiB / groveRssKiB) : null,
        correct: nixHash !== undefined && groveHash === nixHash,
      }),
    );
  } finally {
    if (!values.keep) rmSync(work, { recursive: true, force: true });
  }
}
