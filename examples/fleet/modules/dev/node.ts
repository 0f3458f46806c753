import { aspect } from "grove";

export default aspect("node", {
  includes: ["development"],
  home: ({ pkgs }) => ({ home: { packages: [pkgs.nodejs_22, pkgs.pnpm] } }),
});
