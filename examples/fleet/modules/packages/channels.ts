// Channels and a stable fallback: `pkgs.stable.x` takes x from the stable channel; a fallback
// takes a package from another channel everywhere, with the reason kept in the Nix output.
export default {
  config: {
    packages: {
      fallbacks: {
        neovim: { channel: "stable", reason: "0.11 on unstable breaks our treesitter setup" },
      },
    },
  },
};
