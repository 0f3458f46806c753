import { afterAll, describe, expect, it } from "vitest";
import {
  deepForce,
  evalModules,
  FloatValue,
  mkAfter,
  mkBefore,
  mkDefault,
  mkForce,
  mkIf,
  mkOption,
  mkOrder,
  type OptionNode,
  types,
} from "../../../src/lib/index.js";
import { nixExpr, renderModule } from "../../../src/render/nix/index.js";
import { NixDir } from "./nix.js";

const dir = new NixDir();
afterAll(() => dir.remove());

const pkg = (name: string, channel?: string) => ({ _type: "package", name, ...(channel ? { channel } : {}) });

/** A small machine: what upstream NixOS declares, written once for Grove and once in Nix. */
const upstreamOptions = {
  networking: {
    hostName: mkOption({ type: types.str }),
    firewall: { allowedTCPPorts: mkOption({ type: types.listOf(types.port), default: [] }) },
  },
  nixpkgs: { hostPlatform: mkOption({ type: types.str }) },
  system: {
    stateVersion: mkOption({ type: types.str }),
    defaults: { dock: { "autohide-delay": mkOption({ type: types.nullOr(types.float), default: null }) } },
  },
  services: { openssh: { enable: mkOption({ type: types.bool, default: false }) } },
  environment: {
    etc: mkOption({
      type: types.attrsOf(types.submodule({ options: { text: mkOption({ type: types.lines }) } })),
    }),
    systemPackages: mkOption({ type: types.listOf(types.package), default: [] }),
  },
  users: {
    users: mkOption({
      type: types.attrsOf(
        types.submodule({
          options: {
            isNormalUser: mkOption({ type: types.bool, default: false }),
            uid: mkOption({ type: types.nullOr(types.int), default: null }),
            extraGroups: mkOption({ type: types.listOf(types.str), default: [] }),
            description: mkOption({ type: types.str, default: "" }),
          },
        }),
      ),
      default: {},
    }),
  },
};

const upstreamNix = `{ lib, ... }:
with lib;
{
  options = {
    networking.hostName = mkOption { type = types.str; };
    networking.firewall.allowedTCPPorts = mkOption { type = types.listOf types.port; default = [ ]; };
    nixpkgs.hostPlatform = mkOption { type = types.str; };
    system.stateVersion = mkOption { type = types.str; };
    system.defaults.dock."autohide-delay" = mkOption { type = types.nullOr types.float; default = null; };
    services.openssh.enable = mkOption { type = types.bool; default = false; };
    environment.etc = mkOption {
      type = types.attrsOf (types.submodule { options.text = mkOption { type = types.lines; }; });
    };
    environment.systemPackages = mkOption { type = types.listOf types.package; default = [ ]; };
    users.users = mkOption {
      type = types.attrsOf (types.submodule {
        options = {
          isNormalUser = mkOption { type = types.bool; default = false; };
          uid = mkOption { type = types.nullOr types.int; default = null; };
          extraGroups = mkOption { type = types.listOf types.str; default = [ ]; };
          description = mkOption { type = types.str; default = ""; };
        };
      });
      default = { };
    };
  };
}
`;

/** What an upstream module (a hardware profile, say) defines, in Nix and as Grove sees it. */
const upstreamDefinitionsNix = `{ lib, ... }:
{
  services.openssh.enable = lib.mkDefault false;
  networking.firewall.allowedTCPPorts = lib.mkOrder 2000 [ 9 ];
  users.users.alice.uid = lib.mkDefault 1000;
}
`;
const upstreamDefinitions = {
  _file: "upstream.nix",
  config: {
    services: { openssh: { enable: mkDefault(false) } },
    networking: { firewall: { allowedTCPPorts: mkOrder(2000, [9]) } },
    users: { users: { alice: { uid: mkDefault(1000) } } },
  },
};

