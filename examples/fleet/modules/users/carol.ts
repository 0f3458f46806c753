import { user } from "grove";

export default user("carol", {
  fullName: "Carol Researcher",
  email: "carol@example.org",
  shell: "bash",
  home: ["shell", "python"],
});
