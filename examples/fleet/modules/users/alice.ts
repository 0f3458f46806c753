import { user } from "grove";

export default user("alice", {
  fullName: "Alice Example",
  email: "alice@example.org",
  sshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0ZXN0a2V5Zm9yYWxpY2Vvbmx5ZXhhbXBsZQ alice@quartz"],
  shell: "zsh",
  admin: true,
  home: ["shell", "prompt", "git", "ssh-client"],
});