/** The fleet's aspects, as Grove modules. */
const aspects = [
  {
    _file: "modules/base.ts",
    config: {
      networking: { hostName: "web1" },
      nixpkgs: { hostPlatform: "x86_64-linux" },
      system: { stateVersion: "26.05" },
      services: { openssh: { enable: mkDefault(true) } },
      environment: {
        etc: { motd: { text: "Welcome to ${host}\n'' managed by Grove ''\n" } },
        systemPackages: [pkg("ripgrep")],
      },
    },
  },
  {
    _file: "modules/web.ts",
    config: {
      networking: { firewall: { allowedTCPPorts: mkBefore([80, 443]) } },
      environment: { systemPackages: mkAfter([pkg("fd", "stable")]) },
    },
  },
  {
    _file: "modules/ssh.ts",
    config: { networking: { firewall: { allowedTCPPorts: [22] } }, services: { openssh: { enable: true } } },
  },
  {
    _file: "modules/users/alice.ts",
    config: {
      users: {
        users: {
          alice: { isNormalUser: true, extraGroups: mkBefore(["wheel"]), description: 'Alice "A." Example' },
          bob: mkIf(false, { isNormalUser: true }),
        },
      },
    },
  },
  {
    _file: "modules/mac-ish.ts",
    config: { system: { defaults: { dock: { "autohide-delay": mkForce(new FloatValue(0)) } } } },
  },
];

/** Options Grove itself declares (the rest pass through to Nix as definitions). */
const declared = [
  ["networking", "hostName"],
  ["nixpkgs", "hostPlatform"],
  ["system", "stateVersion"],
  ["environment", "etc"],
];
const passedThrough = [
  ["networking", "firewall", "allowedTCPPorts"],
  ["system", "defaults", "dock", "autohide-delay"],
  ["services", "openssh", "enable"],
  ["environment", "systemPackages"],
  ["users", "users"],
];

function at(tree: any, path: readonly string[]): any {
  return path.reduce((o, name) => o[name], tree);
}

function setAt(tree: Record<string, any>, path: readonly string[], value: unknown): void {
  let node = tree;
  for (const name of path.slice(0, -1)) node = node[name] ??= {};
  node[path[path.length - 1]!] = value;
}

/** Grove's evaluation of the machine and the module file made from it. */
function machine() {
  const ev = evalModules({ modules: [{ options: upstreamOptions }, upstreamDefinitions, ...aspects] });
  const values: Record<string, unknown> = {};
  for (const path of declared) setAt(values, path, at(ev.config, path));
  const definitions = passedThrough.map((path) => ({
    path,
    // Upstream's own definitions are already in Nix; only the fleet's are emitted.
    definitions: (at(ev.options, path) as OptionNode).merging.defs.filter((d) => d.file !== "upstream.nix"),
  }));
  const text = renderModule({
    header: ["Generated by Grove. Aspects: base, web, ssh, alice."],
    values,
    definitions,
  });
  const json = (v: unknown) => JSON.parse(JSON.stringify(deepForce(v)));
  return { ev, text, json };
}

