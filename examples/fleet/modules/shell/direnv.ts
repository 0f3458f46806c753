import { aspect } from "grove";

export default aspect("direnv", {
  home: ({ pkgs }) => ({
    home: { packages: [pkgs.direnv] },
    programs: { zsh: { initExtra: 'eval "$(direnv hook zsh)"' } },
  }),
});
