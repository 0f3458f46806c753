/**
 * `grove build` of the real built CLI on the example fleet: every generated file parses with the
 * real `nix-instantiate`, and every machine and home module, evaluated with nixpkgs' `lib` against
 * Grove's class options declared in Nix, gives back exactly what `grove eval` prints.
 */
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtFile, deployedPath, storedFile } from "../../src/inventory/vars/layout.js";
import { Secret, SecretStore } from "../../src/secrets/index.js";
import { NixDir } from "../render/nix/nix.js";
import { classDeclarations, expectedJson, fakePackagesNix, packageNames } from "../render/nix/roundtrip.js";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CLI = join(REPO, "dist", "cli", "main.js");
const EXAMPLE = join(REPO, "examples", "fleet");

async function grove(args: string[], cwd = REPO) {
  const r = await execa(process.execPath, [CLI, ...args], { cwd, reject: false, env: { NO_COLOR: "1" } });
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under `dir`, relative, sorted. */
function listFiles(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir).sort()) {
    const full = join(dir, e);
    const rel = prefix === "" ? e : `${prefix}/${e}`;
    if (statSync(full).isDirectory()) out.push(...listFiles(full, rel));
    else out.push(rel);
  }
  return out;
}

/** The example's deployable vars secrets, as `grove build` copies them (committed, encrypted). */
const varsCopies = [
  "secrets/vars/per-machine/basalt/mesh-key/private",
  "secrets/vars/per-machine/basalt/ssh-host-key/private",
  "secrets/vars/per-machine/cinnabar/alice-password/hash",
  "secrets/vars/per-machine/cinnabar/mesh-key/private",
  "secrets/vars/per-machine/cinnabar/ssh-host-key/private",
  "secrets/vars/per-machine/obsidian/ssh-host-key/private",
  "secrets/vars/per-machine/quartz/ssh-host-key/private",
  "secrets/vars/per-machine/tensor/mesh-key/private",
  "secrets/vars/per-machine/tensor/ssh-host-key/private",
  "secrets/vars/shared/monitoring-token/token",
];

/** The bindings both Nix programs below open with: nixpkgs' `lib`, and `pkgs` of fake packages. */
const withPackages = `lib = import <nixpkgs-lib>;
  fake = import ./packages.nix;
  pkgs = fake "pkgs" // { stable = fake "pkgs.stable"; unstable = fake "pkgs.unstable"; };`;

const nix = new NixDir();
const out = nix.path("out");
let evaluated: { machines: Record<string, any>; homes: Record<string, any> };
let first: Awaited<ReturnType<typeof grove>>;

beforeAll(async () => {
  const [built, shown] = await Promise.all([
    grove(["build", "--dir", "examples/fleet", "--out", out]),
    grove(["eval", "--dir", "examples/fleet", "--json"]),
  ]);
  first = built;
  evaluated = JSON.parse(shown.stdout);
});
afterAll(() => nix.remove());

