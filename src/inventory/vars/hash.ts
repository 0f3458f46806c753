/**
 * What a generator's outputs depend on, as one sha256: its definition (files, prompts,
 * dependencies, script or function source, tools) and the generation id of each dependency.
 * Owner, group, mode, `neededFor` and descriptions are left out: changing them does not change the
 * content.
 */
import { createHash } from "node:crypto";
import type { Generator } from "./spec.js";

/** JSON with sorted keys; functions are represented by their source text. */
export function canonicalJson(value: unknown): string {
  if (typeof value === "function") return JSON.stringify(`function:${value.toString()}`);
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(",")}}`;
}

/** The parts of a definition that decide the outputs. */
export function definitionOf(g: Generator): unknown {
  return {
    files: Object.fromEntries(Object.entries(g.files).map(([f, s]) => [f, { secret: s.secret }])),
    prompts: Object.fromEntries(
      Object.entries(g.prompts).map(([p, s]) => [p, { type: s.type, default: s.default }]),
    ),
    dependencies: g.dependencies,
    share: g.share,
    runtimeInputs: g.runtimeInputs,
    script: g.script,
    generate: g.generate,
    hostKey: g.hostKey,
  };
}

/** The inputs hash of a generator, given its dependencies' generation ids (null when missing). */
export function inputsHash(g: Generator, dependencies: Readonly<Record<string, string | null>>): string {
  return createHash("sha256")
    .update(canonicalJson({ definition: definitionOf(g), dependencies }))
    .digest("hex");
}
