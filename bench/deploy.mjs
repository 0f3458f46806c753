#!/usr/bin/env node
// npm run bench:deploy -- [--targets 20] [--files 30] [--rounds 3]
// `grove deploy` of N standalone homes to N real sshd on loopback (each its own host key and port,
// set up by test/deploy/sshd.ts) with --jobs 1, 4 and 8, against a plain sequential shell loop doing
// the same transfer with `tar` + `scp` + `ssh` per target and linking every file into the home, in
// the same run. Every run starts from empty homes (and no local build), so each really uploads and
// activates; each is checked (every file linked, right content) before it counts. One JSON line
// per workload; ratio = baselineMs / groveMs (above 1: Grove is faster). Run under tsx, which loads
// the TypeScript helper: `npm run bench:deploy` (builds first).
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { shellQuote } from "../dist/deploy/index.js";
import { startupFlags } from "../dist/heap.js";
import { startSshds } from "../test/deploy/sshd.ts";
import { median, timeProcessAsync } from "./measure.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(root, "dist", "cli", "main.js");
const { values } = parseArgs({
  options: {
    targets: { type: "string", default: "20" },
    files: { type: "string", default: "30" },
    rounds: { type: "string", default: "3" },
  },
});
const [targets, files, rounds] = [values.targets, values.files, values.rounds].map(Number);
if (![targets, files, rounds].every((n) => Number.isInteger(n) && n >= 1)) {
  console.error("usage: npm run bench:deploy -- [--targets N] [--files N] [--rounds N] (whole numbers ≥ 1)");
  process.exit(2);
}
const jobsList = [1, 4, 8];
// Seconds one whole deploy or baseline run may take before coreutils `timeout` kills it.
const runLimit = String(Math.max(120, targets * 10));

const work = mkdtempSync(join(tmpdir(), "grove-bench-deploy-"));
const fleet = join(work, "fleet");
const homes = join(work, "homes");
const sources = join(work, "sources");
const login = userInfo().username;
const homeOf = (i) => join(homes, `h${i}`);
const nameOf = (i) => `u${i}@host${i}`;
const rels = Array.from({ length: files }, (_, k) => `.config/app${k % 5}/file${k}.conf`);
const textOf = (i, k) => `# target ${i}, file ${k}\n${"key = value\n".repeat(10)}`;

let sshds;
/**
 * Stops the servers, ends every process still naming this run's folder (a killed run's grove, ssh
 * and its connection masters), and removes the folder.
 */
function cleanUp() {
  sshds?.stop();
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid)) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(work)) process.kill(Number(pid));
    } catch {
      // Gone already.
    }
  }
  rmSync(work, { recursive: true, force: true });
}
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    cleanUp();
    process.exit(130);
  });
}

/** Every file of every home is a link whose content is the expected text. */
function verify(what) {
  for (let i = 0; i < targets; i++) {
    rels.forEach((rel, k) => {
      const path = join(homeOf(i), rel);
      if (
        !lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() ||
        readFileSync(path, "utf8") !== textOf(i, k)
      ) {
        throw new Error(`${what}: ${path} is not linked with its content`);
      }
    });
  }
}

function fresh() {
  rmSync(homes, { recursive: true, force: true });
  rmSync(join(fleet, ".grove"), { recursive: true, force: true });
  mkdirSync(homes);
}

async function grove(jobs) {
  fresh();
  const args = ["deploy", "--dir", fleet, "--ssh-config", sshds.sshConfig, "--jobs", String(jobs)];
  const r = await timeProcessAsync(
    "timeout",
    ["-k", "5", runLimit, process.execPath, ...startupFlags, cli, ...args],
    {
      work,
    },
  );
  if (!r.stdout.includes(`${targets} of ${targets} targets deployed.`)) {
    throw new Error(`grove deploy --jobs ${jobs} did not deploy every target:\n${r.stdout}`);
  }
  verify(`grove --jobs ${jobs}`);
  return r.ms;
}

