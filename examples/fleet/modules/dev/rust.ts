import { aspect } from "grove";

export default aspect("rust", {
  includes: ["development"],
  home: ({ pkgs }) => ({ home: { packages: [pkgs.rustup, pkgs["cargo-nextest"]] } }),
});
