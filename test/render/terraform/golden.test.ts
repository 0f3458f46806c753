/**
 * Golden files for providers that cannot be downloaded here (hcloud, google): the rendered JSON is
 * compared byte for byte. After an intended change, regenerate with `UPDATE_GOLDEN=1 npx vitest run
 * test/render/terraform/golden.test.ts` and review the diff.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderTerraform, toTerraformJson, writeJson } from "../../../src/render/terraform/index.js";
import { evalTerraform } from "../../classes/terraform/helpers.js";
import { googleModules } from "./fixtures/google.js";
import { hcloudModules } from "./fixtures/hcloud.js";

const GOLDEN = join(import.meta.dirname, "golden");

describe("golden main.tf.json", () => {
  for (const [name, modules] of [
    ["hcloud", hcloudModules],
    ["google", googleModules],
  ] as const) {
    it(name, () => {
      const text = renderTerraform(evalTerraform(...modules));
      const file = join(GOLDEN, `${name}.tf.json`);
      if (process.env.UPDATE_GOLDEN) writeFileSync(file, text);
      expect(text).toBe(readFileSync(file, "utf8"));
      // The engine's writer (used when no key is index-like) and Grove's own agree byte for byte.
      expect(text).toBe(`${writeJson(toTerraformJson(evalTerraform(...modules)))}\n`);
      // The same modules in the opposite order give the same bytes.
      expect(renderTerraform(evalTerraform(...[...modules].reverse()))).toBe(text);
    });
  }
});
