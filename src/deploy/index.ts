/** `grove deploy`: target selection, home and machine builds, the targets' shell programs and the SSH runner. */
export { type HealthCheck, type HealthCheckOptions, healthChecksOf, runHealthCheck } from "./health.js";
export { type BuiltHome, buildHome } from "./home.js";
export {
  type BuildOn,
  buildArgs,
  builtPath,
  copyArgs,
  derivationArgs,
  type MachineTarget,
  nixSshOpts,
  systemInstallable,
} from "./machine.js";
export { type DeployOptions, deploy, type Outcome, type Prepared } from "./run.js";
export {
  activationScript,
  homeState,
  planLockInstallCommand,
  type ScriptInput,
  type SystemClass,
  sealScript,
  shellQuote,
  systemProfile,
  systemScript,
  systemState,
  unpackCommand,
} from "./script.js";
export { type Candidate, type DeployAddress, type Selected, selectTargets } from "./select.js";
export { closeArgs, openArgs, runArgs, type SshOptions, sshArgs, sshOptions } from "./ssh.js";
