/** `grove deploy`: target selection, home builds, the target's shell program and the SSH runner. */
export { type BuiltHome, buildHome } from "./home.js";
export { type DeployOptions, deploy, type Outcome, type Prepared } from "./run.js";
export { activationScript, type ScriptInput, shellQuote, unpackCommand } from "./script.js";
export { type Candidate, type DeployAddress, type Selected, selectTargets } from "./select.js";
export { closeArgs, openArgs, runArgs, type SshOptions, sshArgs } from "./ssh.js";
