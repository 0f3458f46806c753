import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { ensureIdentity } from "../../src/secrets/identities.js";
import { Secret } from "../../src/secrets/secret.js";
import { decryptText } from "../../src/secrets/sops-file.js";
import { sshPrivateKeyToAge } from "../../src/secrets/ssh-to-age.js";
import { SecretStore } from "../../src/secrets/store.js";
import { verifyCheck } from "./helpers.js";

const CANARY = "store-canary-71c2";
const value = (s: string) => new Secret(new TextEncoder().encode(s));
const text = (s: Secret<Uint8Array>) => new TextDecoder().decode(s.reveal());

interface Person {
  env: Record<string, string>;
  keyFile: string;
  recipient: string;
  store: SecretStore;
}

let root: string;
let alice: Person;
let bob: Person;

async function person(name: string): Promise<Person> {
  const home = mkdtempSync(join(tmpdir(), `grove-${name}-`));
  const keyFile = join(home, "keys.txt");
  const env = { HOME: home, XDG_CONFIG_HOME: join(home, ".config"), SOPS_AGE_KEY_FILE: keyFile };
  const { recipient } = await ensureIdentity(env);
  return { env, keyFile, recipient, store: new SecretStore(root, env) };
}

/** Every file under a folder, recursively. */
function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
}

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), "grove-store-"));
  alice = await person("alice");
  bob = await person("bob");
  await alice.store.addUser("alice", alice.recipient);
  await alice.store.addUser("bob", bob.recipient);
});

