/**
 * `home.sessionVariables` as shell files: a POSIX one that sh, bash and zsh source, and a fish one.
 * Each sets the variables once per session (a guard variable), like home-manager's
 * `hm-session-vars.sh`, so sourcing it from several start-up files costs nothing.
 */

import { header, invalid, sortedKeys } from "./generated.js";
import { fishValue, shValue } from "./quote.js";

/** Session variables as evaluated: strings or integers by name. */
export type SessionVariables = Readonly<Record<string, string | number>>;

const name = /^[A-Za-z_][A-Za-z0-9_]*$/;

function entries(vars: SessionVariables): [string, string][] {
  return sortedKeys(vars).map((k) => {
    if (!name.test(k)) {
      throw invalid(
        ["home", "sessionVariables", k],
        `\`${k}\` is not a valid environment variable name (letters, digits and \`_\`, not starting with a digit).`,
      );
    }
    const value = String(vars[k]);
    if (value.includes("\0")) {
      throw invalid(["home", "sessionVariables", k], "An environment variable cannot hold a NUL character.");
    }
    return [k, value];
  });
}

/**
 * The POSIX shell file: `export NAME="value"` per variable, sorted by name. `$NAME` and `${NAME}` in
 * a value expand; every other character is literal.
 *
 * @example
 * renderSessionVarsSh({ EDITOR: "nvim", PATH: "$HOME/bin:$PATH" })
 * // …export EDITOR="nvim"\n  export PATH="${HOME}/bin:${PATH}"…
 */
export function renderSessionVarsSh(vars: SessionVariables): string {
  const lines = entries(vars).map(([k, v]) => `  export ${k}=${shValue(v)}\n`);
  return (
    header("#", "home.sessionVariables") +
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template
    'if [ -z "${__GROVE_SESS_VARS_SOURCED-}" ]; then\n' +
    "  export __GROVE_SESS_VARS_SOURCED=1\n" +
    lines.join("") +
    "fi\n"
  );
}

/**
 * The fish file (placed in `conf.d/`, which fish reads before `config.fish`): `set -gx NAME "value"`
 * per variable, with the same expansion rules as {@link renderSessionVarsSh}.
 *
 * @example
 * renderSessionVarsFish({ EDITOR: "nvim" }) // …set -gx EDITOR "nvim"…
 */
export function renderSessionVarsFish(vars: SessionVariables): string {
  const lines = entries(vars).map(([k, v]) => `    set -gx ${k} ${fishValue(v)}\n`);
  return (
    header("#", "home.sessionVariables") +
    "if not set -q __GROVE_SESS_VARS_SOURCED\n" +
    "    set -gx __GROVE_SESS_VARS_SOURCED 1\n" +
    lines.join("") +
    "end\n"
  );
}
