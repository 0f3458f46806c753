import { mkOption, types } from "../lib/index.js";

/** What every class has: assertions and warnings. */
export const commonModule = {
  _file: "grove/classes/common",
  key: "grove/classes/common",
  options: {
    assertions: mkOption({
      type: types.listOf(
        types.submodule({
          options: {
            assertion: mkOption({ type: types.bool }),
            message: mkOption({ type: types.str }),
          },
        }),
      ),
      default: [],
      description:
        "Conditions the configuration must meet; each failed one stops the build with its message.",
    }),
    warnings: mkOption({
      type: types.listOf(types.str),
      default: [],
      description: "Messages shown when the configuration is built.",
    }),
  },
};
