import { aspect } from "grove";

export default aspect("backup", {
  nixos: ({ machine }) => ({
    services: {
      restic: {
        backups: {
          daily: {
            repository: `sftp:backup@vault.example.org:/srv/restic/${machine.name}`,
            paths: ["/var/lib", "/home"],
            timerConfig: { OnCalendar: "daily" },
          },
        },
      },
    },
  }),
});
