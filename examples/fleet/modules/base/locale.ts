import { aspect } from "grove";

export default aspect("base", {
  nixos: ({ lib }) => ({
    time: { timeZone: lib.mkDefault("UTC") },
    i18n: { defaultLocale: "en_US.UTF-8" },
  }),
  darwin: ({ lib }) => ({
    time: { timeZone: lib.mkDefault("Europe/Paris") },
  }),
});
