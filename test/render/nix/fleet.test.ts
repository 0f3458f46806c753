/**
 * The fleet-level Nix output, rendered from in-memory projects: which values and definitions a
 * module holds, the overlay's layers (evaluated with the real nix-instantiate against a fake
 * package set), the flake's wiring, and the errors for settings Nix cannot be given.
 */
import { afterAll, describe, expect, it } from "vitest";
import { GroveError } from "../../../src/errors.js";
import type { DeployedSecret } from "../../../src/inventory/vars/deployed.js";
import { mkAfter, mkDefault, mkForce, mkIf } from "../../../src/lib/index.js";
import { aspect, evaluateProject, machine, user } from "../../../src/project/index.js";
import { renderFlake, renderFleet, renderOverlay } from "../../../src/render/nix/index.js";
import { NixDir } from "./nix.js";

const dir = new NixDir();
afterAll(() => dir.remove());

function project(extra: unknown[] = []) {
  return evaluateProject([
    user("alice", { fullName: "Alice", sshKeys: ["ssh-ed25519 AAAA alice"] }),
    aspect("web", {
      nixos: ({ pkgs }: any) => ({
        services: {
          nginx: { enable: true, virtualHosts: mkIf(false, { x: {} }) },
          openssh: { enable: mkDefault(true) },
        },
        networking: { firewall: { allowedTCPPorts: mkAfter([80]) } },
        environment: { systemPackages: [pkgs.ripgrep, pkgs.stable.fd] },
        deploy: { healthChecks: { web: { http: "http://localhost/" } } },
        boot: mkIf(false, { loader: { grub: { enable: true } } }),
      }),
      home: { home: { file: { ".hushlogin": { text: "", mutable: true } } } },
    }),
    aspect("edge", {
      nixos: { services: { nginx: { recommendedTlsSettings: mkForce(true) } } },
    }),
    machine("web1", {
      class: "nixos",
      system: "x86_64-linux",
      aspects: ["web", "edge"],
      users: { alice: ["web"] },
    }),
    ...extra,
  ]);
}

