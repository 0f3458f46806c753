import { aspect } from "grove";

export default aspect("fonts", {
  darwin: ({ pkgs }) => ({ fonts: { packages: [pkgs["nerd-fonts"]["jetbrains-mono"]] } }),
});
