import { GroveError } from "../errors.js";
import type { TemplateValue } from "./spec.js";

const placeholder = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;

/**
 * Replaces each `{{ name }}` with its value. Every missing name is reported at once, so one run shows
 * everything the template still needs.
 *
 * @example
 * renderTemplate("[user]\n  name = {{ name }}\n", { name: "Alice" }, ".gitconfig") // "[user]\n  name = Alice\n"
 */
export function renderTemplate(text: string, values: Record<string, TemplateValue>, target: string): string {
  const missing = new Set<string>();
  const out = text.replace(placeholder, (whole, name: string) => {
    const v = Object.hasOwn(values, name) ? values[name] : undefined;
    if (v === undefined) {
      missing.add(name);
      return whole;
    }
    return String(v);
  });
  if (missing.size > 0) {
    const names = [...missing].map((n) => `\`${n}\``).join(", ");
    throw new GroveError(
      "HomeTemplateValue",
      `The template for \`${target}\` uses ${names} without a value.`,
      {
        path: ["files", target, "values"],
      },
    );
  }
  return out;
}
