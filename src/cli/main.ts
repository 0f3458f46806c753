#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { defineCommand, runMain } from "citty";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
  description: string;
};

const main = defineCommand({
  meta: { name: "grove", version: pkg.version, description: pkg.description },
  subCommands: {
    home: () => import("./home.js").then((m) => m.default),
  },
});

await runMain(main);