describe("grove build on the example fleet", () => {
  it("writes the flake, the overlay and one module per machine and home", () => {
    expect(first.stderr).toBe("");
    expect(first.exitCode).toBe(0);
    expect(listFiles(out)).toEqual([
      "flake.nix",
      ...Object.keys(evaluated.homes)
        .sort()
        .map((h) => `homes/${h}.nix`),
      ...Object.keys(evaluated.machines)
        .sort()
        .map((m) => `machines/${m}.nix`),
      "overlay.nix",
      ...varsCopies,
      "terraform/main.tf.json",
    ]);
    expect(first.stdout).toContain("wrote machines/cinnabar.nix");
  });

  it("writes the GPU VM's terraform, which terraform validates offline", async () => {
    const dir = join(out, "terraform");
    const env = { ...process.env, TF_IN_AUTOMATION: "1", TF_DATA_DIR: nix.path("tf-data") };
    await execa("terraform", ["init", "-input=false", "-backend=false"], { cwd: dir, env });
    const r = await execa("terraform", ["validate", "-json"], { cwd: dir, env });
    expect(JSON.parse(r.stdout).valid).toBe(true);
  });

  it("every file parses with nix-instantiate", async () => {
    const files = listFiles(out)
      .filter((f) => f.endsWith(".nix"))
      .map((f) => join(out, f));
    await execa("nix-instantiate", ["--parse", ...files]);
  });

  it("is deterministic: a second build writes nothing, and a fresh one gives the same bytes", async () => {
    const again = await grove(["build", "--dir", "examples/fleet", "--out", out]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).not.toContain("wrote");
    expect(again.stdout).toContain(`0 written, ${listFiles(out).length} unchanged, 0 removed`);
    const other = nix.path("out-from-fleet-dir");
    expect((await grove(["build", "--out", other], EXAMPLE)).exitCode).toBe(0);
    for (const f of listFiles(out))
      expect(readFileSync(join(other, f), "utf8")).toBe(readFileSync(join(out, f), "utf8"));
  });

  it("each module, evaluated against Grove's options in Nix, gives Grove's evaluated values", async () => {
    const classOf = (m: string) => (m === "quartz" || m === "obsidian" ? "darwin" : "nixos");
    const names = packageNames(evaluated);
    const entries: string[] = [];
    for (const m of Object.keys(evaluated.machines)) {
      entries.push(
        `"machines/${m}" = eval "${evaluated.machines[m].nixpkgs.hostPlatform.endsWith("darwin") ? "darwin" : "nixos"}" ../out/machines/${m}.nix;`,
      );
    }
    for (const h of Object.keys(evaluated.homes))
      entries.push(`"homes/${h}" = eval "home" (../out + "/homes/${h}.nix");`);
    nix.write({
      "rt/decls-nixos.nix": classDeclarations("nixos"),
      "rt/decls-darwin.nix": classDeclarations("darwin"),
      "rt/decls-home.nix": classDeclarations("home"),
      "rt/packages.nix": fakePackagesNix(names),
      "rt/roundtrip.nix": `let
  ${withPackages}
  decls = { nixos = ./decls-nixos.nix; darwin = ./decls-darwin.nix; home = ./decls-home.nix; };
  # What Grove adds for Nix alone (integrated homes, secrets) is not part of Grove's values.
  eval = cls: file:
    removeAttrs (lib.evalModules { modules = [ decls.\${cls} file { _module.args.pkgs = pkgs; } ]; }).config [ "_module" "home-manager" "sops" ];
in
{
  ${entries.join("\n  ")}
}
`,
    });
    const back = (await nix.eval("rt/roundtrip.nix")) as Record<string, unknown>;
    for (const m of Object.keys(evaluated.machines)) {
      const cls = evaluated.machines[m].nixpkgs.hostPlatform.endsWith("darwin") ? "darwin" : "nixos";
      expect(classOf(m)).toBe(cls);
      expect(back[`machines/${m}`], m).toEqual(expectedJson(evaluated.machines[m], cls));
    }
    for (const h of Object.keys(evaluated.homes)) {
      expect(back[`homes/${h}`], h).toEqual(expectedJson(evaluated.homes[h], "home"));
    }
  });

  it("wires each machine's vars secrets for sops-nix, decrypted at the paths its modules were given", async () => {
    const names = packageNames(evaluated);
    const entries = Object.keys(evaluated.machines).map(
      (m) =>
        `"${m}" = secrets "${evaluated.machines[m].nixpkgs.hostPlatform.endsWith("darwin") ? "darwin" : "nixos"}" ../out/machines/${m}.nix;`,
    );
    nix.write({
      "sops/decls-nixos.nix": classDeclarations("nixos"),
      "sops/decls-darwin.nix": classDeclarations("darwin"),
      "sops/packages.nix": fakePackagesNix(names),
      "sops/test.nix": `let
  ${withPackages}
  decls = { nixos = ./decls-nixos.nix; darwin = ./decls-darwin.nix; };
  # sops-nix's secret options as far as Grove uses them (sops-nix modules/sops/default.nix): a
  # secret's name is its attribute name, and it is decrypted to /run/secrets/<name>, or to
  # /run/secrets-for-users/<name> when it is needed for users.
  sopsNix = {
    options.sops.secrets = lib.mkOption {
      type = lib.types.attrsOf (lib.types.submodule ({ name, config, ... }: {
        options = {
          name = lib.mkOption { type = lib.types.str; default = name; };
          path = lib.mkOption {
            type = lib.types.str;
            default = "\${if config.neededForUsers then "/run/secrets-for-users" else "/run/secrets"}/\${config.name}";
          };
          sopsFile = lib.mkOption { type = lib.types.path; };
          format = lib.mkOption { type = lib.types.enum [ "yaml" "json" "binary" "dotenv" "ini" ]; default = "yaml"; };
          owner = lib.mkOption { type = lib.types.str; default = "root"; };
          group = lib.mkOption { type = lib.types.str; default = "root"; };
          mode = lib.mkOption { type = lib.types.str; default = "0400"; };
          neededForUsers = lib.mkOption { type = lib.types.bool; default = false; };
        };
      }));
      default = { };
    };
  };
  secrets = cls: file:
    lib.mapAttrs (_: s: { inherit (s) path format owner group mode neededForUsers; sopsFile = toString s.sopsFile; })
      (lib.evalModules { modules = [ decls.\${cls} file sopsNix { _module.args.pkgs = pkgs; } ]; }).config.sops.secrets;
in
{
  ${entries.join("\n  ")}
}
`,
    });
    const back = (await nix.eval("sops/test.nix")) as Record<string, Record<string, any>>;
    const wired: string[] = [];
    for (const [m, secrets] of Object.entries(back)) {
      for (const [name, s] of Object.entries(secrets)) {
        // The default path is the one modules were given (`deployedPath`), and the file a copy.
        const [, gen, file] = name.split("/");
        expect(s.path).toBe(deployedPath(gen!, file!, s.neededForUsers ? "users" : "services"));
        expect(s.format).toBe("binary");
        expect(s.group).toBe(m === "quartz" || m === "obsidian" ? "wheel" : "root");
        expect(s.owner).toBe("root");
        const built = relative(out, s.sopsFile).split(sep).join("/");
        wired.push(built);
        const shared = built.startsWith("secrets/vars/shared/");
        expect(built).toBe(builtFile(gen!, shared ? null : m, file!));
        const stored = join(EXAMPLE, storedFile(gen!, shared ? null : m, file!, true));
        expect(readFileSync(s.sopsFile)).toEqual(readFileSync(stored));
        expect(JSON.parse(readFileSync(s.sopsFile, "utf8")).sops.age.length).toBeGreaterThan(0);
      }
    }
    expect([...new Set(wired)].sort()).toEqual(varsCopies);
    expect(back.cinnabar!["vars/ssh-host-key/private"].mode).toBe("0600");
    expect(back.cinnabar!["vars/alice-password/hash"].mode).toBe("0400");
    expect(back.cinnabar!["vars/mesh-key/private"].path).toBe(
      evaluated.machines.cinnabar.networking.wireguard.interfaces.mesh.privateKeyFile,
    );
    expect(back.cinnabar!["vars/alice-password/hash"].path).toBe(
      evaluated.machines.cinnabar.users.users.alice.hashedPasswordFile,
    );
    // A login password is there before accounts are made; the other files come with services.
    expect(back.cinnabar!["vars/alice-password/hash"].neededForUsers).toBe(true);
    expect(back.cinnabar!["vars/alice-password/hash"].path).toBe(
      "/run/secrets-for-users/vars/alice-password/hash",
    );
    expect(back.cinnabar!["vars/mesh-key/private"].neededForUsers).toBe(false);
    // The prompt's default in the example must not leak into the output, encrypted copies only.
    for (const f of listFiles(out)) expect(readFileSync(join(out, f), "utf8")).not.toContain("example-only");
  });

  it("keeps Grove's own bookkeeping (health checks) out of the modules", () => {
    expect(evaluated.machines.cinnabar.deploy.healthChecks.sshd).toBeDefined();
    expect(readFileSync(join(out, "machines/cinnabar.nix"), "utf8")).not.toMatch(/deploy|healthChecks/);
  });

  it("the overlay gives each channel as pkgs.<channel> and applies the fallbacks", async () => {
    nix.write({
      "ov/packages.nix": fakePackagesNix(["neovim", "fd", "ripgrep"]),
      "ov/nixpkgs-stable.nix": `{ system, config }: import ./packages.nix "stable-\${system}"\n`,
      "ov/test.nix": `let
  lib = import <nixpkgs-lib>;
  overlay = import ../out/overlay.nix { inherit lib; inputs = { nixpkgs-stable = ./nixpkgs-stable.nix; }; };
  pkgs = lib.fix (lib.extends overlay (_: import ./packages.nix "unstable"));
in
{
  neovim = pkgs.neovim.outPath;
  fd = pkgs.fd.outPath;
  stableFd = pkgs.stable.fd.outPath;
  unstableFd = pkgs.unstable.fd.outPath;
}
`,
    });
    expect(await nix.eval("ov/test.nix")).toEqual({
      neovim: "stable-x86_64-linux.neovim",
      fd: "unstable.fd",
      stableFd: "stable-x86_64-linux.fd",
      unstableFd: "unstable.fd",
    });
    expect(readFileSync(join(out, "overlay.nix"), "utf8")).toContain(
      "# from stable: 0.11 on unstable breaks our treesitter setup\n    neovim = final.stable.neovim;",
    );
  });
});

