#!/usr/bin/env node
/** `npm run conformance -- DIR`: runs every case file in DIR and prints `N passed, N failed`. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { type Case, parseCase, runCase } from "./conformance.js";

function caseFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) return caseFiles(p);
      return f.endsWith(".json") ? [p] : [];
    });
}

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.error("usage: npm run conformance -- DIR [DIR…]");
  process.exit(2);
}
let passed = 0;
let failed = 0;
for (const file of dirs.flatMap(caseFiles)) {
  let c: Case;
  try {
    c = parseCase(readFileSync(file, "utf8"));
  } catch (e) {
    failed++;
    console.log(`FAIL ${file}: unreadable case (${(e as Error).message})`);
    continue;
  }
  let results: ReturnType<typeof runCase>;
  try {
    results = runCase(c);
  } catch (e) {
    failed += c.checks?.length ?? 1;
    console.log(`FAIL ${c.id}: ${(e as Error).message}`);
    continue;
  }
  for (const r of results) {
    if (r.failure === null) passed++;
    else {
      failed++;
      console.log(`FAIL ${r.caseId}#${r.index}: ${r.failure}`);
    }
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
