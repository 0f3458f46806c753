import { mkOption, types } from "../lib/index.js";

/** Options only NixOS machines have (the rest of NixOS passes through to Nix). */
export const nixosModule = {
  _file: "grove/classes/nixos",
  key: "grove/classes/nixos",
  _class: "nixos",
  options: {
    system: {
      stateVersion: mkOption({
        type: types.str,
        default: "25.05",
        description: "The NixOS release the machine's state was created with.",
      }),
    },
    nixpkgs: {
      hostPlatform: mkOption({
        type: types.str,
        description: "The platform the machine runs, e.g. `x86_64-linux`.",
      }),
    },
  },
};
