import { aspect } from "grove";

export default aspect("base", {
  nixos: ({ pkgs }) => ({ environment: { systemPackages: [pkgs.git, pkgs.curl, pkgs.htop] } }),
  darwin: ({ pkgs }) => ({ environment: { systemPackages: [pkgs.git, pkgs.curl] } }),
});
