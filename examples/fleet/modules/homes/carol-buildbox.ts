// A standalone home: carol has an account on a shared build machine she does not administer.
import { home } from "grove";

export default home("carol@buildbox", {
  system: "x86_64-linux",
  deploy: { host: "buildbox.example.org", user: "carol" },
  aspects: ["prompt", "git"],
  module: { home: { sessionVariables: { TMPDIR: "/scratch/carol/tmp" } } },
});
