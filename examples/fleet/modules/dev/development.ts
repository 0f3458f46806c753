import { aspect } from "grove";

export default aspect("development", {
  description: "A programmer's environment",
  includes: ["git", "direnv", "neovim"],
  home: ({ pkgs }) => ({ home: { packages: [pkgs.gnumake, pkgs.gcc] } }),
});