describe("machine modules", () => {
  const { files } = renderFleet(project(), {
    secrets: new Map([["web1", ["tls-key"]]]),
    file: (f) => f.replace(/^.*\//, "modules/"),
  });
  const web1 = files.get("machines/web1.nix")!;

  it("holds defined values with their priority, and pinned state versions", () => {
    expect(web1).toContain(
      '  networking = { firewall.allowedTCPPorts = [ 80 ]; hostName = lib.mkDefault "web1"; };',
    );
    expect(web1).toContain("    openssh.enable = lib.mkDefault true;");
    expect(web1).toContain('  system.stateVersion = lib.mkDefault "25.05";');
    expect(web1).toContain("  environment.systemPackages = [ pkgs.ripgrep pkgs.stable.fd ];");
    // Declared options left at their default are not written (upstream has defaults of its own).
    expect(web1).not.toMatch(/firewall\.enable|time\.timeZone|extraGroups|isNormalUser = false/);
  });

  it("writes only the sub-options a module defined in submodule entries", () => {
    expect(web1).toContain(
      '  users.users.alice = {\n    description = lib.mkDefault "Alice";\n    isNormalUser = lib.mkDefault true;\n    openssh.authorizedKeys.keys = [ "ssh-ed25519 AAAA alice" ];\n  };',
    );
  });

  it("passes undeclared options through as definitions with their wrappers, settling mkIf", () => {
    expect(web1).toMatch(
      / {4}nginx = lib\.mkMerge \[\n( {6}# modules\/fleet\.test\.ts:\d+, via option modules\.nixos\.(web|edge)\n {6}\{ (enable = true|recommendedTlsSettings = lib\.mkForce true); \}\n){2} {4}\];/,
    );
    // A definition whose condition is false defines nothing, in Nix as in Grove.
    expect(web1).toContain("  boot = lib.mkMerge [ ];");
    expect(web1).not.toContain("grub");
    expect(web1).not.toContain("virtualHosts");
  });

  it("leaves Grove's bookkeeping out, wires the integrated home and the secrets", () => {
    expect(web1).not.toMatch(/deploy|healthChecks/);
    expect(web1).toContain(
      '  # grove: home alice@web1\n  home-manager = { users.alice = import (./. + "/../homes/alice@web1.nix"); };',
    );
    expect(web1).toContain(
      '  sops = {\n    secrets.tls-key = { format = "binary"; sopsFile = ../secrets/tls-key; };\n  };',
    );
    const home = files.get("homes/alice@web1.nix")!;
    expect(home).toContain('    file.".hushlogin".text = "";');
    expect(home).not.toContain("mutable");
  });

  it("is byte-identical from one rendering to the next", () => {
    const again = renderFleet(project(), {
      secrets: new Map([["web1", ["tls-key"]]]),
      file: (f) => f.replace(/^.*\//, "modules/"),
    });
    expect([...again.files]).toEqual([...files]);
  });

  it("every file parses", async () => {
    dir.write(Object.fromEntries([...files].map(([k, v]) => [`fleet/${k}`, v])));
    for (const k of files.keys()) await dir.parse(`fleet/${k}`);
  });
});

describe("the flake", () => {
  it("has inputs that follow the default channel, configurations per class, and checks per system", () => {
    const text = renderFlake({
      inputs: [
        { name: "nixpkgs-unstable", url: "github:NixOS/nixpkgs/nixos-unstable", followsNixpkgs: false },
        { name: "home-manager", url: "github:nix-community/home-manager", followsNixpkgs: true },
      ],
      nixpkgsInput: "nixpkgs-unstable",
      machines: [
        { name: "mac", class: "darwin", system: "aarch64-darwin", module: "./machines/mac.nix" },
        { name: "web1", class: "nixos", system: "x86_64-linux", module: "./machines/web1.nix" },
      ],
      homes: [{ id: "carol@box", system: "x86_64-linux", module: "./homes/carol@box.nix" }],
    });
    expect(text).toContain(
      '    home-manager = {\n      url = "github:nix-community/home-manager";\n      inputs.nixpkgs.follows = "nixpkgs-unstable";\n    };\n    nixpkgs-unstable.url = "github:NixOS/nixpkgs/nixos-unstable";',
    );
    expect(text).toContain("web1 = lib.nixosSystem { modules = nixosShared ++ [ ./machines/web1.nix ]; };");
    expect(text).toContain(
      "mac = inputs.nix-darwin.lib.darwinSystem { modules = darwinShared ++ [ ./machines/mac.nix ]; };",
    );
    expect(text).toContain('modules = [ (./. + "/homes/carol@box.nix") ];');
    expect(text).toContain(
      '        x86_64-linux = {\n          web1 = self.nixosConfigurations.web1.config.system.build.toplevel;\n          "carol@box" = self.homeConfigurations."carol@box".activationPackage;\n        };',
    );
  });
});

describe("the overlay", () => {
  it("composes channels, fallbacks, overrides, other flakes' overlays and custom packages in that order", async () => {
    const overlay = renderOverlay({
      channels: [
        { name: "stable", input: "nixpkgs-stable" },
        { name: "unstable", input: "nixpkgs-unstable" },
      ],
      defaultChannel: "unstable",
      fallbacks: [{ name: "hello", channel: "stable", reason: "broken on unstable" }],
      overrides: [{ name: "jq", attrs: { doCheck: false }, reason: "flaky tests" }],
      overlays: [{ input: "extra", overlay: "default" }],
      custom: { path: "./packages", exclude: ["skipped"] },
    });
    dir.write({
      "ov/overlay.nix": overlay,
      "ov/packages/tool.nix": '{ }: { type = "derivation"; outPath = "custom.tool"; }\n',
      // A custom package shadowing a nixpkgs one, and one the fleet excludes.
      "ov/packages/hello.nix": '{ }: { type = "derivation"; outPath = "custom.hello"; }\n',
      "ov/packages/skipped.nix": '{ }: { type = "derivation"; outPath = "custom.skipped"; }\n',
      "ov/stable.nix": '{ system, config }: import ./base.nix "stable"\n',
      "ov/base.nix": `channel: {
  stdenv.hostPlatform.system = "x86_64-linux";
  config = { };
  callPackage = file: args: import file args;
  hello = { type = "derivation"; outPath = "\${channel}.hello"; };
  skipped = { type = "derivation"; outPath = "\${channel}.skipped"; };
  fromExtra = { type = "derivation"; outPath = "\${channel}.fromExtra"; };
  jq = { type = "derivation"; outPath = "\${channel}.jq"; overrideAttrs = attrs: { type = "derivation"; outPath = "\${channel}.jq+\${builtins.toJSON attrs}"; }; };
}
`,
      "ov/test.nix": `let
  lib = import <nixpkgs-lib>;
  extra = final: prev: { fromExtra = { type = "derivation"; outPath = "extra:" + prev.fromExtra.outPath; }; jq = prev.jq // { seenByExtra = true; }; };
  overlay = import ./overlay.nix { inherit lib; inputs = { nixpkgs-stable = ./stable.nix; extra.overlays.default = extra; }; };
  pkgs = lib.fix (lib.extends overlay (_: import ./base.nix "unstable"));
in
{
  stableHello = pkgs.stable.hello.outPath;
  unstableHello = pkgs.unstable.hello.outPath;
  hello = pkgs.hello.outPath;
  jq = pkgs.jq.outPath;
  jqSeenByExtra = pkgs.jq.seenByExtra;
  fromExtra = pkgs.fromExtra.outPath;
  tool = pkgs.tool.outPath;
  skipped = pkgs.skipped.outPath;
}
`,
    });
    expect(await dir.eval("ov/test.nix")).toEqual({
      stableHello: "stable.hello",
      unstableHello: "unstable.hello",
      // The custom package comes last and shadows the fallback.
      hello: "custom.hello",
      jq: 'unstable.jq+{"doCheck":false}',
      jqSeenByExtra: true,
      fromExtra: "extra:unstable.fromExtra",
      tool: "custom.tool",
      skipped: "unstable.skipped",
    });
    expect(overlay).toContain("    # from stable: broken on unstable\n    hello = final.stable.hello;\n");
    expect(overlay).toContain("    # flaky tests\n    jq = prev.jq.overrideAttrs { doCheck = false; };\n");
  });
});

describe("settings Nix cannot be given", () => {
  it("a fallback to an undeclared channel is UnknownChannel", () => {
    const p = project([{ config: { packages: { fallbacks: { jq: { channel: "edge", reason: "x" } } } } }]);
    const e = (() => {
      try {
        renderFleet(p);
      } catch (err) {
        return err;
      }
    })() as GroveError;
    expect(e).toBeInstanceOf(GroveError);
    expect(e.code).toBe("UnknownChannel");
    expect(e.path).toEqual(["packages", "fallbacks", "jq", "channel"]);
  });

  it("an overlay input named like one of the flake's own is ReservedInputName", () => {
    const p = project([{ config: { packages: { overlays: { "home-manager": { url: "github:x/y" } } } } }]);
    expect(() => renderFleet(p)).toThrow(expect.objectContaining({ code: "ReservedInputName" }));
  });

  it("an overlay of another flake becomes an input following the default channel", () => {
    const p = project([
      { config: { packages: { overlays: { rust: { url: "github:oxalica/rust-overlay" } } } } },
    ]);
    const { files } = renderFleet(p);
    expect(files.get("flake.nix")).toContain(
      '    rust = {\n      url = "github:oxalica/rust-overlay";\n      inputs.nixpkgs.follows = "nixpkgs-unstable";\n    };',
    );
    expect(files.get("overlay.nix")).toContain(
      "  external = lib.composeManyExtensions [\n    inputs.rust.overlays.default\n  ];",
    );
  });
});

describe("vars secrets", () => {
  const secret = (gen: string, file: string, scope: string, extra: Partial<DeployedSecret> = {}) => ({
    name: `vars/${gen}/${file}`,
    stored: `vars/${scope}/${gen}/${file}/secret`,
    built: `secrets/vars/${scope}/${gen}/${file}`,
    owner: "root",
    group: null,
    mode: "0400",
    neededForUsers: false,
    ...extra,
  });
  const token = secret("token", "token", "shared", { owner: "grafana", group: "keys", mode: "0440" });
  const vars = new Map([
    ["web1", [secret("host", "private", "per-machine/web1", { mode: "0600" }), token]],
    ["mac", [secret("host", "private", "per-machine/mac"), token]],
  ]);
  const p = project([machine("mac", { class: "darwin", system: "aarch64-darwin" })]);
  const { files } = renderFleet(p, { secrets: new Map([["web1", ["tls-key"]]]), vars });

  it("become sops-nix secrets named vars/<generator>/<file>, with owner, group and mode", () => {
    expect(files.get("machines/web1.nix")).toContain(`  sops = lib.mkMerge [
    # grove: secrets readable by this machine
    {
      secrets.tls-key = { format = "binary"; sopsFile = ../secrets/tls-key; };
    }
    # grove: vars secrets of this machine
    {
      secrets = {
        "vars/host/private" = {
          format = "binary";
          group = "root";
          mode = "0600";
          owner = "root";
          sopsFile = ../secrets/vars/per-machine/web1/host/private;
        };
        "vars/token/token" = {
          format = "binary";
          group = "keys";
          mode = "0440";
          owner = "grafana";
          sopsFile = ../secrets/vars/shared/token/token;
        };
      };
    }
  ];`);
  });

  it("mark a file needed for users, which sops-nix decrypts before accounts are made", () => {
    const needed = new Map([["web1", [secret("pw", "hash", "per-machine/web1", { neededForUsers: true })]]]);
    const text = renderFleet(project([]), { vars: needed }).files.get("machines/web1.nix")!;
    expect(text).toMatch(/"vars\/pw\/hash" = \{[^}]*\bneededForUsers = true;[^}]*\};/);
    expect(files.get("machines/web1.nix")).not.toContain("neededForUsers");
  });

  it("are in the group wheel on darwin unless they name one", () => {
    expect(files.get("machines/mac.nix")).toContain(`  sops = {
    secrets = {
      "vars/host/private" = {
        format = "binary";
        group = "wheel";
        mode = "0400";
        owner = "root";
        sopsFile = ../secrets/vars/per-machine/mac/host/private;
      };
      "vars/token/token" = {
        format = "binary";
        group = "keys";
        mode = "0440";
        owner = "grafana";
        sopsFile = ../secrets/vars/shared/token/token;
      };
    };
  };`);
  });

  it("parse", async () => {
    dir.write(Object.fromEntries([...files].map(([k, v]) => [`vars/${k}`, v])));
    for (const k of files.keys()) await dir.parse(`vars/${k}`);
  });

  it("cannot meet a store secret named `vars', which sops-nix would put where their folder is", () => {
    expect(() => renderFleet(p, { secrets: new Map([["web1", ["vars"]]]), vars })).toThrow(
      expect.objectContaining({ code: "VarsNameTaken", file: "sops/secrets/vars" }),
    );
    // Without vars secrets the name is free.
    expect(() => renderFleet(p, { secrets: new Map([["web1", ["vars"]]]) })).not.toThrow();
  });
});
