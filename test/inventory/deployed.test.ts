/** The vars secret files a machine receives (what `grove build` wires into sops-nix), and their options. */
import { describe, expect, it } from "vitest";
import { generator, instance, inventoryExtension, service } from "../../src/inventory/index.js";
import { deployedSecrets } from "../../src/inventory/vars/deployed.js";
import { deployedPath } from "../../src/inventory/vars/layout.js";
import type { FileSpec } from "../../src/inventory/vars/spec.js";
import { evaluateProject, machine } from "../../src/project/index.js";

/** A repository holding exactly `paths` (contents do not matter: they are never read). */
const repo = (...paths: string[]) => ({ read: (p: string) => (paths.includes(p) ? "{}" : undefined) });

function fleet(...files: unknown[]) {
  const ext = inventoryExtension(repo());
  const project = evaluateProject(
    files.map((m, i) => ({ _file: `modules/f${i}.ts`, key: `file:f${i}`, imports: [m] })),
    [ext],
  );
  return ext.inventory(project);
}

const example = () =>
  fleet(
    machine("web", { class: "nixos", system: "x86_64-linux", tags: ["mesh"] }),
    machine("mac", { class: "darwin", system: "aarch64-darwin" }),
    generator("host", {
      tags: ["all"],
      files: { private: { mode: "0600" }, public: { secret: false } },
      script: "true",
    }),
    generator("token", {
      tags: ["all"],
      share: true,
      files: { token: { owner: "grafana", group: "keys", mode: "0440" } },
      script: "true",
    }),
    generator("ca", { machines: ["web"], files: { key: { deploy: false }, cert: {} }, script: "true" }),
    service("mesh", {
      roles: {
        peer: {
          generators: { "mesh-key": { files: { private: { owner: "systemd-network" } }, script: "true" } },
        },
      },
    }),
    instance("mesh", { service: "mesh", roles: { peer: { tags: ["mesh"] } } }),
  );

const generated = repo(
  "vars/per-machine/web/host/private/secret",
  "vars/per-machine/web/ca/cert/secret",
  "vars/per-machine/web/mesh-key/private/secret",
  "vars/per-machine/mac/host/private/secret",
  "vars/shared/token/token/secret",
);

