import { user } from "grove";

export default user("bob", {
  fullName: "Bob Builder",
  email: "bob@example.org",
  sshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJvYnN0ZXN0a2V5Zm9yYm9ib25seWV4YW1wbGUx bob@obsidian"],
  shell: "zsh",
  home: ["shell", "development"],
});
