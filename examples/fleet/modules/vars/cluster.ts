// One value shared by every server: a token the monitoring agents present to each other.
import { generator } from "grove";

export default generator("monitoring-token", {
  tags: ["server"],
  share: true,
  files: { token: { secret: true } },
  script: "od -An -tx1 -N32 /dev/urandom | tr -d ' \\n' > $out/token\n",
});
