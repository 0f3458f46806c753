import { generateX25519Identity, identityToRecipient } from "age-encryption";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { decryptText, encryptTree } from "../../src/secrets/sops-file.js";
import { storeFor } from "../../src/secrets/stores/index.js";
import { Branch, Comment, type ListItem, type MapItem, type Value } from "../../src/secrets/tree.js";
import { typed } from "./helpers.js";

/** No lone surrogates: text that has a UTF-8 form. */
const wellFormed = (s: string) => !/[\uD800-\uDFFF]/u.test(s);

const tricky = fc.constantFrom(
  "",
  "true",
  "False",
  "null",
  "~",
  "123",
  "-7",
  "0x1F",
  "1e3",
  ".inf",
  "2024-01-01",
  "yes",
  "- x",
  "a: b",
  "#not a comment",
  " leading",
  "trailing ",
  "line one\nline two\n",
  "no final newline\nx",
  "tab\there",
  "ENC[AES256_GCM,data:x]",
  "<&>",
  "grüße ✓",
);
const text = fc.oneof(fc.string({ unit: "binary", maxLength: 12 }).filter(wellFormed), tricky);
const key = fc.oneof(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,8}$/), text).filter((k) => k !== "sops");
/**
 * YAML comments hold printable characters only (YAML 1.2 `c-printable`) on one line; NEL, U+2028
 * and U+2029 are line breaks to YAML 1.1 readers such as go-yaml, so they end a comment too.
 */
const PRINTABLE = /^[\t\x20-\x7E\u00A0-\u2027\u202A-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
const commentText = fc
  .string({ unit: "binary", minLength: 1, maxLength: 12 })
  .filter((s) => wellFormed(s) && PRINTABLE.test(s) && s.trim() === s.trimStart() && s.trim() !== "");
const comments = fc.array(
  commentText.map((t) => new Comment(t)),
  { maxLength: 2 },
);

interface Options {
  comments: boolean;
  /** JSON writes 3.0 as 3 (as Go does), so a whole float comes back as an int. */
  wholeFloats: boolean;
}

function documents(o: Options) {
  const float = fc
    .double()
    .filter((f) => o.wholeFloats || (!Number.isInteger(f) && Number.isFinite(f)))
    .filter((f) => o.wholeFloats || !Object.is(f, -0));
  const scalar = fc.oneof(
    text,
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    float,
    fc.boolean(),
    fc.constant(null),
  );
  const cs = o.comments ? comments : fc.constant([] as Comment[]);
  const tree = fc.letrec<{ value: Value; map: Branch; list: ListItem[] }>((tie) => ({
    value: fc.oneof({ depthSize: "small", maxDepth: 3 }, scalar, tie("map"), tie("list")),
    map: fc
      .tuple(fc.uniqueArray(fc.tuple(cs, key, tie("value")), { selector: (e) => e[1], maxLength: 4 }), cs)
      .map(([entries, trailing]) => {
        const items: MapItem[] = [];
        for (const [before, k, value] of entries) items.push(...before, { key: k, value });
        if (entries.length > 0) items.push(...trailing);
        return new Branch(items);
      }),
    list: fc.tuple(fc.array(fc.tuple(cs, tie("value")), { maxLength: 4 }), cs).map(([entries, trailing]) => {
      const items: ListItem[] = [];
      for (const [before, value] of entries) {
        // In YAML a comment at the start of a map or list that is itself a list item reads as the
        // outer list's comment before that item (go-yaml reads it so too, and both have the same
        // path, so the same AAD); generate the form that has one spelling.
        const lead = (xs: readonly unknown[]) =>
          Math.max(
            0,
            xs.findIndex((x) => !(x instanceof Comment)),
          );
        const item =
          value instanceof Branch
            ? new Branch(value.items.slice(lead(value.items)))
            : Array.isArray(value)
              ? value.slice(lead(value))
              : value;
        items.push(...before, item);
      }
      if (entries.length > 0) items.push(...trailing);
      return items;
    }),
  }));
  return fc.array(tree.map, { minLength: 1, maxLength: o.comments ? 2 : 1 });
}

let identity: string;
let recipient: string;

beforeAll(async () => {
  identity = await generateX25519Identity();
  recipient = await identityToRecipient(identity);
});

const typedAll = (bs: readonly Branch[]) => bs.map((b) => typed(b));

describe("random nested documents round-trip exactly (types, order, comments)", () => {
  it("YAML plaintext: emit then parse gives the same tree", () => {
    const yaml = storeFor("yaml");
    fc.assert(
      fc.property(documents({ comments: true, wholeFloats: true }), (docs) => {
        expect(typedAll(yaml.parsePlain(yaml.emitPlain(docs)))).toEqual(typedAll(docs));
      }),
      { numRuns: 300 },
    );
  });

  it("YAML encrypted: encrypt then decrypt gives the same tree", async () => {
    await fc.assert(
      fc.asyncProperty(documents({ comments: true, wholeFloats: true }), async (docs) => {
        const text = await encryptTree(docs, "yaml", { recipients: [recipient] });
        const d = await decryptText(text, "yaml", { identities: [identity] });
        expect(typedAll(d.plaintext.reveal())).toEqual(typedAll(docs));
      }),
      { numRuns: 100 },
    );
  });

  it("JSON encrypted: encrypt then decrypt gives the same tree", async () => {
    await fc.assert(
      fc.asyncProperty(documents({ comments: false, wholeFloats: false }), async (docs) => {
        const text = await encryptTree(docs, "json", { recipients: [recipient] });
        const d = await decryptText(text, "json", { identities: [identity] });
        expect(typedAll(d.plaintext.reveal())).toEqual(typedAll(docs));
      }),
      { numRuns: 100 },
    );
  });
});
