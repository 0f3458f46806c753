/** `deploy.*`: what `grove deploy` reads from a machine's or a home's configuration (Grove-only). */
import { mkOption, types } from "../lib/index.js";

const { attrsOf, nullOr, str, submodule } = types;

const healthCheck = submodule({
  options: {
    command: mkOption({
      type: nullOr(str),
      default: null,
      description: "A shell command run on the target that must exit 0.",
    }),
    tcp: mkOption({
      type: nullOr(str),
      default: null,
      description: "`host:port` that must accept a connection (from the deploying machine).",
    }),
    http: mkOption({
      type: nullOr(str),
      default: null,
      description: "A URL that must answer 2xx (from the deploying machine).",
    }),
    timeout: mkOption({
      type: types.ints.positive,
      default: 30,
      description: "Seconds the check may take to pass (it is retried until then).",
    }),
  },
});

export const deployOptions = {
  healthChecks: mkOption({
    type: attrsOf(healthCheck),
    default: {},
    description:
      "Checks that must pass after a deploy, each with exactly one of `command`, `tcp`, `http`; else the target is rolled back.",
  }),
};
