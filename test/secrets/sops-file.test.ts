import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { beforeAll, describe, expect, it } from "vitest";
import { GroveError } from "../../src/errors.js";
import { parseMetadata } from "../../src/secrets/metadata.js";
import { decryptText, emitPlaintext, encryptPlaintext, rewrap, rotate } from "../../src/secrets/sops-file.js";
import { type Format, storeFor } from "../../src/secrets/stores/index.js";
import { ageDecrypt, verifyCheck } from "./helpers.js";

/** Plaintext that must never show up anywhere but where it is asked for. */
const CANARY = "canary-3f9a1c";

const SAMPLES: Record<Exclude<Format, "binary">, { ext: string; text: string; plain: unknown }> = {
  yaml: {
    ext: "yaml",
    text: `# top comment
password: ${CANARY}-pw
empty: ""
port: 5432
ratio: 0.5
whole: 3.0
enabled: true
nothing: null
multiline: |
    line one ${CANARY}
    line two
public_unencrypted: visible
server:
    # nested comment
    host: db.example.org
    tls_unencrypted:
        verify: true
    users:
        - alice
        # in a list
        - name: carol
          uid: 1003
---
second: ${CANARY}-doc2
`,
    plain: [
      {
        password: `${CANARY}-pw`,
        empty: "",
        port: 5432,
        ratio: 0.5,
        whole: 3.0,
        enabled: true,
        nothing: null,
        multiline: `line one ${CANARY}\nline two\n`,
        public_unencrypted: "visible",
        server: {
          host: "db.example.org",
          tls_unencrypted: { verify: true },
          users: ["alice", { name: "carol", uid: 1003 }],
        },
      },
      { second: `${CANARY}-doc2` },
    ],
  },
  json: {
    ext: "json",
    // A literal text: a JavaScript object would already have moved "1" before "2".
    text: `{"2": "two", "1": "one", "token": "${CANARY}-tok", "n": 7, "f": 0.25, "nested": {"list": [1, "x", false]}, "html": "<&>"}`,
    plain: {
      "1": "one",
      "2": "two",
      token: `${CANARY}-tok`,
      n: 7,
      f: 0.25,
      nested: { list: [1, "x", false] },
      html: "<&>",
    },
  },
  dotenv: {
    ext: "env",
    text: `# dotenv comment\nDB_PASSWORD=${CANARY}-db\nMULTI=a\\nb\nEMPTY=\nPUBLIC_unencrypted=plain\n`,
    plain: { DB_PASSWORD: `${CANARY}-db`, MULTI: "a\nb", EMPTY: "", PUBLIC_unencrypted: "plain" },
  },
  ini: {
    ext: "ini",
    text: `[database]\n; a comment\nuser = admin\npassword = ${CANARY}-ini\n\n[other]\nkey = value\n`,
    plain: { DEFAULT: {}, database: { user: "admin", password: `${CANARY}-ini` }, other: { key: "value" } },
  },
};

let dir: string;
let keyFile: string;
let recipient: string;
let otherKeyFile: string;
let identity: string;
let otherIdentity: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "grove-sops-"));
  identity = await generateX25519Identity();
  recipient = await identityToRecipient(identity);
  keyFile = join(dir, "keys.txt");
  writeFileSync(keyFile, `${identity}\n`, { mode: 0o600 });
  otherIdentity = await generateX25519Identity();
  otherKeyFile = join(dir, "other.txt");
  writeFileSync(otherKeyFile, `${otherIdentity}\n`, { mode: 0o600 });
});

async function write(format: Format, ext: string, plaintext: Uint8Array, recipients = [recipient]) {
  const text = await encryptPlaintext(plaintext, format, { recipients });
  const file = join(dir, `${format}-${Math.random().toString(36).slice(2)}.${ext}`);
  writeFileSync(file, text);
  return { text, file };
}

