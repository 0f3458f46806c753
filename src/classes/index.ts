/** The base option sets of each class, imported by every evaluation of that class. */
import { commonModule } from "./common.js";
import { darwinModule } from "./darwin.js";
import { homeModule } from "./home.js";
import { nixosModule } from "./nixos.js";
import { systemModule } from "./system.js";

/** The classes a machine can have. */
export const machineClasses = ["nixos", "darwin"] as const;
export type MachineClass = (typeof machineClasses)[number];

/** Every class Grove knows; aspects may add modules to any of them. */
export const knownClasses = ["nixos", "darwin", "home", "terraform"] as const;

export function classModules(cls: string): unknown[] {
  switch (cls) {
    case "nixos":
      return [commonModule, systemModule, nixosModule];
    case "darwin":
      return [commonModule, systemModule, darwinModule];
    case "home":
      return [commonModule, homeModule];
    default:
      return [commonModule];
  }
}

export { groveOnlyOptions, matchesPattern, type OptionPattern, pinnedDefaults } from "./nix-output.js";
export { isPackageRef, PackageRef, type Pkgs, packageSet } from "./packages.js";
export { passthrough, passthroughValue } from "./passthrough.js";
