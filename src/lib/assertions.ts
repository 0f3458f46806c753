import { GroveError } from "../errors.js";
import type { Evaluation } from "./modules.js";
import { likelyTypos, typoWarning } from "./typos.js";

export interface Assertion {
  assertion: boolean;
  message: string;
}

/**
 * Reads `config.assertions` and fails with every failed message, as NixOS does before building;
 * returns `config.warnings` (empty when the configuration declares none).
 */
export function checkAssertions(config: {
  assertions?: readonly Assertion[];
  warnings?: readonly string[];
}): readonly string[] {
  const failed = (config.assertions ?? []).filter((a) => !a.assertion).map((a) => a.message);
  if (failed.length > 0) {
    throw new GroveError("AssertionFailed", `Failed assertions:\n${failed.map((m) => `- ${m}`).join("\n")}`);
  }
  return "warnings" in config ? (config.warnings ?? []) : [];
}

/**
 * An evaluation's assertions checked (see {@link checkAssertions}); its warnings, then one for each
 * pass-through definition that looks like a misspelt declared option.
 */
export function evaluationWarnings(evaluation: Evaluation): string[] {
  return [...checkAssertions(evaluation.config as never), ...likelyTypos(evaluation).map(typoWarning)];
}
