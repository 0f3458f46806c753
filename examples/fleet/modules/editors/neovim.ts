import { aspect } from "grove";

export default aspect("neovim", {
  home: ({ pkgs, lib }) => ({
    home: {
      packages: [pkgs.neovim],
      sessionVariables: { EDITOR: lib.mkDefault("nvim"), VISUAL: "nvim" },
    },
    xdg: { configFile: { "nvim/init.lua": { text: "vim.opt.number = true\nvim.opt.expandtab = true\n" } } },
  }),
});
