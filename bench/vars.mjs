#!/usr/bin/env node
// npm run bench:vars -- [--machines 200] [--generators 5]
// `grove vars check` on a fleet of N machines × G generators (all generated), against
// `sha256sum` over the same stored files, both whole processes, in the same run. One JSON line.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startupFlags } from "../dist/heap.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(root, "dist", "cli", "main.js");
const { values } = parseArgs({
  options: { machines: { type: "string", default: "200" }, generators: { type: "string", default: "5" } },
});
const n = Number(values.machines);
const g = Number(values.generators);

const work = mkdtempSync(join(tmpdir(), "grove-bench-vars-"));
const write = (rel, text) => {
  mkdirSync(dirname(join(work, rel)), { recursive: true });
  writeFileSync(join(work, rel), text);
};

function files(dir) {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

function timed(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: work, stdio: ["ignore", "ignore", "pipe"], maxBuffer: 1 << 28 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, status: r.status, stderr: r.stderr.toString() };
}

try {
  write("package.json", '{ "type": "module" }\n');
  const machines = Array.from({ length: n }, (_, i) => `m${String(i).padStart(4, "0")}`);
  write(
    "modules/machines.ts",
    `import { machine } from "grove";\nexport default { imports: ${JSON.stringify(machines)}.map((m) => machine(m, { class: "nixos", system: "x86_64-linux" })) };\n`,
  );
  for (let j = 0; j < g; j++) {
    write(
      `modules/vars/gen${j}.ts`,
      `import { generator } from "grove";\nexport default generator("gen${j}", {\n  tags: ["all"],\n  ${j > 0 ? `dependencies: ["gen${j - 1}"],\n  ` : ""}files: { a: { secret: false }, b: { secret: false } },\n  generate: ({ machine }) => ({ a: \`\${machine.name}-${j}-a\\n\`, b: \`\${machine.name}-${j}-b\\n\` }),\n});\n`,
    );
  }
  const gen = timed(process.execPath, [...startupFlags, cli, "vars", "generate", "--no-prompt"]);
  if (gen.status !== 0) throw new Error(`vars generate failed: ${gen.stderr}`);
  const check = timed(process.execPath, [...startupFlags, cli, "vars", "check"]);
  if (check.status !== 0) throw new Error(`vars check failed: ${check.stderr}`);
  const stored = files(join(work, "vars"));
  const sums = timed("sha256sum", stored);
  console.log(
    JSON.stringify({
      workload: `vars-check-${n}x${g}`,
      files: stored.length,
      groveCheckMs: Math.round(check.ms),
      sha256sumMs: Math.round(sums.ms),
      ratio: Math.round((check.ms / sums.ms) * 100) / 100,
    }),
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
