import { aspect } from "grove";

export default aspect("apps", {
  darwin: { homebrew: { enable: true, casks: ["firefox", "raycast"] } },
});
