#!/usr/bin/env -S node --max-semi-space-size=8 --heap-growing-percent=50
import { readFileSync } from "node:fs";
import { defineCommand } from "citty";
import { tuneHeap } from "../heap.js";
import { runCli } from "./render-error.js";

tuneHeap();

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
  description: string;
};

const main = defineCommand({
  meta: { name: "grove", version: pkg.version, description: pkg.description },
  subCommands: {
    secrets: () => import("./secrets.js").then((m) => m.secretsCommand),
    home: () => import("./home.js").then((m) => m.default),
    eval: () => import("./eval.js").then((m) => m.evalCommand),
    build: () => import("./build.js").then((m) => m.buildCommand),
    why: () => import("./why.js").then((m) => m.whyCommand),
    options: () => import("./options.js").then((m) => m.optionsCommand),
    sync: () => import("./sync.js").then((m) => m.syncCommand),
    init: () => import("./init.js").then((m) => m.initCommand),
    tf: () => import("./tf.js").then((m) => m.tfCommand),
    inventory: () => import("./inventory.js").then((m) => m.inventoryCommand),
    vars: () => import("./vars.js").then((m) => m.varsCommand),
    deploy: () => import("./deploy.js").then((m) => m.deployCommand),
  },
});

// Output piped into a command that stops reading early (`| head`) is not an error.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

await runCli(main, process.argv.slice(2));
