/**
 * The YAML store, on the `yaml` library's node API so that key order and comments survive. Comments
 * become tree items where SOPS (go-yaml v3) puts them: head and line comments before the item they
 * belong to, foot comments after the last item of their collection.
 */
import {
  type Alias,
  Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type Node,
  Pair,
  parseAllDocuments,
  Scalar,
  YAMLMap,
  YAMLSeq,
} from "yaml";
import type { RawMetadata } from "../metadata.js";
import { Branch, Comment, type ListItem, type MapItem, type Value } from "../tree.js";
import { encodeUtf8, fromPlain, malformed, type SopsStore, splitMetadata, utf8 } from "./store.js";

const PARSE_OPTIONS = {
  intAsBigInt: true,
  uniqueKeys: true,
  prettyErrors: false,
  customTags: ["binary" as const],
};
const STRINGIFY_OPTIONS = { indent: 4, lineWidth: 0, blockQuote: "literal" as const };
const BINARY_TAG = "tag:yaml.org,2002:binary";

/** Comment lines of a `yaml` comment string; blank lines between comments are not kept (as in SOPS). */
function commentLines(text: string | null | undefined): Comment[] {
  if (!text) return [];
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => new Comment(l));
}

/** A trailing comment line that belongs to an enclosing collection, with its column. */
interface Escaped {
  readonly column: number;
  readonly comment: Comment;
}

class Reader {
  /** Trailing comments found at the end of a nested collection but indented for an outer one. */
  private escaped: Escaped[] = [];

  constructor(
    private readonly doc: Document.Parsed,
    private readonly source: string,
    private readonly file: string | undefined,
  ) {}

  private resolve(node: unknown): unknown {
    return isAlias(node) ? (node as Alias).resolve(this.doc) : node;
  }

  private column(offset: number): number {
    return offset - (this.source.lastIndexOf("\n", offset - 1) + 1);
  }

  /**
   * The comments after a collection's last item. The `yaml` library gives all of them to the
   * innermost collection; go-yaml (and so sops, which encrypts a comment with its collection's path)
   * goes by indentation. Re-read the lines: those indented less than this collection's items
   * belong to an enclosing one and are handed up.
   */
  private trailing(node: YAMLMap | YAMLSeq): Comment[] {
    const own = commentLines(node.comment);
    if (own.length === 0 || node.flow || !node.range) return own;
    const column = this.column(node.range[0]);
    const lines = this.source
      .slice(node.range[1], node.range[2])
      .split("\n")
      .filter((l) => l.trimStart().startsWith("#"));
    if (lines.length !== own.length) return own;
    const kept: Comment[] = [];
    for (const [i, line] of lines.entries()) {
      const c = line.length - line.trimStart().length;
      if (c >= column && this.escaped.length === 0) kept.push(own[i]!);
      else this.escaped.push({ column: c, comment: own[i]! });
    }
    return kept;
  }

  /** Takes the handed-up comments that belong at this collection's level (column `column`). */
  private adopt(column: number): Comment[] {
    const mine: Comment[] = [];
    while (this.escaped[0] !== undefined && this.escaped[0].column >= column)
      mine.push(this.escaped.shift()!.comment);
    return mine;
  }

  /** `headHandled`: the caller already took the node's head comment (list items, as go-yaml does). */
  value(raw: unknown, headHandled = false): Value {
    const node = this.resolve(raw);
    if (isMap(node)) return this.map(node, headHandled);
    if (isSeq(node)) return this.seq(node, headHandled);
    if (isScalar(node)) return this.scalar(node);
    if (node === null || node === undefined) return null;
    throw malformed("yaml", "it holds a node Grove does not understand", this.file);
  }

  private scalar(node: Scalar): Value {
    const v = node.value;
    if (v === null || v === undefined) return null;
    if (
      typeof v === "string" ||
      typeof v === "bigint" ||
      typeof v === "number" ||
      typeof v === "boolean" ||
      v instanceof Uint8Array
    )
      return v;
    // Tags Grove does not know (timestamps in YAML 1.1 files, custom tags) keep their text.
    return node.source ?? String(v);
  }

  private key(node: unknown): string {
    const k = this.resolve(node);
    if (!isScalar(k)) throw malformed("yaml", "a map key is not a plain value", this.file);
    return typeof k.value === "string" ? k.value : (k.source ?? String(k.value));
  }

  map(node: YAMLMap, headHandled = false): Branch {
    const column = node.range ? this.column(node.range[0]) : 0;
    const items: MapItem[] = headHandled ? [] : [...commentLines(node.commentBefore)];
    for (const pair of node.items) {
      const key = pair.key as Node | null;
      const value = pair.value as Node | null;
      items.push(...commentLines(key?.commentBefore), ...commentLines(key?.comment));
      const scalarValue = isScalar(value) || isAlias(value);
      if (scalarValue) items.push(...commentLines(value?.commentBefore), ...commentLines(value?.comment));
      items.push({ key: this.key(key), value: this.value(value) });
      items.push(...this.adopt(column));
    }
    items.push(...this.trailing(node));
    return new Branch(items);
  }

