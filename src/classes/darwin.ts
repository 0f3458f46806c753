import { mkOption, types } from "../lib/index.js";

/** Options only macOS machines (nix-darwin) have (the rest passes through to Nix). */
export const darwinModule = {
  _file: "grove/classes/darwin",
  key: "grove/classes/darwin",
  _class: "darwin",
  options: {
    system: {
      stateVersion: mkOption({ type: types.int, default: 6, description: "The nix-darwin state version." }),
      primaryUser: mkOption({
        type: types.nullOr(types.str),
        default: null,
        description: "The user nix-darwin applies per-user settings to.",
      }),
    },
    nixpkgs: {
      hostPlatform: mkOption({
        type: types.str,
        description: "The platform the machine runs, e.g. `aarch64-darwin`.",
      }),
    },
    homebrew: {
      enable: mkOption({
        type: types.bool,
        default: false,
        description: "Whether nix-darwin manages Homebrew.",
      }),
      casks: mkOption({
        type: types.listOf(types.str),
        default: [],
        description: "Homebrew casks to install.",
      }),
    },
  },
};