describe("grove build with a selection, secrets and custom packages", () => {
  let fleet: string;
  beforeAll(() => {
    fleet = mkdtempSync(join(tmpdir(), "grove-build-fleet-"));
    cpSync(EXAMPLE, fleet, { recursive: true });
  });
  afterAll(() => rmSync(fleet, { recursive: true, force: true }));

  it("copies the files homes take as a source into the flake and points at them with paths", async () => {
    mkdirSync(join(fleet, "files", "nvim"), { recursive: true });
    writeFileSync(join(fleet, "files", "gitmessage.txt"), "Why:\n");
    writeFileSync(join(fleet, "files", "nvim", "init.lua"), "vim.opt.number = true\n");
    writeFileSync(
      join(fleet, "modules", "sourced.ts"),
      'import { aspect } from "grove";\nexport default aspect("git", { home: { home: { file: { ".gitmessage": { source: "files/gitmessage.txt" } } }, xdg: { configFile: { nvim: { source: "./files/nvim", recursive: true } } } } });\n',
    );
    try {
      const target = join(fleet, "out-sources");
      const r = await grove(["build", "--out", target], fleet);
      expect(r.stderr).toBe("");
      // Copied under files/ with their path in the fleet.
      const home = readFileSync(join(target, "homes/alice@cinnabar.nix"), "utf8");
      expect(home).toContain("source = ../files/files/gitmessage.txt;");
      expect(home).toContain("source = ../files/files/nvim;");
      expect(readFileSync(join(target, "files/files/gitmessage.txt"), "utf8")).toBe("Why:\n");
      expect(readFileSync(join(target, "files/files/nvim/init.lua"), "utf8")).toBe("vim.opt.number = true\n");
      await execa("nix-instantiate", ["--parse", join(target, "homes/alice@cinnabar.nix")]);
    } finally {
      rmSync(join(fleet, "modules", "sourced.ts"));
    }
  });

  it("names the nearest machine for an unknown one, and writes nothing", async () => {
    const target = join(fleet, "out-unknown");
    const r = await grove(["build", "cinabar", "--out", target], fleet);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("error[UnknownMachine]: There is no machine `cinabar'.");
    expect(r.stderr).toContain("Did you mean `cinnabar'?");
    expect(() => readdirSync(target)).toThrow();
  });

  it("renders only the machines named, and removes files that no longer belong", async () => {
    const target = join(fleet, "out");
    expect((await grove(["build", "--out", target], fleet)).exitCode).toBe(0);
    const r = await grove(["build", "cinnabar", "--out", target], fleet);
    expect(r.exitCode).toBe(0);
    expect(listFiles(target)).toEqual([
      "flake.nix",
      "homes/alice@cinnabar.nix",
      "machines/cinnabar.nix",
      "overlay.nix",
      ...varsCopies.filter((f) => f.includes("/cinnabar/") || f.includes("/shared/")),
    ]);
    expect(r.stdout).toContain("removed machines/basalt.nix");
    expect(r.stdout).toContain("removed secrets/vars/per-machine/basalt/mesh-key/private");
    const flake = readFileSync(join(target, "flake.nix"), "utf8");
    expect(flake).toContain("cinnabar = lib.nixosSystem");
    expect(flake).not.toContain("basalt");
  });

  it("refuses a machine whose vars secret is not generated, naming it, and builds the others", async () => {
    const secret = join(fleet, "vars/per-machine/cinnabar/alice-password/hash/secret");
    const kept = readFileSync(secret);
    rmSync(secret);
    try {
      const target = join(fleet, "out-missing");
      const r = await grove(["build", "--out", target], fleet);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(
        "error[VarsMissing]: Machine `cinnabar' receives the secret file `alice-password/hash', which has not been generated.",
      );
      expect(r.stderr).toContain("vars/per-machine/cinnabar/alice-password/hash/secret");
      expect(r.stderr).toContain("grove vars generate cinnabar");
      expect(() => readdirSync(target)).toThrow();
      // Only the machines built need their vars.
      expect((await grove(["build", "basalt", "--out", target], fleet)).exitCode).toBe(0);
    } finally {
      writeFileSync(secret, kept);
    }
  });

  it("points each machine at the encrypted secrets it can read, copied into the output", async () => {
    const store = new SecretStore(join(fleet, "sops"), {});
    // The example registers its machines from their generated host keys; add one if missing.
    if (!(await store.listKeyHolders("machine")).some((m) => m.name === "cinnabar")) {
      await store.addMachine("cinnabar", await identityToRecipient(await generateX25519Identity()));
    }
    await store.set("db-password", new Secret(new TextEncoder().encode("hunter2")), [
      { kind: "machine", name: "cinnabar" },
    ]);
    const target = join(fleet, "out-secrets");
    const r = await grove(["build", "--out", target], fleet);
    expect(r.exitCode).toBe(0);
    expect(readFileSync(join(target, "secrets/db-password"))).toEqual(
      readFileSync(store.secretFile("db-password")),
    );
    expect(readFileSync(join(target, "machines/cinnabar.nix"), "utf8")).toContain(
      'secrets.db-password = { format = "binary"; sopsFile = ../secrets/db-password; };',
    );
    expect(readFileSync(join(target, "machines/basalt.nix"), "utf8")).not.toContain("db-password");
    for (const f of listFiles(target)) expect(readFileSync(join(target, f), "utf8")).not.toContain("hunter2");
    await execa("nix-instantiate", ["--parse", join(target, "machines/cinnabar.nix")]);
  });
});
