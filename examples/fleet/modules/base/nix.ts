// The base every machine gets: Nix itself, time, a few tools. Split over several files
// (base/nix.ts, base/locale.ts, base/tools.ts): each adds to the same aspect.
import { aspect } from "grove";

export default aspect("base", {
  description: "What every machine has",
  nixos: {
    nix: {
      settings: { "experimental-features": ["nix-command", "flakes"], "trusted-users": ["root", "@wheel"] },
    },
    services: { openssh: { enable: true } },
  },
  darwin: {
    nix: { settings: { "experimental-features": ["nix-command", "flakes"] } },
  },
});
