// Every machine's SSH host key, generated once: the public key feeds every machine's known_hosts
// (modules/ssh/known-hosts.ts), the private key is the machine's age identity for its secrets.
import { generator } from "grove";

export default generator("ssh-host-key", {
  tags: ["all"],
  files: { private: { secret: true, mode: "0600" }, public: { secret: false } },
  runtimeInputs: ["ssh-keygen"],
  script: 'ssh-keygen -q -t ed25519 -N "" -C "" -f $out/private\nmv $out/private.pub $out/public\n',
  hostKey: "public",
});
