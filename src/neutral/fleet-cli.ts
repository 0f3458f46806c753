#!/usr/bin/env -S node --max-semi-space-size=8 --heap-growing-percent=50
/** `node dist/neutral/fleet-cli.js FLEET.json OUT.json`: the benchmark's Grove side. */
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { tuneHeap } from "../heap.js";
import { evaluateFleet, type Fleet } from "./fleet.js";

tuneHeap();

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error("usage: fleet-cli FLEET.json OUT.json");
  process.exit(2);
}
const t0 = performance.now();
const fleet = JSON.parse(readFileSync(input, "utf8")) as Fleet;
const fd = openSync(output, "w");
let buffered = "";
evaluateFleet(fleet, (chunk) => {
  buffered += chunk;
  if (buffered.length > 1 << 16) {
    writeSync(fd, buffered);
    buffered = "";
  }
});
writeSync(fd, buffered);
closeSync(fd);
console.error(
  JSON.stringify({ evalMs: Math.round(performance.now() - t0), maxRssKiB: process.resourceUsage().maxRSS }),
);
