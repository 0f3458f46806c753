import { machine } from "grove";

export default {
  imports: [
    machine("cinnabar", {
      class: "nixos",
      system: "x86_64-linux",
      tags: ["server", "web"],
      deploy: { host: "cinnabar.example.org" },
      aspects: ["base", "ssh", "web", "backup"],
      users: { alice: [] },
      module: ({ lib }) => ({
        networking: { firewall: { allowedTCPPorts: lib.mkForce([22, 80, 443]) } },
        boot: { loader: { "systemd-boot": { enable: true } } },
      }),
    }),
    machine("basalt", {
      class: "nixos",
      system: "aarch64-linux",
      tags: ["server"],
      deploy: { host: "basalt.example.org", port: 2222 },
      aspects: ["base", "ssh", "monitoring", "backup"],
      users: { bob: [] },
    }),
  ],
};
