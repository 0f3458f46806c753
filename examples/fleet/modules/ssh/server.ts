import { aspect } from "grove";

export default aspect("ssh", {
  nixos: ({ lib }) => ({
    services: { openssh: { enable: true, settings: { PasswordAuthentication: false } } },
    networking: { firewall: { allowedTCPPorts: [22] } },
    deploy: { healthChecks: { sshd: { tcp: "127.0.0.1:22", timeout: 10 } } },
    users: { users: { root: { openssh: { authorizedKeys: { keys: lib.mkDefault([]) } } } } },
  }),
  darwin: { services: { openssh: { enable: true } } },
});
