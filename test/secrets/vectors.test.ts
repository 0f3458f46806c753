import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decryptText, emitPlaintext } from "../../src/secrets/sops-file.js";
import { identitiesIn, typed, type Vector, vec, vectors } from "./helpers.js";

interface Expected {
  data_key_hex: string;
  mac: string;
  documents: unknown[];
  plain: unknown;
}

const expected = (v: Vector) => JSON.parse(readFileSync(vec(`${v.file}.plain.json`), "utf8")) as Expected;

describe("every shared SOPS vector", () => {
  const all = vectors();

  it("covers every vector of vectors.json", () => {
    expect(all.length).toBeGreaterThanOrEqual(25);
  });

  for (const v of all) {
    const pgpOnly = (v.age_identities ?? []).length === 0;
    it(`${v.file} decrypts to its expected plaintext ${pgpOnly ? "(PGP-wrapped: with the recorded data key)" : "with its age identity"}`, async () => {
      const want = expected(v);
      const text = readFileSync(vec(v.file), "utf8");
      // Grove speaks age, not PGP: PGP-wrapped files are checked with the data key verify.py recorded.
      const keys = pgpOnly
        ? { dataKey: Buffer.from(want.data_key_hex, "hex") }
        : { identities: (v.age_identities ?? []).flatMap(identitiesIn) };
      const d = await decryptText(text, v.format, keys, v.file);
      expect(Buffer.from(d.dataKey.reveal()).toString("hex")).toBe(want.data_key_hex);
      expect(d.mac).toBe(want.mac);
      expect(d.plaintext.reveal().map((b) => typed(b, v.format === "binary"))).toEqual(want.documents);
      if (v.format === "binary") {
        const bytes = Buffer.from(emitPlaintext(d).reveal());
        expect(bytes.equals(readFileSync(vec(`${v.file}.plain.bin`)))).toBe(true);
      }
    });

    for (const alt of v.also_unwrap_with ?? []) {
      it(`${v.file} also opens with ${alt.join(", ")}`, async () => {
        const d = await decryptText(readFileSync(vec(v.file), "utf8"), v.format, {
          identities: alt.flatMap(identitiesIn),
        });
        expect(Buffer.from(d.dataKey.reveal()).toString("hex")).toBe(expected(v).data_key_hex);
      });
    }
  }

  it("the post-quantum (age1pq1) vector unwraps with its hybrid identity through age-encryption", async () => {
    const v = all.find((x) => x.file.includes("age-pq"))!;
    const d = await decryptText(readFileSync(vec(v.file), "utf8"), "yaml", {
      identities: identitiesIn(v.age_identities![0]!),
    });
    expect(Buffer.from(d.dataKey.reveal()).toString("hex")).toBe(v.data_key_hex_fallback);
  });

  it("JSON output keeps the file's key order and matches sops' plaintext", async () => {
    const v = all.find((x) => x.expect_plain_file)!;
    const d = await decryptText(readFileSync(vec(v.file), "utf8"), "json", {
      identities: identitiesIn(v.age_identities![0]!),
    });
    const out = Buffer.from(emitPlaintext(d, "json").reveal()).toString("utf8");
    const want = JSON.parse(readFileSync(vec(v.expect_plain_file!), "utf8"));
    expect(JSON.parse(out)).toEqual(want);
    expect(Object.keys(JSON.parse(out))).toEqual(Object.keys(want));
    expect(out.indexOf('"0word"')).toBeGreaterThan(out.indexOf('"boolean"'));
  });
});
