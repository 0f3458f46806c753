#!/usr/bin/env node
// npm run bench:project -- [--machines N]
// The fleet layer against the module-system benchmark on the same fleet: the benchmark fleet is
// converted to a Grove fleet of TypeScript files (bench/fleet-to-ts.mjs) and evaluated with
// `grove eval --json`; the module-system benchmark evaluates fleet.json. Both whole processes are
// timed in the same run, and both answers must have Nix's hash. Prints one JSON line.
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startupFlags } from "../dist/heap.js";
import { canonicalHash, expectedHash, timeProcess } from "./measure.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const benchDir = join(root, "..", "shared", "bench");
const { values } = parseArgs({ options: { machines: { type: "string", default: "200" } } });
const n = Number(values.machines);
const args = { seed: 1, machines: n, aspects: 60, "per-machine": 20, options: 15, core: 4 };

/** Times a command, its standard output to `stdoutFile` if given: wall milliseconds and peak MiB. */
function timed(cmd, argv, stdoutFile) {
  const fd = stdoutFile ? openSync(stdoutFile, "w") : "ignore";
  try {
    const { ms, rssKiB } = timeProcess(cmd, argv, { work, stdout: fd });
    return { ms, rssMiB: rssKiB === null ? null : Math.round(rssKiB / 102.4) / 10 };
  } finally {
    if (typeof fd === "number") closeSync(fd);
  }
}

const work = mkdtempSync(join(tmpdir(), "grove-bench-project-"));
try {
  const gen = spawnSync(process.execPath, [
    join(benchDir, "gen-fleet.mjs"),
    "--out",
    work,
    ...Object.entries(args).flatMap(([k, v]) => [`--${k}`, String(v)]),
  ]);
  if (gen.status !== 0) throw new Error("fleet generation failed");
  const fleetDir = join(work, "ts");
  const conv = spawnSync(process.execPath, [
    join(root, "bench", "fleet-to-ts.mjs"),
    join(work, "fleet.json"),
    fleetDir,
  ]);
  if (conv.status !== 0) throw new Error(`conversion failed: ${conv.stderr}`);

  const projectOut = join(work, "project.json");
  const project = timed(
    process.execPath,
    [...startupFlags, join(root, "dist", "cli", "main.js"), "eval", "--dir", fleetDir, "--json"],
    projectOut,
  );
  const moduleOut = join(work, "modules.json");
  const modules = timed(process.execPath, [
    ...startupFlags,
    join(root, "dist", "neutral", "fleet-cli.js"),
    join(work, "fleet.json"),
    moduleOut,
  ]);

  const families = ["aspects", "environment", "networking", "services", "users"];
  const evaluated = JSON.parse(readFileSync(projectOut, "utf8")).machines;
  const projectAnswer = Object.fromEntries(
    Object.keys(evaluated).map((h) => [
      h,
      Object.fromEntries(families.map((f) => [f, evaluated[h].bench[f]])),
    ]),
  );
  const expected = expectedHash(join(benchDir, "expected.sha256"), args);
  const moduleHash = canonicalHash(JSON.parse(readFileSync(moduleOut, "utf8")));
  const reference = expected ?? moduleHash;
  console.log(
    JSON.stringify({
      workload: `project-n${n}`,
      machines: n,
      groveEvalMs: Math.round(project.ms),
      groveEvalRssMiB: project.rssMiB,
      moduleSystemMs: Math.round(modules.ms),
      moduleSystemRssMiB: modules.rssMiB,
      ratio: Math.round((project.ms / modules.ms) * 100) / 100,
      correct: canonicalHash(projectAnswer) === reference && moduleHash === reference,
    }),
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
