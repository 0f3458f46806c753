/**
 * The hand-off from Terraform to the rest of Grove: `terraform output -json` read into a plain map
 * (created hosts' addresses feed machines' deploy targets). Sensitive outputs stay behind
 * {@link Secret}, so that printing the map cannot leak them.
 */
import { GroveError } from "../../errors.js";
import { Secret } from "../../secrets/index.js";

/** Output name → value; a sensitive output's value is a `Secret`. */
export type TerraformOutputs = Record<string, unknown>;

/**
 * Reads the text `terraform output -json` prints.
 *
 * @example
 * const outputs = parseTerraformOutputs(stdout);
 * const host = outputs.web_ipv4; // "203.0.113.7"
 */
export function parseTerraformOutputs(text: string): TerraformOutputs {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new GroveError("TerraformFailed", "`terraform output -json` did not print JSON.", {
      hint: "Run `terraform output -json` in the working folder to see what it prints; Grove expects an object of outputs.",
    });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new GroveError("TerraformFailed", "`terraform output -json` did not print an object of outputs.");
  const out: TerraformOutputs = {};
  for (const [name, entry] of Object.entries(parsed)) {
    if (typeof entry !== "object" || entry === null || !("value" in entry))
      throw new GroveError(
        "TerraformFailed",
        `The output \`${name}\` has no value in \`terraform output -json\`.`,
      );
    const { value, sensitive } = entry as { value: unknown; sensitive?: unknown };
    out[name] = sensitive === true ? new Secret(value) : value;
  }
  return out;
}

/**
 * The outputs as JSON for people: sensitive values are shown as `"(sensitive)"`.
 *
 * @example
 * showOutputs({ ip: "203.0.113.7", token: new Secret("t") }); // '{\n  "ip": "203.0.113.7",\n  "token": "(sensitive)"\n}'
 */
export function showOutputs(outputs: TerraformOutputs): string {
  // Not a JSON.stringify replacer: it would see a Secret only after its throwing toJSON ran.
  const shown = Object.fromEntries(
    Object.entries(outputs).map(([k, v]) => [k, v instanceof Secret ? "(sensitive)" : v]),
  );
  return JSON.stringify(shown, null, 2);
}

/**
 * The outputs that are not sensitive: what may be written to the repository in plain text and
 * read by the project (machines' deploy targets).
 *
 * @example
 * publicOutputs({ ip: "203.0.113.7", token: new Secret("t") }); // { ip: "203.0.113.7" }
 */
export function publicOutputs(outputs: TerraformOutputs): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs).filter(([, v]) => !(v instanceof Secret)));
}
