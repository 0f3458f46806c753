/**
 * Differences: a unified line diff (for edited copies and generation diffs) and the comparison of two
 * generations target by target.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GroveError } from "../errors.js";
import { type Leaf, leavesOf } from "./generation.js";
import { currentNumber, listGenerations, readGeneration } from "./state.js";

/** Above this many line pairs the diff says only that the files differ, to stay fast. */
const maxCells = 4_000_000;

function splitLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

type Edit = { kind: " " | "-" | "+"; line: string };

/** Longest-common-subsequence edit script between two line lists. */
function editScript(a: string[], b: string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  const width = m + 1;
  const lcs = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * width + j] =
        a[i] === b[j]
          ? lcs[(i + 1) * width + j + 1]! + 1
          : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
    }
  }
  const out: Edit[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ kind: " ", line: a[i]! });
      i++;
      j++;
    } else if (lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!) out.push({ kind: "-", line: a[i++]! });
    else out.push({ kind: "+", line: b[j++]! });
  }
  while (i < n) out.push({ kind: "-", line: a[i++]! });
  while (j < m) out.push({ kind: "+", line: b[j++]! });
  return out;
}

/**
 * A unified diff (three lines of context) from `before` to `after`; empty when they are equal.
 *
 * @example
 * unifiedDiff("a\nb\n", "a\nc\n", "old", "new")
 * // "--- old\n+++ new\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"
 */
export function unifiedDiff(before: string, after: string, labelBefore: string, labelAfter: string): string {
  if (before === after) return "";
  const a = splitLines(before);
  const b = splitLines(after);
  const header = `--- ${labelBefore}\n+++ ${labelAfter}\n`;
  if ((a.length + 1) * (b.length + 1) > maxCells) {
    return `${header}Files differ (${a.length} and ${b.length} lines; too long to compare line by line).\n`;
  }
  const edits = editScript(a, b);
  const context = 3;
  let out = header;
  let k = 0;
  while (k < edits.length) {
    if (edits[k]!.kind === " ") {
      k++;
      continue;
    }
    // A hunk: from `context` lines before this change to `context` lines after the last change that is
    // less than 2 × context unchanged lines away.
    const start = Math.max(0, k - context);
    let end = k;
    let lastChange = k;
    while (end < edits.length && end - lastChange <= 2 * context) {
      if (edits[end]!.kind !== " ") lastChange = end;
      end++;
    }
    end = Math.min(edits.length, lastChange + context + 1);
    let oldStart = 1;
    let newStart = 1;
    for (let x = 0; x < start; x++) {
      if (edits[x]!.kind !== "+") oldStart++;
      if (edits[x]!.kind !== "-") newStart++;
    }
    const hunk = edits.slice(start, end);
    const oldLen = hunk.filter((e) => e.kind !== "+").length;
    const newLen = hunk.filter((e) => e.kind !== "-").length;
    out += `@@ -${oldLen === 0 ? oldStart - 1 : oldStart},${oldLen} +${newLen === 0 ? newStart - 1 : newStart},${newLen} @@\n`;
    for (const e of hunk) out += `${e.kind}${e.line}\n`;
    k = end;
  }
  const unterminated = (t: string) => t !== "" && !t.endsWith("\n");
  if (unterminated(before) || unterminated(after)) out += "\\ (a last line has no newline at the end)\n";
  return out;
}

/** How one target differs between two generations. */
export interface TargetChange {
  target: string;
  change: "added" | "removed" | "changed";
  /** A unified diff for text files; a sentence otherwise. */
  detail: string;
}

/** The comparison of two generations. */
export interface GenerationDiff {
  from: number;
  to: number;
  changes: TargetChange[];
}

/** Every file of a generation, folders expanded, so a diff can name the file that changed. */
function fileLeaves(leaves: Map<string, Leaf>): Map<string, { leaf: Leaf; key: string }> {
  const out = new Map<string, { leaf: Leaf; key: string }>();
  for (const [rel, leaf] of leaves) {
    const e = leaf.entry;
    if (e.kind === "folder" && !e.recursive) {
      for (const item of e.files)
        out.set(`${rel}/${item.path}`, { leaf, key: `${item.hash}:${item.executable}` });
    } else {
      const key =
        e.kind === "secret"
          ? `secret:${e.secret}`
          : `${leaf.hash}:${e.kind === "file" && e.executable}:${leaf.mode}`;
      out.set(rel, { leaf, key });
    }
  }
  return out;
}

function describe(leaf: Leaf): string {
  const e = leaf.entry;
  if (e.kind === "secret") return `secret ${e.secret}`;
  return `${e.source}${leaf.mode === "copy" ? ", mutable copy" : ""}`;
}

/**
 * Compares generation `from` with `to` (default: the live one, and the generation numbered before it).
 *
 * @example
 * for (const c of diffGenerations(stateDir, 3, 4).changes) console.log(c.change, c.target);
 */
export function diffGenerations(stateDir: string, from?: number, to?: number): GenerationDiff {
  const live = currentNumber(stateDir);
  const b = to ?? live ?? 0;
  const a = from ?? Math.max(0, ...listGenerations(stateDir).map((g) => (g.number < b ? g.number : 0)));
  if (a < 1) {
    throw new GroveError("HomeGenerationMissing", `There is no generation before ${b} to compare it with.`, {
      file: stateDir,
    });
  }
  const ga = readGeneration(stateDir, a);
  const gb = readGeneration(stateDir, b);
  const fa = fileLeaves(leavesOf(ga.manifest));
  const fb = fileLeaves(leavesOf(gb.manifest));
  const read = (hash: string, rel: string) => readFileSync(join(stateDir, "store", hash, "files", rel));
  const changes: TargetChange[] = [];
  for (const rel of [...new Set([...fa.keys(), ...fb.keys()])].sort()) {
    const x = fa.get(rel);
    const y = fb.get(rel);
    if (x === undefined) changes.push({ target: rel, change: "added", detail: describe(y!.leaf) });
    else if (y === undefined) changes.push({ target: rel, change: "removed", detail: describe(x.leaf) });
    else if (x.key !== y.key) {
      let detail = `${describe(x.leaf)} → ${describe(y.leaf)}`;
      if (x.leaf.entry.kind !== "secret" && y.leaf.entry.kind !== "secret") {
        const before = read(ga.info.hash, rel);
        const after = read(gb.info.hash, rel);
        if (before.equals(after)) detail = "mode changed";
        else if (!before.includes(0) && !after.includes(0)) {
          detail = unifiedDiff(before.toString("utf8"), after.toString("utf8"), `${a}/${rel}`, `${b}/${rel}`);
        } else detail = "binary content changed";
      }
      changes.push({ target: rel, change: "changed", detail });
    }
  }
  return { from: a, to: b, changes };
}
