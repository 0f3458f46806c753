#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { defineCommand } from "citty";
import { runCli } from "./render-error.js";
import { secretsCommand } from "./secrets.js";
import { tfCommand } from "./tf.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
  description: string;
};

const main = defineCommand({
  meta: { name: "grove", version: pkg.version, description: pkg.description },
  subCommands: {
    secrets: secretsCommand,
    tf: tfCommand,
  },
});

await runCli(main, process.argv.slice(2));