describe("renderModule", () => {
  it("writes a module file that parses", async () => {
    const { text } = machine();
    dir.write({ "machines/web1.nix": text });
    await dir.parse("machines/web1.nix");
    expect(
      text.startsWith(
        "# Generated by Grove. Aspects: base, web, ssh, alice.\n{ config, lib, pkgs, ... }:\n{\n",
      ),
    ).toBe(true);
  });

  it("evaluated by nixpkgs' lib with upstream's modules, gives exactly Grove's values", async () => {
    const { ev, text, json } = machine();
    dir.write({
      "rt/machine.nix": text,
      "rt/options.nix": upstreamNix,
      "rt/upstream.nix": upstreamDefinitionsNix,
      "rt/check.nix": `let
  lib = import <nixpkgs-lib>;
  pkgs = {
    ripgrep = { type = "derivation"; name = "ripgrep"; outPath = "/nix/store/rg"; };
    stable.fd = { type = "derivation"; name = "fd"; outPath = "/nix/store/fd"; };
  };
  config = (lib.evalModules {
    modules = [ ./options.nix ./upstream.nix ./machine.nix ];
    specialArgs = { inherit pkgs; };
  }).config;
in {
  config = builtins.removeAttrs config [ "_module" "environment" ] // {
    environment.etc = config.environment.etc;
    environment.systemPackages = map (p: p.name) config.environment.systemPackages;
  };
  delayIsFloat = builtins.isFloat config.system.defaults.dock."autohide-delay";
}
`,
    });
    const nix = (await dir.eval("rt/check.nix")) as { config: unknown; delayIsFloat: boolean };
    const grove = json({
      networking: ev.config.networking,
      nixpkgs: ev.config.nixpkgs,
      system: ev.config.system,
      services: ev.config.services,
      users: ev.config.users,
      environment: {
        etc: ev.config.environment.etc,
        systemPackages: ev.config.environment.systemPackages.map((p: { name: string }) => p.name),
      },
    });
    expect(nix.config).toEqual(grove);
    expect(nix.delayIsFloat).toBe(true);
    // The merge involved upstream's definitions: mkDefault lost, mkOrder 2000 came last.
    expect(grove.services.openssh.enable).toBe(true);
    expect(grove.networking.firewall.allowedTCPPorts).toEqual([80, 443, 22, 9]);
  });

  it("is byte-identical from run to run, whatever order the options are listed in", () => {
    const a = machine().text;
    const b = machine().text;
    expect(b).toBe(a);
    const defs = [
      { path: ["b", "x"], definitions: [{ file: "f.ts", value: 1 }] },
      { path: ["a"], definitions: [{ file: "g.ts", value: mkDefault(2) }] },
    ];
    expect(renderModule({ definitions: defs })).toBe(renderModule({ definitions: [...defs].reverse() }));
  });

  it("lays values and definitions out as one attribute tree", () => {
    const text = renderModule({
      header: ["Generated by Grove.", ""],
      values: {
        networking: { hostName: "web1" },
        home: { users: { alice: nixExpr("import ../homes/alice.nix") } },
      },
      definitions: [
        {
          path: ["networking", "firewall", "allowedTCPPorts"],
          definitions: [
            { file: "modules/ssh.ts", line: 3, value: [22] },
            { file: "modules/web.ts", line: 8, value: mkOrder(500, [80, 443]) },
          ],
        },
        {
          path: ["services", "openssh", "enable"],
          definitions: [{ file: "modules/ssh.ts", line: 4, value: true }],
        },
      ],
    });
    expect(text).toBe(`# Generated by Grove.
#
{ config, lib, pkgs, ... }:
{
  home.users.alice = import ../homes/alice.nix;

  networking = {
    firewall.allowedTCPPorts = lib.mkMerge [
      # modules/ssh.ts:3
      [ 22 ]
      # modules/web.ts:8
      (lib.mkBefore [ 80 443 ])
    ];
    hostName = "web1";
  };

  # modules/ssh.ts:4
  services.openssh.enable = true;
}
`);
  });

  it("puts a definition's comment on its own attribute only", () => {
    const text = renderModule({
      values: { a: { x: 1 } },
      definitions: [{ path: ["a", "z"], definitions: [{ file: "z.ts", line: 1, value: 2 }] }],
    });
    expect(text).toBe(`{ config, lib, pkgs, ... }:
{
  a = {
    x = 1;
    # z.ts:1
    z = 2;
  };
}
`);
  });

  it("an empty module is still a module", async () => {
    dir.write({ "empty.nix": renderModule({}) });
    await dir.parse("empty.nix");
    expect(renderModule({})).toBe("{ config, lib, pkgs, ... }:\n{ }\n");
  });

  it("refuses a value and definitions at one path: an option is either declared or passed through", () => {
    const definitions = [{ path: ["a", "b"], definitions: [{ file: "f.ts", value: 1 }] }];
    expect(() => renderModule({ values: { a: { b: 2 } }, definitions })).toThrow(
      /both a value and definitions/,
    );
    expect(() => renderModule({ values: { a: 5 }, definitions })).toThrow(/not an attribute set/);
  });

  it("does not change the values it is given", () => {
    const values = { a: { c: 1 } };
    renderModule({ values, definitions: [{ path: ["a", "b"], definitions: [{ file: "f.ts", value: 1 }] }] });
    expect(values).toEqual({ a: { c: 1 } });
  });
});
