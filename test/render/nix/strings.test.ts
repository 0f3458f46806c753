import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { quotedString, stringLiteral, toNix } from "../../../src/render/nix/index.js";
import { NixDir } from "./nix.js";

const dir = new NixDir();
afterAll(() => dir.remove());

/**
 * Renders each string nested `depth` lists deep (so multi-line strings sit at several
 * indentations), evaluates all of them in one `nix-instantiate` call, and returns the strings Nix
 * did not read back byte for byte. The expected values reach Nix through `builtins.fromJSON` of a
 * JSON file, independently of the emitter.
 */
async function misread(strings: readonly string[], name: string): Promise<string[]> {
  const nested = strings.map((s, i) => {
    let v: unknown = s;
    for (let d = 0; d < i % 4; d++) v = [v];
    return v;
  });
  dir.write({
    [`${name}.nix`]: `${toNix(nested)}\n`,
    [`${name}.json`]: JSON.stringify(nested),
    [`${name}-check.nix`]: `let
  got = import ./${name}.nix;
  want = builtins.fromJSON (builtins.readFile ./${name}.json);
in builtins.genList (i: builtins.elemAt got i == builtins.elemAt want i) (builtins.length want)
`,
  });
  const same = (await dir.eval(`${name}-check.nix`)) as boolean[];
  expect(same).toHaveLength(strings.length);
  return strings.filter((_, i) => !same[i]);
}

const hostile = [
  "",
  "plain",
  "${x}",
  "$${x}",
  "\\${x}",
  "a$",
  "$",
  "''",
  "'''",
  "x'",
  "'${",
  "''${x}''",
  'say "hi"',
  "back\\slash\\",
  "tab\there",
  "cr\r\nlf",
  "unicode: é ü 漢字 🌳",
  "one line\n",
  "line 1\nline 2\n",
  "line 1\nline 2",
  "  indented\n  both\n",
  "  first indented\nsecond not\n",
  "text\n  ",
  "\n\nleading blank lines\n",
  "trailing blank lines\n\n\n",
  "\tstarts with a tab\nnext\n",
  "ends with quote'\nx'",
  "# not a comment\n/* nor this */\n",
  "multi ${a}\nline ''${b}\n'''\n$\n",
];

describe("strings survive Nix byte for byte", () => {
  it("a corpus of hostile strings", async () => {
    expect(await misread(hostile, "corpus")).toEqual([]);
  });

  it("the JSON Nix prints for them is the strings themselves", async () => {
    dir.write({ "json.nix": `${toNix(hostile)}\n` });
    expect(await dir.eval("json.nix")).toEqual(hostile);
  });

  it("random strings over an alphabet of escapes, quotes, dollars and whitespace", async () => {
    const unit = fc.constantFrom(
      "'",
      "''",
      "$",
      "{",
      "}",
      "${",
      "\\",
      '"',
      "\n",
      " ",
      "  ",
      "\t",
      "\r",
      "a",
      "é",
      "🌳",
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit, maxLength: 24 }), { minLength: 50, maxLength: 150 }),
        async (ss) => {
          expect(await misread(ss, "random")).toEqual([]);
        },
      ),
      { numRuns: 6 },
    );
  });

  it("random unicode text", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.string({ unit: "grapheme", maxLength: 40 }).filter((s) => !s.includes("\0")),
          { minLength: 50, maxLength: 100 },
        ),
        async (ss) => {
          expect(await misread(ss, "unicode")).toEqual([]);
        },
      ),
      { numRuns: 3 },
    );
  });
});

describe("string forms", () => {
  it("writes text of several lines as an indented string", () => {
    expect(stringLiteral("[core]\n\teditor = vim\n", "  ")).toBe("''\n    [core]\n    \teditor = vim\n  ''");
  });

  it("escapes interpolation and quotes in an indented string", () => {
    expect(stringLiteral("a ${b}\nc '' d\n")).toBe("''\n  a ''${b}\n  c ''' d\n''");
  });

  it("keeps one-line text double-quoted, even with a final newline", () => {
    expect(stringLiteral("hello\n")).toBe('"hello\\n"');
  });

  it("falls back to double quotes when Nix would strip the text's own indentation", () => {
    expect(stringLiteral("  a\n  b\n")).toBe('"  a\\n  b\\n"');
  });

  it("escapes what Nix would otherwise interpret in double quotes", () => {
    expect(quotedString('a"b\\c${d}$e\n\r\t')).toBe('"a\\"b\\\\c\\${d}$e\\n\\r\\t"');
  });

  it("refuses NUL and lone surrogates, naming the option", () => {
    expect(() => toNix({ a: "x\0y" }, ["opt"])).toThrow(/opt\.a.*NUL/);
    expect(() => toNix(["\uD800"], ["opt"])).toThrow(/opt\[0\].*surrogate/);
  });
});