/** The data key as each `sops.age[].enc` unwraps with the real age CLI. */
function ageCliDataKeys(text: string, format: Format, identityFile: string): string[] {
  const meta = parseMetadata(storeFor(format).parseEncrypted(text).metadata);
  return meta.age.map((e) => ageDecrypt(e.enc, identityFile).toString("hex"));
}

describe("files Grove writes", () => {
  for (const [format, sample] of Object.entries(SAMPLES) as [
    Exclude<Format, "binary">,
    (typeof SAMPLES)["yaml"],
  ][]) {
    it(`${format}: verify.py accepts it, the age CLI unwraps its data key, and Grove reads it back`, async () => {
      const { text, file } = await write(format, sample.ext, new TextEncoder().encode(sample.text));
      expect(text).not.toContain(CANARY);
      const check = verifyCheck(file, keyFile);
      expect(check.stderr).toBe("");
      expect(check.code).toBe(0);
      expect(JSON.parse(check.stdout)).toEqual(sample.plain);
      const d = await decryptText(text, format, { identities: [identity] }, file);
      expect(ageCliDataKeys(text, format, keyFile)).toEqual([
        Buffer.from(d.dataKey.reveal()).toString("hex"),
      ]);
      expect(verifyCheck(file, otherKeyFile).code).not.toBe(0);
    });
  }

  it("binary: verify.py accepts it, the age CLI unwraps its data key, and bytes round-trip exactly", async () => {
    const utf8 = new TextEncoder().encode(`binary ${CANARY}\n\u0000\u0001 end\n`);
    const { text, file } = await write("binary", "bin", utf8);
    expect(text).not.toContain(CANARY);
    const check = verifyCheck(file, keyFile);
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout)).toEqual({ data: new TextDecoder().decode(utf8) });
    const d = await decryptText(text, "binary", { identities: [identity] }, file);
    expect(ageCliDataKeys(text, "binary", keyFile)).toEqual([
      Buffer.from(d.dataKey.reveal()).toString("hex"),
    ]);

    // Large enough to catch anything that scales badly with one huge value (regexes, string building).
    const random = new Uint8Array(randomBytes(8 * 1024 * 1024));
    const again = await write("binary", "bin", random);
    const back = await decryptText(again.text, "binary", { identities: [identity] });
    expect(Buffer.from(emitPlaintext(back).reveal()).equals(Buffer.from(random))).toBe(true);
  });

  it("YAML output keeps key order and comments; JSON output keeps key order", async () => {
    const { text } = await write("yaml", "yaml", new TextEncoder().encode(SAMPLES.yaml.text));
    const d = await decryptText(text, "yaml", { identities: [identity] });
    const yaml = Buffer.from(emitPlaintext(d).reveal()).toString("utf8");
    expect(yaml).toContain("# top comment\npassword:");
    expect(yaml).toContain("    # nested comment\n    host: db.example.org");
    expect(yaml).toContain("        # in a list\n        - name: carol");
    expect(yaml.indexOf("password")).toBeLessThan(yaml.indexOf("empty"));
    const json = await write("json", "json", new TextEncoder().encode(SAMPLES.json.text));
    const dj = await decryptText(json.text, "json", { identities: [identity] });
    const out = Buffer.from(emitPlaintext(dj).reveal()).toString("utf8");
    // JSON.parse would have moved "1" before "2"; the file's order is kept.
    expect(out.indexOf('"2"')).toBeLessThan(out.indexOf('"1"'));
    expect(out).toContain('"html": "\\u003c\\u0026\\u003e"');
  });

  it("two recipients: each identity opens the file with the real age CLI", async () => {
    const other = await identityToRecipient(otherIdentity);
    const { text, file } = await write("yaml", "yaml", new TextEncoder().encode("a: b\n"), [
      recipient,
      other,
    ]);
    expect(verifyCheck(file, keyFile).code).toBe(0);
    expect(verifyCheck(file, otherKeyFile).code).toBe(0);
    const keys = parseMetadata(storeFor("yaml").parseEncrypted(text).metadata).age;
    expect(ageDecrypt(keys[0]!.enc, keyFile)).toEqual(ageDecrypt(keys[1]!.enc, otherKeyFile));
  });

  it("updatekeys keeps the data key and values; rotate makes a new data key the old recipient cannot use", async () => {
    const other = await identityToRecipient(otherIdentity);
    const { text } = await write("yaml", "yaml", new TextEncoder().encode(`k: ${CANARY}\n`));
    const d = await decryptText(text, "yaml", { identities: [identity] });
    const wrapped = await rewrap(d, [recipient, other]);
    const d2 = await decryptText(wrapped, "yaml", { identities: [otherIdentity] });
    expect(d2.dataKey.reveal()).toEqual(d.dataKey.reveal());
    expect(wrapped.split("sops:")[0]).toBe(text.split("sops:")[0]);

    const rotated = await rotate(d2, [other]);
    const d3 = await decryptText(rotated, "yaml", { identities: [otherIdentity] });
    expect(d3.dataKey.reveal()).not.toEqual(d.dataKey.reveal());
    await expect(decryptText(rotated, "yaml", { identities: [identity] })).rejects.toMatchObject({
      code: "SecretNoMatchingKey",
    });
    // Even with the old data key, the new file's values do not open.
    await expect(decryptText(rotated, "yaml", { dataKey: d.dataKey.reveal() })).rejects.toMatchObject({
      code: "SecretTampered",
    });
  });

  it("encrypted_regex and mac_only_encrypted files are accepted by verify.py", async () => {
    const text = await encryptPlaintext(
      new TextEncoder().encode(`kind: Secret\nstringData:\n    password: ${CANARY}\n`),
      "yaml",
      {
        recipients: [recipient],
        rule: { kind: "encrypted_regex", value: "^(data|stringData)$" },
        macOnlyEncrypted: true,
      },
    );
    expect(text).toContain("kind: Secret");
    expect(text).toContain("encrypted_regex: ^(data|stringData)$");
    expect(text).toContain("mac_only_encrypted: true");
    const file = join(dir, "regex.yaml");
    writeFileSync(file, text);
    expect(verifyCheck(file, keyFile).code).toBe(0);
  });
});

