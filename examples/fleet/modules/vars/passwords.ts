// A prompted password, stored only as a hash. (The default is a placeholder so that the example
// can be generated without a terminal; a real fleet leaves it out and is asked.)
import { generator } from "grove";

export default generator("alice-password", {
  machines: ["cinnabar"],
  prompts: { password: { type: "hidden", description: "alice's login password", default: "example-only" } },
  dependencies: ["ssh-host-key"],
  // A login password is read when the account is made: decrypted before users are.
  files: { hash: { secret: true, neededFor: "users" } },
  runtimeInputs: ["openssl"],
  script: "openssl passwd -6 -stdin < $prompts/password > $out/hash\n",
});
