// One feature, three classes, one file.
import { aspect } from "grove";

export default aspect("shell", {
  nixos: { programs: { zsh: { enable: true } } },
  darwin: { programs: { zsh: { enable: true } } },
  home: ({ config, pkgs }) => ({
    programs: {
      zsh: {
        enable: true,
        shellAliases: { ll: "ls -l", gs: "git status" },
      },
    },
    home: { packages: [pkgs.ripgrep, pkgs.fd, pkgs.jq] },
    // A getter is lazy: it reads config only when the value is needed.
    get xdg() {
      return { configFile: { "zsh/host": { text: `${config.home.username}\n` } } };
    },
  }),
});