describe("bad files and wrong keys", () => {
  let text: string;
  const file = "secrets/app.yaml";

  beforeAll(async () => {
    const single = SAMPLES.yaml.text.split("---")[0]!;
    text = await encryptPlaintext(new TextEncoder().encode(single), "yaml", { recipients: [recipient] });
  });

  async function failure(t: string, format: Format = "yaml", ids = [identity]): Promise<GroveError> {
    try {
      await decryptText(t, format, { identities: ids }, file);
    } catch (e) {
      expect(e).toBeInstanceOf(GroveError);
      const err = e as GroveError;
      expect(err.file).toBe(file);
      // Nothing about the error may carry plaintext.
      for (const s of [err.message, err.hint, String(err), err.stack ?? "", JSON.stringify(err)])
        expect(s).not.toContain(CANARY);
      return err;
    }
    throw new Error("the damaged file was accepted");
  }

  /** Flips one bit of one byte of a base64 field and re-encodes it (so the field stays valid base64). */
  function flip(b64: string, at = 0): string {
    const bytes = Buffer.from(b64, "base64");
    bytes[at % bytes.length]! ^= 0x01;
    return bytes.toString("base64");
  }

  it("flipping one byte of any data, iv or tag of any value or comment fails authentication", async () => {
    const fields = [...text.matchAll(/(data|iv|tag):([A-Za-z0-9+/=]+)[,\]]/g)];
    expect(fields.length).toBeGreaterThan(40);
    for (const m of fields) {
      const start = m.index! + m[1]!.length + 1;
      const tampered = text.slice(0, start) + flip(m[2]!, 3) + text.slice(start + m[2]!.length);
      const err = await failure(tampered);
      expect(["SecretTampered", "SecretMacMismatch"]).toContain(err.code);
      const inMac =
        text.lastIndexOf("mac: ENC[") < m.index! &&
        m.index! < text.indexOf("\n", text.lastIndexOf("mac: ENC["));
      if (inMac) expect(err.path).toEqual(["sops", "mac"]);
    }
  });

  it("swapping two encrypted values fails on the path (AAD) check, naming the key path", async () => {
    const pw = /password: (ENC\[[^\n]+\])/.exec(text)![1]!;
    const host = /host: (ENC\[[^\n]+\])/.exec(text)![1]!;
    const swapped = text.replace(pw, "\u0000").replace(host, pw).replace("\u0000", host);
    const err = await failure(swapped);
    expect(err.code).toBe("SecretTampered");
    expect(err.path).toEqual(["password"]);
  });

  it("changing a clear-text value or lastmodified breaks the MAC", async () => {
    expect(
      (await failure(text.replace("public_unencrypted: visible", "public_unencrypted: visibl3"))).code,
    ).toBe("SecretMacMismatch");
    const lm = /lastmodified: "(\d{4})/.exec(text)!;
    const moved = text.replace(lm[0], `lastmodified: "${Number(lm[1]) + 1}`);
    expect(await failure(moved)).toMatchObject({ code: "SecretTampered", path: ["sops", "mac"] });
  });

  it("a damaged wrapped key, a wrong key, no key and no recipients are each reported", async () => {
    const enc = /-----BEGIN AGE ENCRYPTED FILE-----\n\s+(\S+)/.exec(text)!;
    const damaged = text.replace(enc[1]!, flip(enc[1]!, 40));
    expect(["SecretTampered", "SecretNoMatchingKey"]).toContain((await failure(damaged)).code);
    expect((await failure(text, "yaml", [otherIdentity])).code).toBe("SecretNoMatchingKey");
    expect((await failure(text, "yaml", [])).code).toBe("SecretNoIdentity");
    const noAge = text.replace(/ {4}age:\n(?: {8}.*\n)+/, "");
    expect((await failure(noAge)).code).toBe("SecretUnsupported");
  });

  it("a truncated or malformed file is SecretMalformed, never a raw exception", async () => {
    for (const cut of [0.1, 0.3, 0.5, 0.7, 0.9, 0.99]) {
      const err = await failure(text.slice(0, Math.floor(text.length * cut)));
      expect(["SecretMalformed", "SecretTampered", "SecretMacMismatch"]).toContain(err.code);
    }
    expect((await failure("a: [unclosed\n")).code).toBe("SecretMalformed");
    expect((await failure("just: plaintext\n")).code).toBe("SecretMalformed");
    expect((await failure("{", "json")).code).toBe("SecretMalformed");
    expect((await failure("{", "binary")).code).toBe("SecretMalformed");
    expect((await failure("NO_EQUALS_SIGN\n", "dotenv")).code).toBe("SecretMalformed");
    const bad64 = text.replace(/password: ENC\[AES256_GCM,data:/, "password: ENC[AES256_GCM,data:!!");
    expect(await failure(bad64)).toMatchObject({ code: "SecretMalformed", path: ["password"] });
  });

  it("a multi-document file whose documents carry different metadata is rejected", async () => {
    const multi = await encryptPlaintext(new TextEncoder().encode(SAMPLES.yaml.text), "yaml", {
      recipients: [recipient],
    });
    const at = multi.lastIndexOf("mac: ENC[AES256_GCM,data:") + "mac: ENC[AES256_GCM,data:".length;
    const tampered = multi.slice(0, at) + (multi[at] === "A" ? "B" : "A") + multi.slice(at + 1);
    expect((await failure(tampered)).code).toBe("SecretMalformed");
  });

  it("every format rejects truncation", async () => {
    for (const [format, sample] of Object.entries(SAMPLES) as [Format, { text: string }][]) {
      const t = await encryptPlaintext(new TextEncoder().encode(sample.text), format, {
        recipients: [recipient],
      });
      for (const cut of [0.25, 0.5, 0.75, 0.95])
        await failure(t.slice(0, Math.floor(t.length * cut)), format);
    }
  });
});
