/**
 * A machine's deploy commands on the deploying side (pure): build its system closure from the
 * flake `grove build` renders, and copy it to the target with `nix copy` over the run's shared SSH
 * connection. The target side (profile, switch, rollback) is `systemScript` in script.ts.
 */
import type { SystemClass } from "./script.js";
import type { DeployAddress } from "./select.js";
import { type SshOptions, sshOptions } from "./ssh.js";

/** A machine ready for deploying: its class and the flake output of its system. */
export interface MachineTarget {
  cls: SystemClass;
  /** `path:<flake>#nixosConfigurations.<name>.config.system.build.toplevel` (darwin: `….system`). */
  installable: string;
}

/** Where the system closure is built: here, or on the target from the copied derivation. */
export type BuildOn = "local" | "target";

const features = ["--extra-experimental-features", "nix-command flakes"];

/**
 * The installable of a machine's system in a rendered flake folder. `path:` so Nix takes the folder
 * as it is, not only the files git tracks (the output usually lives inside the fleet's repository).
 *
 * @example
 * systemInstallable("/fleet/.grove/deploy/nix", "nixos", "web1")
 * // "path:/fleet/.grove/deploy/nix#nixosConfigurations.web1.config.system.build.toplevel"
 */
export function systemInstallable(flake: string, cls: SystemClass, name: string): string {
  const attr =
    cls === "nixos"
      ? `nixosConfigurations.${name}.config.system.build.toplevel`
      : `darwinConfigurations.${name}.system`;
  return `path:${flake}#${attr}`;
}

/** `nix build`: builds the system here and prints what it built as JSON (see {@link builtPath}). */
export function buildArgs(m: MachineTarget): string[] {
  return [...features, "build", "--no-link", "--json", m.installable];
}

/** The store path `nix build --json` reports (`[{ "outputs": { "out": … } }]`), if any. */
export function builtPath(json: string): string | undefined {
  try {
    const out = (JSON.parse(json) as { outputs?: { out?: unknown } }[])[0]?.outputs?.out;
    return typeof out === "string" ? out : undefined;
  } catch {
    return undefined;
  }
}

/** `nix eval`: the system's derivation, for building it on the target. */
export function derivationArgs(m: MachineTarget): string[] {
  return [...features, "eval", "--raw", `${m.installable}.drvPath`];
}

/** `nix copy` of a store path (a derivation's closure with `derivation`) to the target. */
export function copyArgs(
  address: DeployAddress & { host: string },
  path: string,
  derivation: boolean,
): string[] {
  return [
    ...features,
    "copy",
    ...(derivation ? ["--derivation"] : []),
    "--to",
    `ssh://${address.user}@${address.host}`,
    path,
  ];
}

/**
 * `NIX_SSHOPTS` for `nix copy`: the run's own ssh options, so the copy goes over the shared
 * connection with the same host key checking and ssh_config. (Nix splits it at spaces: a config or
 * socket path with a space in it cannot be passed.)
 */
export function nixSshOpts(address: DeployAddress, opts: SshOptions): string {
  return ["-o", "ControlMaster=no", ...sshOptions(address, opts)].join(" ");
}
