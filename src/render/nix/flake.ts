/**
 * The generated `flake.nix`: inputs for the channels, nix-darwin, home-manager, sops-nix and the
 * overlays of other flakes; one configuration per machine and standalone home, each made of the
 * shared wiring plus its generated module; the package overlay; and a check per configuration.
 */

import { nixPath } from "./expr.js";
import { attrName } from "./names.js";
import { quotedString } from "./strings.js";
import { byCodeUnits } from "./value.js";

/**
 * A flake input: a URL, and whether its `nixpkgs` input follows the default channel.
 *
 * @example
 * const hm: FlakeInput = { name: "home-manager", url: "github:nix-community/home-manager", followsNixpkgs: true };
 */
export interface FlakeInput {
  readonly name: string;
  readonly url: string;
  readonly followsNixpkgs: boolean;
}

/**
 * What the flake is made of. Machines and homes name their module files relative to the flake.
 *
 * @example
 * const flake: FlakeContents = {
 *   inputs: [{ name: "nixpkgs-unstable", url: "github:NixOS/nixpkgs/nixos-unstable", followsNixpkgs: false }],
 *   nixpkgsInput: "nixpkgs-unstable",
 *   machines: [{ name: "web1", class: "nixos", system: "x86_64-linux", module: "./machines/web1.nix" }],
 *   homes: [],
 * };
 */
export interface FlakeContents {
  readonly inputs: readonly FlakeInput[];
  /** The input machines and standalone homes take nixpkgs from (the default channel's). */
  readonly nixpkgsInput: string;
  readonly machines: readonly { name: string; class: "nixos" | "darwin"; system: string; module: string }[];
  /** Standalone homes (`user@host`), built with home-manager alone. */
  readonly homes: readonly { id: string; system: string; module: string }[];
  /** Comment lines at the top of the file. */
  readonly header?: readonly string[] | undefined;
}

/** The upstream flakes every fleet's output uses. */
export const upstreamInputs: readonly FlakeInput[] = [
  { name: "home-manager", url: "github:nix-community/home-manager", followsNixpkgs: true },
  { name: "nix-darwin", url: "github:nix-darwin/nix-darwin", followsNixpkgs: true },
  { name: "sops-nix", url: "github:Mic92/sops-nix", followsNixpkgs: true },
];

function inputs(flake: FlakeContents): string {
  let out = "  inputs = {\n";
  const sorted = [...flake.inputs].sort((a, b) => byCodeUnits(a.name, b.name));
  for (const i of sorted) {
    const name = attrName(i.name);
    if (!i.followsNixpkgs) {
      out += `    ${name}.url = ${quotedString(i.url)};\n`;
      continue;
    }
    out += `    ${name} = {\n`;
    out += `      url = ${quotedString(i.url)};\n`;
    out += `      inputs.nixpkgs.follows = ${quotedString(flake.nixpkgsInput)};\n`;
    out += "    };\n";
  }
  return `${out}  };\n`;
}

/** `name = value;` lines of a set, one per entry, or `{ }`. */
function set(entries: readonly [string, string][], indent: string): string {
  if (entries.length === 0) return "{ }";
  let out = "{\n";
  for (const [k, v] of entries) out += `${indent}  ${k} = ${v};\n`;
  return `${out}${indent}}`;
}

function operand(path: string): string {
  const p = nixPath(path);
  return p.needsParens ? `(${p.text})` : p.text;
}

/** The per-system checks: each configuration's build, keyed by machine name or home id. */
function checks(flake: FlakeContents): string {
  const bySystem = new Map<string, [string, string][]>();
  const add = (system: string, name: string, expr: string) => {
    let list = bySystem.get(system);
    if (list === undefined) bySystem.set(system, (list = []));
    list.push([attrName(name), expr]);
  };
  for (const m of flake.machines) {
    const n = attrName(m.name);
    add(
      m.system,
      m.name,
      m.class === "nixos"
        ? `self.nixosConfigurations.${n}.config.system.build.toplevel`
        : `self.darwinConfigurations.${n}.system`,
    );
  }
  for (const h of flake.homes)
    add(h.system, h.id, `self.homeConfigurations.${attrName(h.id)}.activationPackage`);
  const systems = [...bySystem.keys()].sort(byCodeUnits);
  return set(
    systems.map((s) => [attrName(s), set(bySystem.get(s)!, "        ")]),
    "      ",
  );
}

/**
 * The text of `flake.nix`. Inputs, configurations and checks are sorted by name, so the same
 * fleet always gives the same bytes.
 *
 * @example
 * renderFlake({ inputs, nixpkgsInput: "nixpkgs-unstable", machines: [web1], homes: [] })
 * // { description = …; inputs = { … }; outputs = inputs@{ self, ... }: let … in { nixosConfigurations = { web1 = …; }; … }; }
 */
export function renderFlake(flake: FlakeContents): string {
  const nixpkgs = `inputs.${attrName(flake.nixpkgsInput)}`;
  const machines = [...flake.machines].sort((a, b) => byCodeUnits(a.name, b.name));
  const homes = [...flake.homes].sort((a, b) => byCodeUnits(a.id, b.id));
  const configurations = (cls: "nixos" | "darwin", builder: string, shared: string) =>
    set(
      machines
        .filter((m) => m.class === cls)
        .map((m) => [attrName(m.name), `${builder} { modules = ${shared} ++ [ ${operand(m.module)} ]; }`]),
      "      ",
    );
  const homeConfigurations = set(
    homes.map((h) => [
      attrName(h.id),
      `inputs.home-manager.lib.homeManagerConfiguration {\n          pkgs = pkgsFor ${quotedString(h.system)};\n          modules = [ ${operand(h.module)} ];\n        }`,
    ]),
    "      ",
  );
  let out = "";
  for (const h of flake.header ?? []) out += `# ${h.replace(/[\r\n]/g, " ")}\n`;
  out += "{\n";
  out += `  description = "The machines and homes of a Grove fleet";\n\n`;
  out += inputs(flake);
  out += "\n  outputs =\n    inputs@{ self, ... }:\n    let\n";
  out += `      inherit (${nixpkgs}) lib;\n`;
  out += "      # The package set of a standalone home: the default channel with the fleet's overlay.\n";
  out += `      pkgsFor = system: import ${nixpkgs} { inherit system; overlays = [ self.overlays.default ]; };\n`;
  out += "      # What every machine has besides its own module: the overlay, home-manager, sops-nix.\n";
  out += "      wiring = {\n";
  out += "        nixpkgs.overlays = [ self.overlays.default ];\n";
  out += "        home-manager.useGlobalPkgs = true;\n";
  out += "        home-manager.useUserPackages = true;\n";
  out += "      };\n";
  out +=
    "      nixosShared = [\n        wiring\n        inputs.home-manager.nixosModules.home-manager\n        inputs.sops-nix.nixosModules.sops\n      ];\n";
  out +=
    "      darwinShared = [\n        wiring\n        inputs.home-manager.darwinModules.home-manager\n        inputs.sops-nix.darwinModules.sops\n      ];\n";
  out += "    in\n    {\n";
  out += "      overlays.default = import ./overlay.nix { inherit inputs lib; };\n\n";
  out += `      nixosConfigurations = ${configurations("nixos", "lib.nixosSystem", "nixosShared")};\n\n`;
  out += `      darwinConfigurations = ${configurations("darwin", "inputs.nix-darwin.lib.darwinSystem", "darwinShared")};\n\n`;
  out += `      homeConfigurations = ${homeConfigurations};\n\n`;
  out += `      checks = ${checks(flake)};\n`;
  out += "    };\n}\n";
  return out;
}
