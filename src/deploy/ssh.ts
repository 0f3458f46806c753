/**
 * The system OpenSSH client's command lines (pure). Using `ssh` itself, not a library, keeps the
 * user's `~/.ssh/config`, agent, ProxyJump and `known_hosts` working exactly as in a terminal.
 */
import type { DeployAddress } from "./select.js";

/** How every connection of one deploy run is made. */
export interface SshOptions {
  /** An ssh_config file used instead of `~/.ssh/config` (`ssh -F`). */
  configFile?: string | undefined;
  /** The folder holding the control sockets of this run (short: sockets paths are limited). */
  controlDir: string;
  /** Seconds to wait for a connection. */
  connectTimeout: number;
}

/**
 * The `ssh` options and destination shared by every command to one target. These `-o` options come
 * before any config file's, so ssh_config cannot weaken them: no password prompts, and a host key
 * that is unknown or changed fails the connection instead of being accepted.
 */
export function sshArgs(address: DeployAddress & { host: string }, opts: SshOptions): string[] {
  return [...sshOptions(address, opts), address.host];
}

/** {@link sshArgs} without the destination: what other programs (`nix copy`) pass on to `ssh`. */
export function sshOptions(address: DeployAddress, opts: SshOptions): string[] {
  return [
    ...(opts.configFile === undefined ? [] : ["-F", opts.configFile]),
    "-o",
    "BatchMode=yes",
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    `ConnectTimeout=${opts.connectTimeout}`,
    "-o",
    // %C is a hash of host, port and user: one socket, so one connection, per target.
    `ControlPath=${opts.controlDir}/%C`,
    "-p",
    String(address.port),
    "-l",
    address.user,
  ];
}

/** Opens the target's shared connection in the background (`-f -N`), kept until {@link closeArgs}. */
export function openArgs(address: DeployAddress & { host: string }, opts: SshOptions): string[] {
  return ["-f", "-N", "-o", "ControlMaster=yes", "-o", "ControlPersist=yes", ...sshArgs(address, opts)];
}

/** Runs a command over the shared connection; never opens a second one. */
export function runArgs(
  address: DeployAddress & { host: string },
  opts: SshOptions,
  command: string,
): string[] {
  return ["-o", "ControlMaster=no", ...sshArgs(address, opts), command];
}

/** Asks the shared connection to close. */
export function closeArgs(address: DeployAddress & { host: string }, opts: SshOptions): string[] {
  return ["-O", "exit", ...sshArgs(address, opts)];
}
