/** Vars: generation order, staleness, shared vars, secrets and their recipients, failures, prompts. */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { beforeAll, describe, expect, it } from "vitest";
import { generator, instance, inventoryExtension, service } from "../../src/inventory/index.js";
import { deployedSecrets } from "../../src/inventory/vars/deployed.js";
import { planVars } from "../../src/inventory/vars/plan.js";
import { generateVars } from "../../src/inventory/vars/run.js";
import { VarsStore } from "../../src/inventory/vars/store.js";
import { fileReader } from "../../src/inventory/vars/view.js";
import { evaluateProject, machine } from "../../src/project/index.js";
import { decryptText, sshPrivateKeyToAge } from "../../src/secrets/index.js";

let admin: { identity: string; recipient: string };
beforeAll(async () => {
  admin = await keyPair();
});

async function keyPair() {
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}

/** A fleet in a temp folder with an admin in its secret store, and its evaluated project. */
async function setup(...files: unknown[]) {
  const root = mkdtempSync(join(tmpdir(), "grove-vars-"));
  const ext = inventoryExtension(fileReader(root));
  const wrapped = files.map((m, i) => ({ _file: `modules/f${i}.ts`, key: `file:f${i}`, imports: [m] }));
  const project = evaluateProject(wrapped, [ext]);
  const store = new VarsStore(root, { SOPS_AGE_KEY: admin.identity, HOME: root });
  await store.secrets.addUser("admin", admin.recipient);
  const inventory = ext.inventory(project);
  const reopen = () => evaluateProject(wrapped, [inventoryExtension(fileReader(root))]);
  return { root, project, store, reopen, units: () => planVars(inventory) };
}

const nixos = (name: string, tags: string[] = []) =>
  machine(name, { class: "nixos", system: "x86_64-linux", tags });
let counter = 0;

