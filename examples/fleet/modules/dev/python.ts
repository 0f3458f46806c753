// Parametric: what the aspect adds depends on where it is used.
import { aspect } from "grove";

export default aspect("python", {
  includes: ["development"],
  for: ({ machine }) => ({
    home: ({ pkgs }) => ({
      home: {
        packages: machine.tags.includes("gpu")
          ? [pkgs.python3, pkgs.python3Packages.torch, pkgs.python3Packages.numpy]
          : [pkgs.python3, pkgs.python3Packages.numpy],
      },
    }),
  }),
});
