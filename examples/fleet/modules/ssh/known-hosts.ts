// A cross-machine read: every machine knows how to reach every other one, from the project's
// registry (no cycle: the registry does not depend on any machine's configuration).
import { aspect } from "grove";

export default aspect("ssh-client", {
  home: ({ project, machine }) => ({
    programs: {
      ssh: {
        enable: true,
        get matchBlocks() {
          const blocks: Record<string, { hostname: string; user: string; port: number }> = {};
          for (const [name, m] of Object.entries<any>(project.machines)) {
            if (name === machine.name || m.deploy.host === null) continue;
            blocks[name] = { hostname: m.deploy.host, user: m.deploy.user, port: m.deploy.port };
          }
          return blocks;
        },
      },
    },
  }),
});
