/**
 * Random sequences of configurations, switches, rollbacks and user edits. After each step: every
 * managed target shows its generation's content, no file of the user's was changed or lost (it may
 * have moved to its backup name), no stray Grove link is left, and a refused switch changed nothing.
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type HomeSpec, listGenerations, rollback } from "../../src/activate/index.js";
import { GroveError } from "../../src/errors.js";
import { isLink, type Sandbox, sandbox, snapshot } from "./helpers.js";

const filePaths = ["a", "b", "d/x", "d/y", "d/e/z"] as const;
const folders: Record<string, Record<string, string>> = {
  src1: { p: "src1-p\n", "q/r": "src1-r\n" },
  src2: { p: "src2-p\n", s: "src2-s\n" },
};
const userPaths = ["a", "a.bak", "d/x", "d/u", "g", "g/p", "g/u", "u"] as const;

interface FileChoice {
  content: string;
  mutable: boolean;
  executable: boolean;
}
interface Config {
  files: (FileChoice | undefined)[];
  folder: { source: string; recursive: boolean } | undefined;
}

type Step =
  | { kind: "switch"; config: number; backup: boolean }
  | { kind: "rollback"; pick: number }
  | { kind: "userWrite"; path: string; content: string }
  | { kind: "userEdit"; path: string };

const fileChoice = fc.record({
  content: fc.constantFrom("one\n", "two\n", "three\n"),
  mutable: fc.boolean(),
  executable: fc.boolean(),
});
const config: fc.Arbitrary<Config> = fc.record({
  files: fc.tuple(...filePaths.map(() => fc.option(fileChoice, { nil: undefined }))),
  folder: fc.option(fc.record({ source: fc.constantFrom("src1", "src2"), recursive: fc.boolean() }), {
    nil: undefined,
  }),
});
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant("switch" as const), config: fc.nat(), backup: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("rollback" as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("userWrite" as const),
      path: fc.constantFrom(...userPaths),
      content: fc.constantFrom("user-1\n", "user-2\n"),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("userEdit" as const),
      path: fc.constantFrom(...filePaths, "g", "g/p", "g/q/r"),
    }),
  },
);

function toSpec(c: Config): HomeSpec {
  const files: HomeSpec["files"] = {};
  filePaths.forEach((path, i) => {
    const f = c.files[i];
    if (f !== undefined) files[path] = { text: f.content, mutable: f.mutable, executable: f.executable };
  });
  if (c.folder !== undefined) files.g = { folder: c.folder.source, recursive: c.folder.recursive };
  return { files };
}

interface Want {
  content: string;
  /** A Grove link, a mutable copy, or a file inside a folder Grove linked whole. */
  as: "link" | "copy" | "inside";
  executable: boolean;
}

/** What each managed file of a configuration must show. */
function expected(c: Config): Map<string, Want> {
  const out = new Map<string, Want>();
  filePaths.forEach((path, i) => {
    const f = c.files[i];
    if (f !== undefined)
      out.set(path, { content: f.content, as: f.mutable ? "copy" : "link", executable: f.executable });
  });
  if (c.folder !== undefined) {
    for (const [p, content] of Object.entries(folders[c.folder.source]!)) {
      out.set(`g/${p}`, { content, as: c.folder.recursive ? "link" : "inside", executable: false });
    }
  }
  return out;
}

/** Grove link paths a configuration makes (a non-recursive folder is one link). */
function linkPaths(c: Config): Set<string> {
  const out = new Set<string>();
  filePaths.forEach((path, i) => {
    if (c.files[i] !== undefined && !c.files[i]!.mutable) out.add(path);
  });
  if (c.folder !== undefined) {
    if (c.folder.recursive) for (const p of Object.keys(folders[c.folder.source]!)) out.add(`g/${p}`);
    else out.add("g");
  }
  return out;
}