  private seq(node: YAMLSeq, headHandled = false): ListItem[] {
    const column = node.range ? this.column(node.range[0]) : 0;
    const items: ListItem[] = headHandled ? [] : [...commentLines(node.commentBefore)];
    for (const raw of node.items) {
      const item = raw as Node | null;
      // A comment above `- ` belongs to the list, whatever the item is (go-yaml's head comment).
      items.push(...commentLines(item?.commentBefore));
      if (isScalar(item) || isAlias(item)) items.push(...commentLines(item.comment));
      items.push(this.value(item, true));
      items.push(...this.adopt(column));
    }
    items.push(...this.trailing(node));
    return items;
  }

  /** Comments handed up past the top-level map: they end the document. */
  rest(): Comment[] {
    return this.escaped.splice(0).map((e) => e.comment);
  }
}

/** Converts one parsed map node (used by the JSON store, which parses through this library too). */
export function parseYamlNode(doc: Document.Parsed, node: YAMLMap, source: string, file?: string): Branch {
  return new Reader(doc, source, file).map(node);
}

/** Parses every `---` document of a YAML text into a branch. */
export function parseYaml(text: string, file?: string): Branch[] {
  const out: Branch[] = [];
  for (const doc of parseAllDocuments(text, PARSE_OPTIONS)) {
    const err = doc.errors[0];
    if (err) {
      // The library's message may quote the source; report only its code and position.
      const pos = err.linePos?.[0];
      throw malformed(
        "yaml",
        `syntax error ${err.code}${pos ? ` at line ${pos.line}, column ${pos.col}` : ""}`,
        file,
        pos?.line,
      );
    }
    const reader = new Reader(doc, text, file);
    const contents = doc.contents;
    let branch: Branch;
    if (contents === null) branch = new Branch();
    else if (isMap(contents)) {
      branch = reader.map(contents);
      branch.items.push(...reader.rest());
    } else throw malformed("yaml", "the top level of a document is not a map", file);
    branch.items.unshift(...commentLines(doc.commentBefore));
    branch.items.push(...commentLines(doc.comment));
    out.push(branch);
  }
  // An empty stream is one empty document, as SOPS reads it.
  return out.length > 0 ? out : [new Branch()];
}

class Writer {
  constructor(private readonly doc: Document) {}

  node(v: Value): Node {
    if (v instanceof Branch) return this.map(v);
    if (Array.isArray(v)) return this.seq(v);
    const s = new Scalar(v);
    if (typeof v === "number" && Number.isInteger(v)) s.minFractionDigits = 1; // keep `3.0` a float
    if (v instanceof Uint8Array) s.tag = BINARY_TAG;
    return s;
  }

  map(b: Branch): YAMLMap {
    const map = new YAMLMap(this.doc.schema);
    let pending: string[] = [];
    for (const item of b.items) {
      if (item instanceof Comment) {
        pending.push(item.text);
        continue;
      }
      const key = new Scalar(item.key);
      if (pending.length > 0) key.commentBefore = pending.join("\n");
      pending = [];
      map.items.push(new Pair(key, this.node(item.value)));
    }
    if (pending.length > 0) map.comment = pending.join("\n");
    if (map.items.length === 0) map.flow = true;
    return map;
  }

  seq(list: readonly ListItem[]): YAMLSeq {
    const seq = new YAMLSeq(this.doc.schema);
    let pending: string[] = [];
    for (const item of list) {
      if (item instanceof Comment) {
        pending.push(item.text);
        continue;
      }
      const node = this.node(item);
      if (pending.length > 0) node.commentBefore = pending.join("\n");
      pending = [];
      seq.items.push(node);
    }
    if (pending.length > 0) seq.comment = pending.join("\n");
    if (seq.items.length === 0) seq.flow = true;
    return seq;
  }
}

function emitDocuments(branches: readonly Branch[], extra?: (doc: Document, map: YAMLMap) => void): string {
  const texts = branches.map((branch) => {
    const doc = new Document(null, { customTags: ["binary"] });
    const writer = new Writer(doc);
    const map = writer.map(branch);
    map.flow = false;
    // Comments after the last key belong to the document, not to a key-less top-level map.
    doc.comment = map.comment ?? null;
    map.comment = null;
    extra?.(doc, map);
    doc.contents = map;
    return map.items.length === 0 && !doc.comment ? "{}\n" : doc.toString(STRINGIFY_OPTIONS);
  });
  return texts.join("---\n");
}

/** The metadata node: strings that look like timestamps are quoted, as go-yaml does. */
function metadataPair(doc: Document, raw: RawMetadata): Pair {
  const value = new Writer(doc).node(fromPlain(raw));
  const quote = (n: unknown) => {
    if (isMap(n)) for (const p of n.items) quote(p.value);
    else if (isSeq(n)) for (const x of n.items) quote(x);
    else if (isScalar(n) && typeof n.value === "string" && /^\d{4}-\d\d-\d\dT/.test(n.value))
      n.type = Scalar.QUOTE_DOUBLE;
  };
  quote(value);
  return new Pair(new Scalar("sops"), value);
}

export const yamlStore: SopsStore = {
  format: "yaml",
  rawStrings: false,
  parsePlain: (input, file) => parseYaml(utf8(input, "yaml", file), file),
  emitPlain: (branches) => encodeUtf8(emitDocuments(branches)),
  parseEncrypted: (text, file) => splitMetadata(parseYaml(text, file), "yaml", file),
  // SOPS writes the metadata into every document of a multi-document file.
  emitEncrypted: (branches, metadata) =>
    emitDocuments(branches, (doc, map) => map.items.push(metadataPair(doc, metadata))),
};