describe("deployed vars secrets", () => {
  it("are the secret, deployed files of a machine's generators, per machine and shared", () => {
    const inventory = example();
    // `ca/key` (deploy: false) is not generated either: only admins read it, so it is not needed.
    expect(deployedSecrets("web", inventory.generators("web"), generated)).toEqual([
      {
        name: "vars/ca/cert",
        stored: "vars/per-machine/web/ca/cert/secret",
        built: "secrets/vars/per-machine/web/ca/cert",
        owner: "root",
        group: null,
        mode: "0400",
        neededForUsers: false,
      },
      {
        name: "vars/host/private",
        stored: "vars/per-machine/web/host/private/secret",
        built: "secrets/vars/per-machine/web/host/private",
        owner: "root",
        group: null,
        mode: "0600",
        neededForUsers: false,
      },
      {
        name: "vars/mesh-key/private",
        stored: "vars/per-machine/web/mesh-key/private/secret",
        built: "secrets/vars/per-machine/web/mesh-key/private",
        owner: "systemd-network",
        group: null,
        mode: "0400",
        neededForUsers: false,
      },
      {
        name: "vars/token/token",
        stored: "vars/shared/token/token/secret",
        built: "secrets/vars/shared/token/token",
        owner: "grafana",
        group: "keys",
        mode: "0440",
        neededForUsers: false,
      },
    ]);
    expect(deployedSecrets("mac", inventory.generators("mac"), generated).map((s) => s.built)).toEqual([
      "secrets/vars/per-machine/mac/host/private",
      "secrets/vars/shared/token/token",
    ]);
  });

  it("are decrypted by sops-nix to the path modules are given", () => {
    for (const s of deployedSecrets("web", example().generators("web"), generated)) {
      const [, gen, file] = s.name.split("/");
      expect(`/run/secrets/${s.name}`).toBe(deployedPath(gen!, file!));
    }
  });

  it("needed for users: decrypted before accounts are made, and owned by root only", () => {
    const pw = (files: Record<string, FileSpec>) =>
      fleet(
        machine("web", { class: "nixos", system: "x86_64-linux" }),
        generator("pw", { machines: ["web"], files, script: "true" }),
      );
    const at = repo("vars/per-machine/web/pw/hash/secret");
    const [hash] = deployedSecrets("web", pw({ hash: { neededFor: "users" } }).generators("web"), at);
    expect(hash).toMatchObject({ name: "vars/pw/hash", neededForUsers: true, owner: "root", group: null });
    expect(deployedPath("pw", "hash", "users")).toBe("/run/secrets-for-users/vars/pw/hash");
    const owned = pw({ hash: { neededFor: "users", owner: "alice" } });
    expect(() => deployedSecrets("web", owned.generators("web"), at)).toThrow(
      expect.objectContaining({
        code: "VarsBadOwner",
        path: ["vars", "generators", "pw", "files", "hash", "owner"],
      }),
    );
  });

  it("must be encrypted for the machine: a shared file that gained a machine asks to regenerate", () => {
    const inventory = example();
    const files: Record<string, string> = {
      "vars/per-machine/mac/host/private/secret": "{}",
      "vars/per-machine/mac/host/private/recipients.json": '{ "users": [], "machines": ["mac"] }',
      "vars/shared/token/token/secret": "{}",
      "vars/shared/token/token/recipients.json": '{ "users": ["alice"], "machines": ["web"] }',
    };
    const read = (p: string) => files[p];
    expect(() => deployedSecrets("mac", inventory.generators("mac"), { read })).toThrow(
      expect.objectContaining({
        code: "VarsNotForMachine",
        message:
          "Machine `mac' receives the secret file `token/token', but it is encrypted for web only: sops-nix could not decrypt it there.",
        file: "vars/shared/token/token/secret",
      }),
    );
    files["vars/shared/token/token/recipients.json"] = '{ "users": ["alice"], "machines": ["mac", "web"] }';
    expect(deployedSecrets("mac", inventory.generators("mac"), { read }).map((s) => s.name)).toEqual([
      "vars/host/private",
      "vars/token/token",
    ]);
  });

  it("must be generated: a missing one names machine, generator and file, and says what to run", () => {
    const inventory = example();
    const partial = repo("vars/per-machine/web/host/private/secret", "vars/shared/token/token/secret");
    expect(() => deployedSecrets("web", inventory.generators("web"), partial)).toThrow(
      expect.objectContaining({
        code: "VarsMissing",
        message: "Machine `web' receives the secret file `ca/cert', which has not been generated.",
        file: "vars/per-machine/web/ca/cert/secret",
        hint: "Run `grove vars generate web` before building.",
      }),
    );
  });

  it.each([
    ["mode", { mode: "400" }],
    ["mode", { mode: "0800" }],
    ["owner", { owner: "" }],
    ["owner", { owner: "www data" }],
    ["group", { group: "" }],
    ["group", { group: "a:b" }],
  ])("reject a bad %s (%j) with the option's path", (option, spec) => {
    const machines = () =>
      fleet(
        machine("web", { class: "nixos", system: "x86_64-linux" }),
        generator("g", { machines: ["web"], files: { f: spec }, script: "true" }),
      ).generators("web");
    expect(machines).toThrow(
      expect.objectContaining({
        code: "TypeMismatch",
        path: ["vars", "generators", "g", "files", "f", option],
      }),
    );
    const roles = () =>
      fleet(
        machine("web", { class: "nixos", system: "x86_64-linux" }),
        service("s", { roles: { r: { generators: { g: { files: { f: spec }, script: "true" } } } } }),
        instance("s", { service: "s", roles: { r: { machines: { web: {} } } } }),
      ).generators("web");
    expect(roles).toThrow(
      expect.objectContaining({ code: "TypeMismatch", path: ["generators", "g", "files", "f", option] }),
    );
  });
});
