/**
 * The real built CLI (`node dist/cli/main.js`) in temporary folders, with HOME, XDG_CONFIG_HOME and
 * SOPS_AGE_KEY_FILE pointed inside them. Every output is collected and scanned for plaintext at the
 * end, except the stdout of `get` and `decrypt`, which is where plaintext is asked for.
 */
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PYTHON, REPO, VERIFY_PY, vec, verifyCheck } from "../secrets/helpers.js";

const CANARY = "cli-canary-5e0d";
const CLI = join(REPO, "dist", "cli", "main.js");

/** Output that must not hold plaintext, from every run. */
const scanned: string[] = [];

interface Home {
  dir: string;
  env: Record<string, string>;
  keyFile: string;
}

let work: string;
let fleet: string;
let inputs: string;

function home(name: string): Home {
  const dir = join(work, name);
  mkdirSync(dir);
  const keyFile = join(dir, "keys", "keys.txt");
  return {
    dir,
    keyFile,
    env: {
      HOME: dir,
      XDG_CONFIG_HOME: join(dir, ".config"),
      SOPS_AGE_KEY_FILE: keyFile,
      PATH: process.env.PATH ?? "",
    },
  };
}

async function grove(
  h: Home,
  args: string[],
  opts: { input?: string; plaintextOut?: boolean; env?: Record<string, string> } = {},
) {
  const r = await execa("node", [CLI, ...args], {
    cwd: fleet,
    env: { ...h.env, ...opts.env },
    extendEnv: false,
    reject: false,
    ...(opts.input === undefined ? { stdin: "ignore" as const } : { input: opts.input }),
    stripFinalNewline: false,
  });
  scanned.push(String(r.stderr));
  if (!opts.plaintextOut) scanned.push(String(r.stdout));
  return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
}

let alice: Home;
let bob: Home;
let aliceKey: string;
let bobKey: string;

beforeAll(async () => {
  execFileSync("npm", ["run", "build"], { cwd: REPO, stdio: "ignore" });
  work = mkdtempSync(join(tmpdir(), "grove-cli-"));
  fleet = join(work, "fleet");
  inputs = join(work, "inputs");
  mkdirSync(join(fleet, "modules"), { recursive: true });
  mkdirSync(inputs);
  alice = home("alice");
  bob = home("bob");
  aliceKey = (await grove(alice, ["secrets", "init", "--user", "alice"])).stdout.trim();
  bobKey = (await grove(bob, ["secrets", "init"])).stdout.trim();
}, 120_000);

afterAll(() => {
  // The scan: no output (but the asked-for stdout of get/decrypt) and no file outside `inputs/`
  // (our own plaintext inputs) holds any plaintext.
  for (const text of scanned) expect(text).not.toContain(CANARY);
  for (const f of files(work).filter((f) => !f.startsWith(inputs)))
    expect(readFileSync(f, "utf8")).not.toContain(CANARY);
});

