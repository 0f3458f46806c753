import { aspect } from "grove";

export default aspect("git", {
  home: {
    programs: {
      git: {
        enable: true,
        ignores: [".direnv", "result"],
        extraConfig: { init: { defaultBranch: "main" }, pull: { rebase: true } },
      },
    },
  },
});
