import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { x25519 } from "@noble/curves/ed25519.js";
import { bech32 } from "@scure/base";
import { identityToRecipient } from "age-encryption";
import { describe, expect, it } from "vitest";
import { decryptText } from "../../src/secrets/sops-file.js";
import { sshPrivateKeyToAge, sshPublicKeyToAge } from "../../src/secrets/ssh-to-age.js";
import { identitiesIn, vec } from "./helpers.js";

const SOPS_NIX_HOST = "age1a8pk4akrdamj7nvqy3zywgtny8dxz7t5xzu7u8v9mhrayp9freqsqatyrs";

describe("ssh-ed25519 → age (as ssh-to-age)", () => {
  it("converts the sops-nix host key's public and private sides to the vectors' age keys", async () => {
    expect(sshPublicKeyToAge(readFileSync(vec("keys/sops-nix-ssh-ed25519-key.pub"), "utf8"))).toBe(
      SOPS_NIX_HOST,
    );
    const { identity, recipient } = sshPrivateKeyToAge(
      readFileSync(vec("keys/sops-nix-ssh-ed25519-key"), "utf8"),
    );
    expect(recipient).toBe(SOPS_NIX_HOST);
    expect(identity.reveal()).toBe(identitiesIn("keys/sops-nix-ssh-ed25519-key.age.txt")[0]);
    // Both sides agree: X25519(scalar, base point) is the mapped public key.
    const scalar = bech32.fromWords(
      bech32.decode(identity.reveal().toLowerCase() as `${string}1${string}`, false).words,
    );
    expect(bech32.encode("age", bech32.toWords(x25519.getPublicKey(scalar)), false)).toBe(recipient);
    expect(await identityToRecipient(identity.reveal())).toBe(recipient);
  });

  it("the converted identity opens the sops-nix vector, as sops-nix does on the host", async () => {
    const { identity } = sshPrivateKeyToAge(readFileSync(vec("keys/sops-nix-ssh-ed25519-key"), "utf8"));
    const d = await decryptText(readFileSync(vec("real/sops-nix/secrets.yaml"), "utf8"), "yaml", {
      identities: [identity.reveal()],
    });
    expect(d.plaintext.reveal()[0]?.get("test_key")).toBe("test_value");
  });

  it("a freshly generated host key: the public and the private side give the same recipient", async () => {
    const dir = mkdtempSync(join(tmpdir(), "grove-ssh-"));
    const key = join(dir, "host");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "host", "-f", key]);
    const { identity, recipient } = sshPrivateKeyToAge(readFileSync(key, "utf8"));
    expect(sshPublicKeyToAge(readFileSync(`${key}.pub`, "utf8"))).toBe(recipient);
    expect(await identityToRecipient(identity.reveal())).toBe(recipient);
  });

  it("rejects other key types and passphrase-protected keys with SecretBadKey", () => {
    const dir = mkdtempSync(join(tmpdir(), "grove-ssh-"));
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "pass phrase", "-f", join(dir, "locked")]);
    expect(() => sshPrivateKeyToAge(readFileSync(join(dir, "locked"), "utf8"))).toThrow(
      expect.objectContaining({ code: "SecretBadKey" }),
    );
    execFileSync("ssh-keygen", ["-q", "-t", "ecdsa", "-N", "", "-f", join(dir, "ecdsa")]);
    expect(() => sshPublicKeyToAge(readFileSync(join(dir, "ecdsa.pub"), "utf8"))).toThrow(
      expect.objectContaining({ code: "SecretBadKey" }),
    );
    expect(() => sshPrivateKeyToAge(readFileSync(join(dir, "ecdsa"), "utf8"))).toThrow(
      expect.objectContaining({ code: "SecretBadKey" }),
    );
    expect(() => sshPublicKeyToAge("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5")).toThrow(
      expect.objectContaining({ code: "SecretBadKey" }),
    );
  });
});