describe("grove secrets (built CLI)", () => {
  it("init creates each caller's identity once, mode 0600, where sops looks", async () => {
    expect(aliceKey).toMatch(/^age1[a-z0-9]+$/);
    expect(statSync(alice.keyFile).mode & 0o777).toBe(0o600);
    const again = await grove(alice, ["secrets", "init"]);
    expect(again.stdout.trim()).toBe(aliceKey);
    expect((await grove(alice, ["secrets", "users", "list"])).stdout).toBe(`alice\t${aliceKey}\n`);
  });

  it("set from stdin or a file, get, list (names and recipients only)", async () => {
    const set = await grove(alice, ["secrets", "set", "db-password"], { input: `${CANARY}-db` });
    expect(set).toMatchObject({ code: 0 });
    const got = await grove(alice, ["secrets", "get", "db-password"], { plaintextOut: true });
    expect(got).toMatchObject({ code: 0, stdout: `${CANARY}-db` });
    writeFileSync(join(inputs, "tls.pem"), `${CANARY}-pem\n`);
    expect((await grove(alice, ["secrets", "set", "tls", "--file", join(inputs, "tls.pem")])).code).toBe(0);
    const list = await grove(alice, ["secrets", "list"]);
    expect(list.stdout).toBe("db-password\tuser:alice\ntls\tuser:alice\n");
    const json = JSON.parse((await grove(alice, ["secrets", "list", "--json"])).stdout);
    expect(json[0]).toEqual({
      name: "db-password",
      recipients: { users: ["alice"], groups: [], machines: [] },
      stale: false,
    });
    // The stored file is an ordinary sops binary file.
    expect(verifyCheck(join(fleet, "sops", "secrets", "tls", "secret"), alice.keyFile).code).toBe(0);
  });

  it("set refuses a value given on the command line, without echoing it", async () => {
    const r = await grove(alice, ["secrets", "set", "x", `${CANARY}-argv`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error\[Usage\]: .*never from the command line/);
    expect((await grove(alice, ["secrets", "list"])).stdout).not.toContain("x\t");
  });

  it("grant, revoke, groups and machines, with the revoked identity failing on the new file", async () => {
    expect((await grove(alice, ["secrets", "users", "add", "bob", bobKey])).code).toBe(0);
    expect((await grove(bob, ["secrets", "get", "db-password"])).stderr).toMatch(
      /^error\[SecretNoMatchingKey\]/,
    );
    expect((await grove(alice, ["secrets", "grant", "db-password", "bob"])).stderr).toBe(
      "db-password: rewrapped\n",
    );
    expect((await grove(bob, ["secrets", "get", "db-password"], { plaintextOut: true })).stdout).toBe(
      `${CANARY}-db`,
    );
    expect((await grove(alice, ["secrets", "revoke", "db-password", "user:bob"])).stderr).toBe(
      "db-password: rotated\n",
    );
    const denied = await grove(bob, ["secrets", "get", "db-password"]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(
      /^error\[SecretNoMatchingKey\]: .*\n {2}--> .*db-password\/secret\n {2}hint: /,
    );

    expect((await grove(alice, ["secrets", "groups", "add", "admins", "alice", "bob"])).code).toBe(0);
    expect((await grove(alice, ["secrets", "grant", "tls", "group:admins"])).code).toBe(0);
    expect((await grove(bob, ["secrets", "get", "tls"], { plaintextOut: true })).stdout).toBe(
      `${CANARY}-pem\n`,
    );
    expect((await grove(alice, ["secrets", "groups", "list"])).stdout).toBe("admins\talice, bob\n");
    expect((await grove(alice, ["secrets", "groups", "remove", "admins", "bob"])).stderr).toContain(
      "tls: rotated",
    );
    expect((await grove(bob, ["secrets", "get", "tls"])).code).toBe(1);

    const hostDir = join(work, "host");
    mkdirSync(hostDir);
    execFileSync("ssh-keygen", [
      "-q",
      "-t",
      "ed25519",
      "-N",
      "",
      "-f",
      join(hostDir, "ssh_host_ed25519_key"),
    ]);
    const added = await grove(alice, [
      "secrets",
      "machines",
      "add",
      "web1",
      "--ssh-key",
      join(hostDir, "ssh_host_ed25519_key.pub"),
    ]);
    const converted = await grove(alice, [
      "secrets",
      "ssh-to-age",
      join(hostDir, "ssh_host_ed25519_key.pub"),
    ]);
    expect(added.stdout).toBe(converted.stdout);
    expect((await grove(alice, ["secrets", "grant", "tls", "machine:web1"])).code).toBe(0);
    const hostIdentity = await grove(
      alice,
      ["secrets", "ssh-to-age", "--private-key", join(hostDir, "ssh_host_ed25519_key")],
      {
        plaintextOut: true,
      },
    );
    writeFileSync(join(hostDir, "age.txt"), hostIdentity.stdout, { mode: 0o600 });
    expect(verifyCheck(join(fleet, "sops", "secrets", "tls", "secret"), join(hostDir, "age.txt")).code).toBe(
      0,
    );
    expect((await grove(alice, ["secrets", "machines", "list"])).stdout).toBe(
      `web1\t${added.stdout.trim()}\n`,
    );
  });

  it("edit goes through $EDITOR on a private file that is gone afterwards; rotate and updatekeys report", async () => {
    const editor = join(inputs, "editor.sh");
    const seen = join(work, "edited-path.txt");
    writeFileSync(editor, `#!/bin/sh\nprintf '%s' "$1" > '${seen}'\nprintf '%s' '${CANARY}-edited' > "$1"\n`);
    chmodSync(editor, 0o755);
    const r = await grove(alice, ["secrets", "edit", "db-password"], { env: { EDITOR: editor } });
    expect(r).toMatchObject({ code: 0, stderr: "db-password: written\n" });
    expect(existsSync(readFileSync(seen, "utf8"))).toBe(false);
    expect((await grove(alice, ["secrets", "get", "db-password"], { plaintextOut: true })).stdout).toBe(
      `${CANARY}-edited`,
    );
    const failing = await grove(alice, ["secrets", "edit", "db-password"], { env: { EDITOR: "false" } });
    expect(failing.code).toBe(1);
    expect(failing.stderr).toMatch(/^error\[SecretEditorFailed\]/);
    expect((await grove(alice, ["secrets", "rotate", "tls"])).stderr).toBe("tls: rotated\n");
    expect((await grove(alice, ["secrets", "updatekeys"])).stderr).toBe("");
  });

  it("decrypt any sops file as sops -d: store by extension, --input-type/--output-type, JSON key order", async () => {
    const env = { SOPS_AGE_KEY_FILE: vec("keys/humphd-sops-age-key.txt") };
    const json = await grove(alice, ["secrets", "decrypt", vec("real/humphd-sops-age/secret.enc.json")], {
      env,
      plaintextOut: true,
    });
    expect(json.code).toBe(0);
    const want = readFileSync(vec("real/humphd-sops-age/secret.json"), "utf8");
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(want));
    expect(Object.keys(JSON.parse(json.stdout))).toEqual(Object.keys(JSON.parse(want)));
    const yaml = await grove(
      alice,
      ["secrets", "decrypt", "--output-type", "yaml", vec("real/humphd-sops-age/secret.enc.yaml")],
      {
        env,
        plaintextOut: true,
      },
    );
    expect(yaml.stdout).toContain("secret: this is a secret\n");
    const viaEnvKey = await grove(
      alice,
      ["secrets", "decrypt", "--output-type", "json", vec("real/humphd-sops-age/secret.enc.env")],
      {
        env: { SOPS_AGE_KEY: readFileSync(vec("keys/humphd-sops-age-key.txt"), "utf8") },
        plaintextOut: true,
      },
    );
    expect(viaEnvKey.code).toBe(0);
    expect(Object.keys(JSON.parse(viaEnvKey.stdout)).length).toBeGreaterThan(0);
    // No extension: binary, as sops decides.
    const bin = await grove(alice, ["secrets", "decrypt", join(fleet, "sops", "secrets", "tls", "secret")], {
      plaintextOut: true,
    });
    expect(bin.stdout).toBe(`${CANARY}-pem\n`);
    const bad = await grove(alice, ["secrets", "decrypt", "--input-type", "toml", "x"]);
    expect(bad.stderr).toMatch(/^error\[Usage\]/);
  });

  it("encrypt for age recipients as sops -e; verify.py and the age CLI accept the result", async () => {
    const plain = join(inputs, "app.yaml");
    writeFileSync(plain, `# config\ntoken: ${CANARY}-tok\nport: 8080\n`);
    const r = await grove(alice, ["secrets", "encrypt", plain, "--age", aliceKey, "--age", bobKey]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("sops:");
    const enc = join(work, "app.enc.yaml");
    writeFileSync(enc, r.stdout);
    for (const h of [alice, bob]) {
      const check = verifyCheck(enc, h.keyFile);
      expect(check.code).toBe(0);
      expect(JSON.parse(check.stdout)).toEqual([{ token: `${CANARY}-tok`, port: 8080 }]);
    }
    const roundTrip = await grove(bob, ["secrets", "decrypt", enc], { plaintextOut: true });
    expect(roundTrip.stdout).toBe(`# config\ntoken: ${CANARY}-tok\nport: 8080\n`);

    const inPlace = join(work, "in-place.env");
    writeFileSync(inPlace, "", { mode: 0o600 });
    const copy = join(inputs, "copy.env");
    writeFileSync(copy, `API_KEY=${CANARY}-env\n`);
    writeFileSync(inPlace, readFileSync(copy));
    expect(
      (await grove(alice, ["secrets", "encrypt", "--in-place", inPlace, `--age=${aliceKey}`])).code,
    ).toBe(0);
    expect(statSync(inPlace).mode & 0o777).toBe(0o600);
    expect(verifyCheck(inPlace, alice.keyFile).code).toBe(0);
    expect((await grove(alice, ["secrets", "encrypt", plain])).stderr).toMatch(
      /^error\[SecretNoRecipients\]/,
    );
  });

  it("errors: a tampered file names the file and key path, exit 1; --trace adds the stack", async () => {
    const enc = join(work, "tamper.enc.yaml");
    const plain = join(inputs, "tamper.yaml");
    writeFileSync(plain, `password: ${CANARY}-pw\n`);
    const text = (await grove(alice, ["secrets", "encrypt", plain, "--age", aliceKey])).stdout;
    writeFileSync(
      enc,
      text.replace(/(password: ENC\[AES256_GCM,data:)(.)/, (_m, a, c) => a + (c === "A" ? "B" : "A")),
    );
    const r = await grove(alice, ["secrets", "decrypt", enc]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      /^error\[SecretTampered\]: .*\n {2}--> .*tamper\.enc\.yaml\n {2}at: password\n {2}hint: /,
    );
    expect(r.stderr).not.toContain("    at ");
    const traced = await grove(alice, ["secrets", "decrypt", enc, "--trace"]);
    expect(traced.stderr).toContain("    at ");
    const noKey = await grove(alice, ["secrets", "decrypt", enc], {
      env: { SOPS_AGE_KEY_FILE: join(work, "nope.txt") },
    });
    expect(noKey.stderr).toMatch(/^error\[SecretNoIdentity\]/);
    expect((await grove(alice, ["secrets", "get"])).stderr).toMatch(/^error\[Usage\]/);
  });

  it("verify.py is the Debian python with cryptography and PyYAML", () => {
    expect(execFileSync(PYTHON, ["-c", "import cryptography, yaml; print('ok')"], { encoding: "utf8" })).toBe(
      "ok\n",
    );
    expect(existsSync(VERIFY_PY)).toBe(true);
  });
});
