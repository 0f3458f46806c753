import { machine } from "grove";

export default machine("tensor", {
  class: "nixos",
  system: "x86_64-linux",
  tags: ["cloud", "gpu", "mesh"],
  deploy: { host: "10.0.0.7", user: "root" },
  aspects: ["base", "ssh", "nvidia", "monitoring", "gpu-cloud"],
  users: { carol: ["cuda-dev"] },
});
