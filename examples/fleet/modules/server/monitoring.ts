import { aspect } from "grove";

export default aspect("monitoring", {
  nixos: ({ config }) => ({
    services: { prometheus: { exporters: { node: { enable: true, port: 9100 } } } },
    networking: { firewall: { allowedTCPPorts: [9100] } },
    deploy: {
      healthChecks: {
        get nodeExporter() {
          return { http: `http://${config.networking.hostName}:9100/metrics`, timeout: 15 };
        },
      },
    },
  }),
});