async function baseline() {
  fresh();
  const r = await timeProcessAsync("timeout", ["-k", "5", runLimit, "sh", join(work, "baseline.sh")], {
    work,
  });
  verify("baseline");
  return r.ms;
}

try {
  sshds = await startSshds(targets);
  const home = (i) =>
    `  home(${JSON.stringify(nameOf(i))}, { system: "x86_64-linux", homeDirectory: ${JSON.stringify(homeOf(i))},\n` +
    `    deploy: { host: "127.0.0.1", user: ${JSON.stringify(login)}, port: ${sshds.ports[i]} },\n` +
    `    module: { home: { file: ${JSON.stringify(Object.fromEntries(rels.map((rel, k) => [rel, { text: textOf(i, k) }])))} } } }),\n`;
  mkdirSync(join(fleet, "modules"), { recursive: true });
  writeFileSync(join(fleet, "package.json"), '{ "type": "module" }\n');
  writeFileSync(
    join(fleet, "modules/homes.ts"),
    'import { home, user } from "grove";\nexport default { imports: [\n' +
      Array.from({ length: targets }, (_, i) => `  user("u${i}", { fullName: "u${i}" }),\n${home(i)}`).join(
        "",
      ) +
      "] };\n",
  );

  // The baseline: each home's files as plain files, packed, copied and unpacked, then every file
  // linked into the home, one target after another, with the same ssh safety options as Grove.
  const q = shellQuote;
  const ssh = `-F ${q(sshds.sshConfig)} -o BatchMode=yes -o StrictHostKeyChecking=yes -o ConnectTimeout=10`;
  const lines = ["set -eu"];
  for (let i = 0; i < targets; i++) {
    rels.forEach((rel, k) => {
      mkdirSync(dirname(join(sources, `h${i}`, rel)), { recursive: true });
      writeFileSync(join(sources, `h${i}`, rel), textOf(i, k));
    });
    const h = homeOf(i);
    const store = `${h}/.local/state/baseline/files`;
    // Uploaded next to the home, which does not exist yet (nor does it for Grove).
    const uploaded = join(homes, `h${i}.tar`);
    const activate =
      `set -eu; mkdir -p ${q(store)}; tar -xf ${q(uploaded)} -C ${q(store)}; rm ${q(uploaded)}; ` +
      `cd ${q(store)}; find . -type f | while IFS= read -r f; do f=\${f#./}; ` +
      `mkdir -p ${q(h)}/"$(dirname "$f")"; ln -sfn ${q(store)}/"$f" ${q(h)}/"$f"; done`;
    const tarball = join(work, `upload${i}.tar`);
    lines.push(
      `tar -cf ${q(tarball)} -C ${q(join(sources, `h${i}`))} .`,
      `scp -q ${ssh} -P ${sshds.ports[i]} ${q(tarball)} ${q(`${login}@127.0.0.1:${uploaded}`)}`,
      `ssh ${ssh} -p ${sshds.ports[i]} ${q(`${login}@127.0.0.1`)} ${q(activate)}`,
    );
  }
  writeFileSync(join(work, "baseline.sh"), `${lines.join("\n")}\n`);

  // One unmeasured run of each warms the page cache and Node's compile cache.
  await baseline();
  await grove(8);
  const times = { baseline: [], ...Object.fromEntries(jobsList.map((j) => [j, []])) };
  for (let r = 0; r < rounds; r++) {
    times.baseline.push(await baseline());
    for (const j of jobsList) times[j].push(await grove(j));
  }
  const baselineMs = median(times.baseline);
  for (const jobs of jobsList) {
    const groveMs = median(times[jobs]);
    console.log(
      JSON.stringify({
        workload: `deploy${targets}-j${jobs}`,
        targets,
        files,
        jobs,
        groveMs: Math.round(groveMs),
        baselineMs: Math.round(baselineMs),
        ratio: Math.round((baselineMs / groveMs) * 100) / 100,
        rounds,
      }),
    );
  }
} finally {
  cleanUp();
}