describe("vars generators", () => {
  it("run in dependency order, only when missing or stale, and dependents follow", async () => {
    const order: string[] = [];
    const { store, units, project } = await setup(
      nixos("a"),
      generator("base", {
        machines: ["a"],
        files: { v: { secret: false } },
        generate: () => {
          order.push("base");
          return { v: `b${++counter}` };
        },
      }),
      generator("top", {
        machines: ["a"],
        dependencies: ["base"],
        files: { v: { secret: false } },
        generate: ({ inputs }) => {
          order.push("top");
          return { v: `top(${inputs.base!.v})` };
        },
      }),
      generator("other", {
        machines: ["a"],
        files: { v: { secret: false } },
        generate: () => {
          order.push("other");
          return { v: "o" };
        },
      }),
    );
    expect(store.status(units()).map((s) => s.state)).toEqual(["missing", "missing", "missing"]);
    await generateVars(store, units());
    expect(order).toEqual(["base", "other", "top"]);
    expect(store.status(units()).every((s) => s.state === "fresh")).toBe(true);
    const base = project.machine("a");
    expect(base).toBeDefined();
    expect((await generateVars(store, units())).length).toBe(0);
    // Regenerating `base` makes `top` stale: only those two run again.
    order.length = 0;
    const baseUnit = units().find((u) => u.id === "a/base")!;
    await generateVars(store, [baseUnit], { regenerate: true });
    expect(store.status(units()).find((s) => s.unit.id === "a/top")!.state).toBe("stale");
    await generateVars(store, units());
    expect(order).toEqual(["base", "top"]);
  });

  it("marks a generator stale when its definition changes, and reports cycles by name", async () => {
    const a = await setup(
      nixos("a"),
      generator("g", { machines: ["a"], files: { v: { secret: false } }, script: 'echo 1 > "$out/v"' }),
    );
    await generateVars(a.store, a.units());
    const changed = await setup(
      nixos("a"),
      generator("g", { machines: ["a"], files: { v: { secret: false } }, script: 'echo 2 > "$out/v"' }),
    );
    const moved = new VarsStore(a.root, {});
    expect(moved.status(changed.units()).map((s) => s.state)).toEqual(["stale"]);
    const cyclic = await setup(
      nixos("a"),
      generator("x", { machines: ["a"], dependencies: ["y"], files: {}, script: "true" }),
      generator("y", { machines: ["a"], dependencies: ["x"], files: {}, script: "true" }),
    );
    expect(() => cyclic.units()).toThrowError(
      expect.objectContaining({ code: "VarsCycle", message: expect.stringMatching(/x → y → x/) }),
    );
  });

  it("generates a shared generator once for every machine of a tag", async () => {
    let runs = 0;
    const { store, units, root } = await setup(
      nixos("a", ["lan"]),
      nixos("b", ["lan"]),
      nixos("c"),
      generator("wifi", {
        tags: ["lan"],
        share: true,
        files: { psk: { secret: false } },
        generate: () => ({ psk: `p${++runs}` }),
      }),
    );
    expect(units().map((u) => [u.id, u.machines])).toEqual([["shared/wifi", ["a", "b"]]]);
    await generateVars(store, units(), { machines: ["a"] });
    await generateVars(store, units(), { machines: ["b"] });
    expect(runs).toBe(1);
    expect(readFileSync(join(root, "vars/shared/wifi/psk/value"), "utf8")).toBe("p1");
  });

  it("encrypts secret files to their machines and admins only, never writing plaintext", async () => {
    const { store, units, root } = await setup(
      nixos("a"),
      nixos("b"),
      generator("ssh", {
        machines: ["a", "b"],
        runtimeInputs: ["ssh-keygen"],
        hostKey: "ed25519.pub",
        files: { ed25519: {}, "ed25519.pub": { secret: false } },
        script: 'ssh-keygen -q -t ed25519 -N "" -C "" -f "$out/ed25519"',
      }),
      generator("token", {
        machines: ["a", "b"],
        dependencies: ["ssh"],
        files: { t: {}, admin: { deploy: false } },
        generate: ({ machine: m }) => ({ t: `token-of-${m}`, admin: `only-admins-${m}` }),
      }),
    );
    // The host keys are generated first, so the tokens can be encrypted to the machines.
    await generateVars(store, units());
    const all = JSON.stringify(
      readdirSync(join(root, "vars"), { recursive: true }).map((f) => {
        try {
          return readFileSync(join(root, "vars", String(f)), "utf8");
        } catch {
          return "";
        }
      }),
    );
    expect(all).not.toContain("token-of-");
    expect(all).not.toContain("only-admins-");
    expect(all).not.toContain("PRIVATE KEY");
    const identityOf = async (m: string) => {
      const key = new TextDecoder().decode(
        await store.readFile(units().find((u) => u.id === `${m}/ssh`)!, "ed25519"),
      );
      return sshPrivateKeyToAge(key).identity.reveal();
    };
    const open = async (m: string, file: string, identity: string) =>
      decryptText(readFileSync(join(root, `vars/per-machine/${m}/token/${file}/secret`), "utf8"), "binary", {
        identities: [identity],
      });
    const idA = await identityOf("a");
    // The machine's age recipient in the secret store is the one its host key derives.
    expect(JSON.parse(readFileSync(join(root, "sops/machines/a.json"), "utf8")).age).toBe(
      await identityToRecipient(idA),
    );
    const data = (await open("a", "t", idA)).plaintext.reveal()[0]!.get("data") as Uint8Array;
    expect(new TextDecoder().decode(data)).toBe("token-of-a");
    await expect(open("b", "t", idA)).rejects.toMatchObject({ code: "SecretNoMatchingKey" });
    await expect(open("a", "admin", idA)).rejects.toMatchObject({ code: "SecretNoMatchingKey" });
    await expect(open("a", "admin", admin.identity)).resolves.toBeDefined();
  });

  it("leaves earlier outputs intact when a generator fails", async () => {
    const ok = { machines: ["a"], files: { v: { secret: false } } };
    const first = await setup(nixos("a"), generator("g", { ...ok, script: 'echo good > "$out/v"' }));
    await generateVars(first.store, first.units());
    const broken = await setup(nixos("a"), generator("g", { ...ok, script: 'echo half > "$out/w"; exit 0' }));
    const store = new VarsStore(first.root, {});
    await expect(generateVars(store, broken.units())).rejects.toMatchObject({
      code: "VarsOutputMissing",
      message: expect.stringContaining("`w'"),
    });
    const failing = await setup(nixos("a"), generator("g", { ...ok, script: "echo oops >&2; exit 3" }));
    await expect(generateVars(store, failing.units())).rejects.toMatchObject({
      code: "VarsGeneratorFailed",
      message: expect.stringContaining("oops"),
    });
    expect(readFileSync(join(first.root, "vars/per-machine/a/g/v/value"), "utf8")).toBe("good\n");
    expect(readdirSync("/dev/shm").filter((f) => f.startsWith("grove-vars-"))).toEqual([]);
  });

  it("asks prompts, and without a way to ask names the generator and prompt", async () => {
    const spec = {
      machines: ["a"],
      prompts: { password: { type: "hidden" as const } },
      runtimeInputs: ["openssl"],
      files: { hash: {} },
      script: 'openssl passwd -6 -stdin < "$prompts/password" > "$out/hash"',
    };
    const { store, units } = await setup(nixos("a"), generator("root-password", spec));
    await store.secrets.addMachine("a", (await keyPair()).recipient);
    await expect(generateVars(store, units())).rejects.toMatchObject({
      code: "VarsPromptMissing",
      message: expect.stringMatching(/`password' of generator `root-password'/),
    });
    await generateVars(store, units(), { ask: async () => "hunter2" });
    const hash = new TextDecoder().decode(await store.readFile(units()[0]!, "hash"));
    expect(hash).toMatch(/^\$6\$/);
    expect(hash).not.toContain("hunter2");
  });

  it("gives machines lazy paths and public values, and a clear error for missing ones", async () => {
    const svc = service("mesh", {
      roles: {
        peer: {
          generators: {
            "mesh-key": {
              files: { key: {}, pub: { secret: false } },
              generate: ({ machine: m }) => ({ key: "k", pub: `pub-${m}` }),
            },
          },
          perMachine: ({ roles, machine: m, vars }) => ({
            nixos: {
              environment: {
                etc: {
                  get peers() {
                    return {
                      text: Object.values(roles.peer!.machines)
                        .filter((p) => p.name !== m.name)
                        .map((p) => p.vars["mesh-key"]!.files.pub!.value)
                        .join(","),
                    };
                  },
                  key: { source: vars["mesh-key"]!.files.key!.path },
                },
              },
            },
          }),
        },
      },
    });
    const { store, units, project, reopen } = await setup(
      svc,
      nixos("a", ["m"]),
      nixos("b", ["m"]),
      instance("mesh", { roles: { peer: { tags: ["m"] } } }),
    );
    for (const m of ["a", "b"]) await store.secrets.addMachine(m, (await keyPair()).recipient);
    expect(() => project.machine("a").config.environment.etc.peers.text).toThrowError(
      expect.objectContaining({ code: "VarsMissing", hint: "Run `grove vars generate b`." }),
    );
    await generateVars(store, units(), { machines: ["b"] });
    const a = reopen().machine("a").config;
    expect(a.environment.etc.peers.text).toBe("pub-b");
    expect(a.environment.etc.key.source).toBe("/run/secrets/vars/mesh-key/key");
  });

  it("are refused for a machine whose key was replaced, until they are encrypted to the new key", async () => {
    const { store, units, project } = await setup(
      nixos("a"),
      generator("token", { machines: ["a"], files: { t: {} }, generate: () => ({ t: "secret" }) }),
    );
    const inventory = inventoryExtension(fileReader(store.root)).inventory(project);
    const deployed = () => deployedSecrets("a", inventory.generators("a"), fileReader(store.root));
    await store.secrets.addMachine("a", (await keyPair()).recipient);
    await generateVars(store, units());
    expect(deployed().map((s) => s.name)).toEqual(["vars/token/t"]);
    // The machine is reinstalled: its entry in the secret store is replaced by a new key.
    await store.secrets.removeKeyHolder("machine", "a");
    await store.secrets.addMachine("a", (await keyPair()).recipient);
    expect(deployed).toThrow(
      expect.objectContaining({
        code: "VarsNotForMachine",
        message:
          "Machine `a' receives the secret file `token/t', but it is encrypted for an earlier age key of `a', not the one the secret store holds now: sops-nix could not decrypt it there.",
        file: "vars/per-machine/a/token/t/secret",
      }),
    );
    expect(store.status(units()).map((s) => [s.state, s.rekey])).toEqual([["rekey", ["t"]]]);
    // Generating again encrypts the file to the new key without running the generator.
    const rekeyed: string[] = [];
    const ran = await generateVars(store, units(), {
      onRekey: (u, files) => rekeyed.push(`${u.id}:${files}`),
    });
    expect(ran).toEqual([]);
    expect(rekeyed).toEqual(["a/token:t"]);
    expect(deployed().map((s) => s.name)).toEqual(["vars/token/t"]);
    expect(store.status(units()).map((s) => s.state)).toEqual(["fresh"]);
    const unit = units()[0]!;
    expect(new TextDecoder().decode(await store.readFile(unit, "t"))).toBe("secret");
  });

  it("are encrypted again to a machine whose host key a generator made anew, values kept", async () => {
    const { store, units, root } = await setup(
      nixos("a"),
      generator("ssh", {
        machines: ["a"],
        runtimeInputs: ["ssh-keygen"],
        hostKey: "ed25519.pub",
        files: { ed25519: {}, "ed25519.pub": { secret: false } },
        script: 'ssh-keygen -q -t ed25519 -N "" -C "" -f "$out/ed25519"',
      }),
      generator("token", { machines: ["a"], files: { t: {} }, generate: () => ({ t: `v${++counter}` }) }),
    );
    await generateVars(store, units());
    const token = () => readFileSync(join(root, "vars/per-machine/a/token/t/secret"), "utf8");
    const before = token();
    const unit = () => units().find((u) => u.id === "a/token")!;
    const value = new TextDecoder().decode(await store.readFile(unit(), "t"));
    // A new host key is a new age key for `a`: the token, which does not depend on it, follows.
    const rekeyed: string[] = [];
    await generateVars(
      store,
      units().filter((u) => u.id === "a/ssh"),
      { regenerate: true },
    );
    expect(store.status(units()).map((s) => s.state)).toEqual(["fresh", "rekey"]);
    await generateVars(store, units(), { onRekey: (u) => rekeyed.push(u.id) });
    expect(rekeyed).toEqual(["a/token"]);
    expect(token()).not.toBe(before);
    expect(new TextDecoder().decode(await store.readFile(unit(), "t"))).toBe(value);
  });

  it("follow the admins of the secret store: one who joins can read them, one who left no longer", async () => {
    const { store, units, root } = await setup(
      nixos("a"),
      generator("pw", {
        machines: ["a"],
        files: { p: { deploy: false } },
        generate: () => ({ p: "hunter2" }),
      }),
    );
    await generateVars(store, units());
    const file = () => readFileSync(join(root, "vars/per-machine/a/pw/p/secret"), "utf8");
    const readable = async (identity: string) => {
      try {
        await decryptText(file(), "binary", { identities: [identity] });
        return true;
      } catch {
        return false;
      }
    };
    const other = await keyPair();
    await store.secrets.addUser("other", other.recipient);
    expect(await readable(other.identity)).toBe(false);
    const rekeyed: string[] = [];
    expect(await generateVars(store, units(), { onRekey: (u) => rekeyed.push(u.id) })).toEqual([]);
    expect(rekeyed).toEqual(["a/pw"]);
    expect(await readable(other.identity)).toBe(true);
    await store.secrets.removeKeyHolder("user", "other");
    await generateVars(store, units());
    expect(await readable(other.identity)).toBe(false);
    expect(await readable(admin.identity)).toBe(true);
    // Nothing changed since: nothing is encrypted again.
    expect(await generateVars(store, units(), { onRekey: (u) => rekeyed.push(u.id) })).toEqual([]);
    expect(rekeyed).toEqual(["a/pw"]);
  });
});
