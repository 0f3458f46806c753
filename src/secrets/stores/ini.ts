/**
 * The INI store (as go-ini reads and writes it for SOPS): each section is a map of string values,
 * keys before any section header belong to `DEFAULT`, `;`/`#` comment lines belong to the section
 * (so they are encrypted with the section's path), and the metadata is the `[sops]` section,
 * flattened, with newlines written as a literal `\n` (or, from sops 3.13.0/3.13.1, inside `"""…"""`).
 */
import { GroveError } from "../../errors.js";
import { flattenMetadata, unflattenMetadata } from "../metadata.js";
import { Branch, Comment, type MapItem } from "../tree.js";
import { encodeUtf8, malformed, type SopsStore, scalarText, utf8 } from "./store.js";

const DEFAULT_SECTION = "DEFAULT";
const META_SECTION = "sops";

function unquote(value: string): string {
  if (value.length >= 2 && value[0] === value.at(-1) && `"'\``.includes(value[0]!)) return value.slice(1, -1);
  return value;
}

/** Parses INI text: one branch whose items are the sections. */
export function parseIni(text: string, file?: string): Branch {
  const sections: MapItem[] = [];
  let current: MapItem[] = [];
  sections.push({ key: DEFAULT_SECTION, value: new Branch(current) });
  let pending: Comment[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    if (line.startsWith(";") || line.startsWith("#")) {
      pending.push(new Comment(line.replace(/^[;#]\s*/, "")));
      continue;
    }
    if (line.startsWith("[") && line.endsWith("]")) {
      current = [...pending];
      pending = [];
      sections.push({ key: line.slice(1, -1).trim(), value: new Branch(current) });
      continue;
    }
    const sep = line.search(/[=:]/);
    if (sep < 0)
      throw malformed("ini", `line ${i + 1} is neither a section, a key nor a comment`, file, i + 1);
    const key = line.slice(0, sep).trim();
    let value = line.slice(sep + 1).trim();
    if (value.startsWith('"""')) {
      let body = value.slice(3);
      while (!body.endsWith('"""')) {
        i++;
        if (i >= lines.length) throw malformed("ini", `the \`"""\` value of \`${key}\` is not closed`, file);
        body += `\n${lines[i]}`;
      }
      value = body.slice(0, -3);
    } else value = unquote(value);
    current.push(...pending, { key, value });
    pending = [];
  }
  current.push(...pending);
  return new Branch(sections);
}

function iniValue(v: string): string {
  if (v.includes("\n")) return `"""${v}"""`;
  if (v !== v.trim() || /^["'`]|[;#]/.test(v)) return `"""${v}"""`;
  return v;
}

function emitSection(lines: string[], name: string | undefined, branch: Branch, file?: string): void {
  if (name !== undefined) lines.push(`[${name}]`);
  for (const item of branch.items) {
    if (item instanceof Comment) lines.push(`; ${item.text}`);
    else lines.push(`${item.key} = ${iniValue(scalarText(item.value, "ini", [item.key], file))}`);
  }
  lines.push("");
}

/** Writes sections as INI text; an empty `DEFAULT` section is left out. */
export function emitIni(branch: Branch, file?: string): string {
  const lines: string[] = [];
  for (const item of branch.items) {
    if (item instanceof Comment) continue;
    if (!(item.value instanceof Branch))
      throw new GroveError("SecretMalformed", "An INI file holds sections (maps) at its top level.", {
        file,
        path: [item.key],
      });
    if (item.key === DEFAULT_SECTION) {
      if (item.value.items.length > 0) emitSection(lines, undefined, item.value, file);
    } else emitSection(lines, item.key, item.value, file);
  }
  return lines.join("\n");
}

export const iniStore: SopsStore = {
  format: "ini",
  rawStrings: false,
  parsePlain: (input, file) => [parseIni(utf8(input, "ini", file), file)],
  emitPlain: (branches, file) => encodeUtf8(emitIni(branches[0] ?? new Branch(), file)),
  parseEncrypted(text, file) {
    const root = parseIni(text, file);
    const meta = root.get(META_SECTION);
    if (!(meta instanceof Branch))
      throw malformed("ini", "it has no `[sops]` section, so it is not encrypted", file);
    const pairs: [string, string][] = [];
    for (const item of meta.items)
      if (!(item instanceof Comment) && typeof item.value === "string")
        pairs.push([item.key, item.value.replaceAll("\\n", "\n")]);
    const rest = root.items.filter((i) => i instanceof Comment || i.key !== META_SECTION);
    return { branches: [new Branch(rest)], metadata: unflattenMetadata(pairs) };
  },
  emitEncrypted(branches, metadata) {
    const meta = flattenMetadata(metadata).map(([key, v]) => ({ key, value: v.replaceAll("\n", "\\n") }));
    const root = branches[0] ?? new Branch();
    return emitIni(new Branch([...root.items, { key: META_SECTION, value: new Branch(meta) }]));
  },
};
