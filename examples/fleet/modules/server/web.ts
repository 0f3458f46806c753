import { aspect } from "grove";

export default aspect("web", {
  includes: ["monitoring"],
  nixos: ({ lib }) => ({
    services: {
      nginx: {
        enable: true,
        recommendedTlsSettings: true,
        virtualHosts: { "example.org": { enableACME: true, forceSSL: true, root: "/var/www" } },
      },
    },
    networking: { firewall: { allowedTCPPorts: lib.mkAfter([80, 443]) } },
  }),
});
