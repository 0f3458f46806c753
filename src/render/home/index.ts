/**
 * Renderers of the files a home's `programs.*` and `home.sessionVariables` produce: pure functions
 * from evaluated options to file text, byte-deterministic.
 */
export { type GitOptions, renderGitConfig, renderGitIgnore } from "./git.js";
export { fishSingleQuoted, fishValue, shSingleQuoted, shValue, splitReferences } from "./quote.js";
export { renderSessionVarsFish, renderSessionVarsSh, type SessionVariables } from "./session-vars.js";
export { renderShellFiles, type ShellOptions, type ShellsInput } from "./shells.js";
export { type MatchBlock, renderSshConfig } from "./ssh.js";
export { renderStarshipToml } from "./starship.js";