/** lstat that also answers "nothing" when a folder on the way is a file. */
function lstat(path: string) {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** Whether every folder above `rel` is a real folder or missing: the path is not reached through a link. */
function direct(home: string, rel: string): boolean {
  const parts = rel.split("/");
  for (let i = 1; i < parts.length; i++) {
    const st = lstat(join(home, ...parts.slice(0, i)));
    if (st !== undefined && !st.isDirectory()) return false;
  }
  return true;
}

/** Where a user file now is: its path, or the backup of it or of a folder above it. */
function locate(home: string, rel: string, content: string): string | undefined {
  const parts = rel.split("/");
  const candidates = [
    rel,
    ...parts.map((_, i) => [`${parts.slice(0, i + 1).join("/")}.bak`, ...parts.slice(i + 1)].join("/")),
  ];
  return candidates.find((c) => {
    const st = lstat(join(home, c));
    return st?.isFile() === true && readFileSync(join(home, c), "utf8") === content;
  });
}

function check(
  s: Sandbox,
  configs: Config[],
  genConfig: Map<number, number>,
  user: Map<string, string>,
): void {
  const live = listGenerations(s.stateDir).find((g) => g.current);
  const c = live === undefined ? undefined : configs[genConfig.get(live.number)!]!;
  const want = c === undefined ? new Map<string, Want>() : expected(c);
  const links = c === undefined ? new Set<string>() : linkPaths(c);

  for (const [path, content] of user) {
    const st = lstat(join(s.home, path));
    expect(st?.isFile(), `user file ${path}`).toBe(true);
    expect(readFileSync(join(s.home, path), "utf8"), `user file ${path}`).toBe(content);
  }
  for (const [path, w] of want) {
    // An edited copy the user keeps, or a target under a Grove link the user replaced.
    const parts = path.split("/");
    if (parts.some((_, i) => user.has(parts.slice(0, i + 1).join("/")))) continue;
    const full = join(s.home, path);
    expect(readFileSync(full, "utf8"), `managed ${path}`).toBe(w.content);
    expect((statSync(full).mode & 0o100) !== 0, `mode of ${path}`).toBe(w.executable);
    if (w.as !== "inside") expect(isLink(full), `${path} is a ${w.as}`).toBe(w.as === "link");
  }
  // Nothing else: no stray Grove link, no leftover copy.
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir)) {
      const r = rel === "" ? name : `${rel}/${name}`;
      if (r === ".local") continue;
      const st = lstatSync(join(dir, name));
      if (st.isSymbolicLink()) expect(links.has(r), `stray link ${r}`).toBe(true);
      else if (st.isDirectory()) walk(join(dir, name), r);
      else expect(user.has(r) || want.get(r)?.as === "copy", `stray file ${r}`).toBe(true);
    }
  };
  walk(s.home, "");
  expect(existsSync(join(s.stateDir, "journal.json"))).toBe(false);
  expect(existsSync(join(s.stateDir, "txn"))).toBe(false);
}

async function run(configs: Config[], steps: Step[]): Promise<void> {
  const s = sandbox();
  try {
    for (const [name, files] of Object.entries(folders)) {
      for (const [p, content] of Object.entries(files)) s.repoFile(`${name}/${p}`, content);
    }
    const genConfig = new Map<number, number>();
    const user = new Map<string, string>();
    for (const st of steps) {
      if (st.kind === "userWrite") {
        if (!direct(s.home, st.path) || lstat(join(s.home, st.path)) !== undefined) continue;
        mkdirSync(dirname(join(s.home, st.path)), { recursive: true });
        writeFileSync(join(s.home, st.path), st.content);
        user.set(st.path, st.content);
      } else if (st.kind === "userEdit") {
        const path = join(s.home, st.path);
        const stat = lstat(path);
        if (!direct(s.home, st.path) || stat === undefined || stat.isDirectory() || user.has(st.path))
          continue;
        // A Grove link the user replaces, or a copy the user edits.
        if (stat.isSymbolicLink()) unlinkSync(path);
        writeFileSync(path, "user-edit\n");
        user.set(st.path, "user-edit\n");
      } else {
        const before = snapshot(s.home);
        try {
          if (st.kind === "switch") {
            const index = st.config % configs.length;
            const r = await s.switchTo(toSpec(configs[index]!), st.backup ? { backupExtension: "bak" } : {});
            if (!genConfig.has(r.generation)) genConfig.set(r.generation, index);
          } else {
            const others = listGenerations(s.stateDir).filter((g) => !g.current);
            if (others.length === 0) continue;
            await rollback({ ...s.options(), to: others[st.pick % others.length]!.number });
          }
        } catch (e) {
          expect(e).toBeInstanceOf(GroveError);
          expect((e as GroveError).code).toBe("HomeCollision");
          expect(snapshot(s.home)).toEqual(before);
        }
        // Files moved to a backup name are still the user's, at their new place.
        for (const [path, content] of [...user]) {
          const now = locate(s.home, path, content);
          expect(now, `user file ${path} is lost`).toBeDefined();
          if (now !== path) {
            user.delete(path);
            user.set(now!, content);
          }
        }
      }
      check(s, configs, genConfig, user);
    }
  } finally {
    s.dispose();
  }
}

describe("switch, rollback and user edits in any order", () => {
  it("keep every managed target right and every user file intact", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(config, { minLength: 2, maxLength: 4 }),
        fc.array(step, { maxLength: 12 }),
        run,
      ),
      { numRuns: 80 },
    );
  });
});