describe("the secret store", () => {
  it("a new secret is encrypted to its creator by default; others cannot read it", async () => {
    await alice.store.set("db", value(`${CANARY}-db`));
    expect(text(await alice.store.get("db"))).toBe(`${CANARY}-db`);
    await expect(bob.store.get("db")).rejects.toMatchObject({ code: "SecretNoMatchingKey" });
    expect(await alice.store.list()).toEqual([
      { name: "db", recipients: { users: ["alice"], groups: [], machines: [] }, stale: false },
    ]);
    // The file is a plain sops binary file that another implementation reads.
    const check = verifyCheck(alice.store.secretFile("db"), alice.keyFile, "binary");
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout)).toEqual({ data: `${CANARY}-db` });
  });

  it("grant re-wraps the same data key; revoke rotates it so the revoked key cannot read the new file", async () => {
    await alice.store.set("api", value(`${CANARY}-api`));
    const file = alice.store.secretFile("api");
    const keyBefore = (
      await decryptText(readFileSync(file, "utf8"), "binary", { identities: [readKey(alice)] })
    ).dataKey;

    expect(await alice.store.grant("api", "bob")).toEqual({ secret: "api", action: "rewrapped" });
    expect(text(await bob.store.get("api"))).toBe(`${CANARY}-api`);
    const granted = readFileSync(file, "utf8");

    expect(await alice.store.revoke("api", "user:bob")).toEqual({ secret: "api", action: "rotated" });
    await expect(bob.store.get("api")).rejects.toMatchObject({ code: "SecretNoMatchingKey", file });
    expect(verifyCheck(file, bob.keyFile, "binary").code).not.toBe(0);
    // The data key bob saw no longer opens anything in the new file.
    await expect(
      decryptText(readFileSync(file, "utf8"), "binary", { dataKey: keyBefore.reveal() }, file),
    ).rejects.toMatchObject({ code: "SecretTampered" });
    // (The copy bob could read before is still readable by him: rotation protects new content.)
    expect(
      (await decryptText(granted, "binary", { identities: [readKey(bob)] })).metadata.age.map(
        (e) => e.recipient,
      ),
    ).toContain(bob.recipient);
    expect(text(await alice.store.get("api"))).toBe(`${CANARY}-api`);
  });

  it("groups: members read secrets granted to the group; leaving the group rotates them", async () => {
    await alice.store.addToGroup("admins", ["alice"]);
    await alice.store.set("root-pw", value(CANARY), ["group:admins"]);
    await expect(bob.store.get("root-pw")).rejects.toMatchObject({ code: "SecretNoMatchingKey" });
    expect(await alice.store.addToGroup("admins", ["bob"])).toEqual([
      { secret: "root-pw", action: "rewrapped" },
    ]);
    expect(text(await bob.store.get("root-pw"))).toBe(CANARY);
    expect(await alice.store.listGroups()).toEqual([{ name: "admins", users: ["alice", "bob"] }]);
    expect(await alice.store.removeFromGroup("admins", ["bob"])).toEqual([
      { secret: "root-pw", action: "rotated" },
    ]);
    await expect(bob.store.get("root-pw")).rejects.toMatchObject({ code: "SecretNoMatchingKey" });
    await expect(alice.store.removeFromGroup("admins")).rejects.toMatchObject({ code: "SecretNoRecipients" });
  });

  it("machines: an ssh-ed25519 host key becomes the recipient its converted private key opens", async () => {
    const dir = mkdtempSync(join(tmpdir(), "grove-host-"));
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "ssh_host_ed25519_key")]);
    const pub = readFileSync(join(dir, "ssh_host_ed25519_key.pub"), "utf8");
    const host = sshPrivateKeyToAge(readFileSync(join(dir, "ssh_host_ed25519_key"), "utf8"));
    expect(await alice.store.addMachine("web1", pub)).toBe(host.recipient);
    await alice.store.set("tls-key", value(CANARY), ["machine:web1", "user:alice"]);
    const hostKeys = join(dir, "age-keys.txt");
    writeFileSync(hostKeys, `${host.identity.reveal()}\n`, { mode: 0o600 });
    expect(verifyCheck(alice.store.secretFile("tls-key"), hostKeys, "binary").code).toBe(0);
    expect(await alice.store.listKeyHolders("machine")).toEqual([{ name: "web1", age: host.recipient }]);
    expect(await alice.store.removeKeyHolder("machine", "web1")).toEqual([
      { secret: "tls-key", action: "rotated" },
    ]);
    expect(verifyCheck(alice.store.secretFile("tls-key"), hostKeys, "binary").code).not.toBe(0);
  });

  it("removing a user rotates the secrets they could read and drops them from groups and grants", async () => {
    await alice.store.addToGroup("ops", ["alice", "bob"]);
    await alice.store.set("a", value(CANARY), ["user:bob", "user:alice"]);
    await alice.store.set("b", value(CANARY), ["group:ops"]);
    await alice.store.set("c", value(CANARY), ["user:alice"]);
    const changes = await alice.store.removeKeyHolder("user", "bob");
    expect(changes).toEqual([
      { secret: "a", action: "rotated" },
      { secret: "b", action: "rotated" },
    ]);
    expect((await alice.store.recipientsOf("a")).users).toEqual(["alice"]);
    expect(await alice.store.groupMembers("ops")).toEqual(["alice"]);
    await expect(bob.store.get("b")).rejects.toMatchObject({ code: "SecretNoMatchingKey" });
    expect(text(await alice.store.get("b"))).toBe(CANARY);
  });

  it("updatekeys follows a hand edit of the recipients; list marks the secret stale until then", async () => {
    await alice.store.set("x", value(CANARY));
    writeFileSync(
      join(root, "secrets", "x", "recipients.json"),
      JSON.stringify({ users: ["alice", "bob"], groups: [], machines: [] }),
    );
    expect((await alice.store.list())[0]?.stale).toBe(true);
    expect(await alice.store.updatekeys()).toEqual([{ secret: "x", action: "rewrapped" }]);
    expect((await alice.store.list())[0]?.stale).toBe(false);
    expect(text(await bob.store.get("x"))).toBe(CANARY);
    expect(await alice.store.updatekeys(["x"])).toEqual([{ secret: "x", action: "unchanged" }]);
    expect(await alice.store.rotate(["x"])).toEqual([{ secret: "x", action: "rotated" }]);
    expect(text(await bob.store.get("x"))).toBe(CANARY);
  });

  it("edit decrypts to a private file, re-encrypts the change with the same data key, and shreds the file", async () => {
    await alice.store.set("cfg", value(`${CANARY}-v1`));
    let seen = "";
    const change = await alice.store.edit("cfg", async (path) => {
      seen = path;
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(readFileSync(path, "utf8")).toBe(`${CANARY}-v1`);
      writeFileSync(path, `${CANARY}-v2`);
    });
    expect(change.action).toBe("written");
    expect(() => statSync(seen)).toThrow();
    expect(text(await alice.store.get("cfg"))).toBe(`${CANARY}-v2`);
    expect(await alice.store.edit("cfg", async () => undefined)).toEqual({
      secret: "cfg",
      action: "unchanged",
    });
    const before = readFileSync(alice.store.secretFile("cfg"), "utf8");
    await expect(
      alice.store.edit("cfg", async (path) => {
        writeFileSync(path, "half-written");
        throw new Error("editor crashed");
      }),
    ).rejects.toThrow("editor crashed");
    expect(readFileSync(alice.store.secretFile("cfg"), "utf8")).toBe(before);
  });

  it("a failed encryption leaves the old file whole and no temporary files", async () => {
    await alice.store.set("keep", value(CANARY));
    const before = readFileSync(alice.store.secretFile("keep"), "utf8");
    writeFileSync(join(root, "users", "bob.json"), JSON.stringify({ age: "age1notakey" }));
    await expect(alice.store.set("keep", value("other"), ["user:bob"])).rejects.toMatchObject({
      code: "SecretBadKey",
    });
    expect(readFileSync(alice.store.secretFile("keep"), "utf8")).toBe(before);
    expect(files(root).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("rejects names that would leave the store, unknown recipients and duplicates", async () => {
    await expect(alice.store.set("../escape", value("x"))).rejects.toMatchObject({ code: "SecretBadName" });
    await expect(alice.store.set("ok", value("x"), ["user:nobody"])).rejects.toMatchObject({
      code: "SecretNotFound",
    });
    await expect(alice.store.addUser("alice", alice.recipient)).rejects.toMatchObject({
      code: "SecretExists",
    });
    await expect(alice.store.addUser("carol", "not-a-key")).rejects.toMatchObject({ code: "SecretBadKey" });
    await expect(alice.store.get("missing")).rejects.toMatchObject({ code: "SecretNotFound" });
    await expect(bob.store.set("nobodys", value("x"), [])).resolves.toBeDefined();
  });

  it("no plaintext is left in any file of the store or of the users' homes", async () => {
    await alice.store.set("p", value(CANARY));
    await alice.store.grant("p", "bob");
    await alice.store.edit("p", async (path) => writeFileSync(path, `${CANARY}-edited`));
    await alice.store.revoke("p", "bob");
    const everything = [root, alice.env.HOME!, bob.env.HOME!].flatMap(files);
    expect(everything.length).toBeGreaterThan(5);
    for (const f of everything) expect(readFileSync(f, "utf8")).not.toContain(CANARY);
  });
});

function readKey(p: Person): string {
  return readFileSync(p.keyFile, "utf8")
    .split("\n")
    .find((l) => l.startsWith("AGE-SECRET-KEY-"))!;
}
