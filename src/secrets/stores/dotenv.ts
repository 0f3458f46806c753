/**
 * The dotenv store: `KEY=VALUE` lines (the key is everything before the first `=`, untrimmed; a
 * literal `\n` in a value is a newline), `#` comment lines, and the metadata flattened onto the same
 * level as `sops_…` keys.
 */
import { GroveError } from "../../errors.js";
import { flattenMetadata, unflattenMetadata } from "../metadata.js";
import { Branch, Comment, type MapItem } from "../tree.js";
import { encodeUtf8, malformed, type SopsStore, scalarText, utf8 } from "./store.js";

const META_PREFIX = "sops_";

/** Parses dotenv text into one branch. */
export function parseDotenv(text: string, file?: string): Branch {
  const items: MapItem[] = [];
  for (const [i, line] of text.split("\n").entries()) {
    if (line === "") continue;
    if (line.startsWith("#")) {
      items.push(new Comment(line.slice(1)));
      continue;
    }
    const eq = line.indexOf("=");
    if (eq < 0) throw malformed("dotenv", `line ${i + 1} has no \`=\``, file, i + 1);
    items.push({ key: line.slice(0, eq), value: line.slice(eq + 1).replaceAll("\\n", "\n") });
  }
  return new Branch(items);
}

/** Writes one branch as dotenv text. */
export function emitDotenv(branch: Branch, file?: string): string {
  let out = "";
  for (const item of branch.items) {
    if (item instanceof Comment) out += `#${item.text}\n`;
    else {
      if (item.key.includes("=") || item.key.includes("\n"))
        throw new GroveError("SecretMalformed", "A dotenv key cannot contain `=` or a newline.", {
          file,
          path: [item.key],
        });
      out += `${item.key}=${scalarText(item.value, "dotenv", [item.key], file).replaceAll("\n", "\\n")}\n`;
    }
  }
  return out;
}

export const dotenvStore: SopsStore = {
  format: "dotenv",
  rawStrings: false,
  parsePlain(input, file) {
    const branch = parseDotenv(utf8(input, "dotenv", file), file);
    const reserved = branch.items.find((i) => !(i instanceof Comment) && i.key.startsWith(META_PREFIX));
    if (reserved && !(reserved instanceof Comment))
      throw new GroveError(
        "SecretMalformed",
        `Keys starting with \`${META_PREFIX}\` are reserved for the metadata.`,
        {
          file,
          path: [reserved.key],
        },
      );
    return [branch];
  },
  emitPlain: (branches, file) => encodeUtf8(emitDotenv(branches[0] ?? new Branch(), file)),
  parseEncrypted(text, file) {
    const branch = parseDotenv(text, file);
    const meta: [string, string][] = [];
    const rest: MapItem[] = [];
    for (const item of branch.items) {
      if (!(item instanceof Comment) && item.key.startsWith(META_PREFIX) && typeof item.value === "string")
        meta.push([item.key.slice(META_PREFIX.length), item.value]);
      else rest.push(item);
    }
    if (meta.length === 0)
      throw malformed("dotenv", "it has no `sops_` metadata, so it is not encrypted", file);
    return { branches: [new Branch(rest)], metadata: unflattenMetadata(meta) };
  },
  emitEncrypted(branches, metadata) {
    const meta = flattenMetadata(metadata).map(([k, v]) => ({ key: META_PREFIX + k, value: v }));
    return emitDotenv(new Branch([...(branches[0]?.items ?? []), ...meta]));
  },
};
