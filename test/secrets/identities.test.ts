import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { describe, expect, it } from "vitest";
import {
  defaultKeysFile,
  ensureIdentity,
  findIdentities,
  parseIdentities,
} from "../../src/secrets/identities.js";

describe("identities (as sops finds them)", () => {
  it("reads identities from keys files, skipping comments", () => {
    expect(
      parseIdentities("# created\n# public key: age1x\nAGE-SECRET-KEY-1AAA\n\n  AGE-SECRET-KEY-PQ-1BBB \n"),
    ).toEqual(["AGE-SECRET-KEY-1AAA", "AGE-SECRET-KEY-PQ-1BBB"]);
  });

  it("uses XDG_CONFIG_HOME, else ~/.config, or Application Support on macOS", () => {
    expect(defaultKeysFile({ HOME: "/h", XDG_CONFIG_HOME: "/x" }, "linux")).toBe("/x/sops/age/keys.txt");
    expect(defaultKeysFile({ HOME: "/h" }, "linux")).toBe("/h/.config/sops/age/keys.txt");
    expect(defaultKeysFile({ HOME: "/h" }, "darwin")).toBe(
      "/h/Library/Application Support/sops/age/keys.txt",
    );
  });

  it("collects SOPS_AGE_KEY_FILE, SOPS_AGE_KEY and the default file", async () => {
    const home = mkdtempSync(join(tmpdir(), "grove-id-"));
    const [a, b, c] = await Promise.all([
      generateX25519Identity(),
      generateX25519Identity(),
      generateX25519Identity(),
    ]);
    writeFileSync(join(home, "file.txt"), `${a}\n`);
    const env = {
      HOME: home,
      XDG_CONFIG_HOME: join(home, "cfg"),
      SOPS_AGE_KEY_FILE: join(home, "file.txt"),
      SOPS_AGE_KEY: b,
    };
    expect(await findIdentities(env)).toEqual([a, b]);
    await ensureIdentity({ HOME: home, XDG_CONFIG_HOME: join(home, "cfg") });
    const all = await findIdentities(env);
    expect(all.slice(0, 2)).toEqual([a, b]);
    expect(all).toHaveLength(3);
    await expect(
      findIdentities({ HOME: home, SOPS_AGE_KEY_FILE: join(home, "missing") }),
    ).rejects.toMatchObject({
      code: "SecretNoIdentity",
    });
    expect(c).toMatch(/^AGE-SECRET-KEY-1/);
  });

  it("init creates one identity, mode 0600, and keeps it afterwards", async () => {
    const home = mkdtempSync(join(tmpdir(), "grove-id-"));
    const env = { HOME: home, SOPS_AGE_KEY_FILE: join(home, "keys", "keys.txt") };
    const first = await ensureIdentity(env);
    expect(first.created).toBe(true);
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, "keys")).mode & 0o777).toBe(0o700);
    const [id] = await findIdentities(env);
    expect(await identityToRecipient(id!)).toBe(first.recipient);
    const second = await ensureIdentity(env);
    expect(second).toMatchObject({ created: false, recipient: first.recipient });
  });
});
