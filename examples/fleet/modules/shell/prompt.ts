import { aspect } from "grove";

export default aspect("prompt", {
  includes: ["shell"],
  home: {
    programs: {
      starship: {
        enable: true,
        settings: { add_newline: false, character: { success_symbol: "[➜](bold green)" } },
      },
    },
  },
});
