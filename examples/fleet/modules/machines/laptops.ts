import { machine } from "grove";

export default {
  imports: [
    machine("quartz", {
      class: "darwin",
      system: "aarch64-darwin",
      tags: ["laptop"],
      aspects: ["base", "shell", "fonts", "apps"],
      users: { alice: ["python", "rust"] },
      module: { system: { primaryUser: "alice" } },
    }),
    machine("obsidian", {
      class: "darwin",
      system: "aarch64-darwin",
      tags: ["laptop"],
      aspects: ["base", "shell", "fonts", "apps"],
      users: { bob: ["node"] },
      module: { system: { primaryUser: "bob" } },
    }),
  ],
};
