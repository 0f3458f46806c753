import { machine } from "grove";

export default {
  imports: [
    machine("cinnabar", {
      class: "nixos",
      system: "x86_64-linux",
      tags: ["server", "web", "mesh"],
      deploy: { host: "cinnabar.example.org" },
      aspects: ["base", "ssh", "web", "backup"],
      users: { alice: [] },
      module: ({ lib, vars }) => ({
        networking: { firewall: { allowedTCPPorts: lib.mkForce([22, 80, 443]) } },
        users: { users: { alice: { hashedPasswordFile: vars["alice-password"].files.hash.path } } },
        boot: { loader: { "systemd-boot": { enable: true } } },
      }),
    }),
    machine("basalt", {
      class: "nixos",
      system: "aarch64-linux",
      tags: ["server", "mesh"],
      deploy: { host: "basalt.example.org", port: 2222 },
      aspects: ["base", "ssh", "monitoring", "backup"],
      users: { bob: [] },
    }),
  ],
};
