/** Options shared by the two system classes, `nixos` and `darwin`. */
import { mkEnableOption, mkOption, types } from "../lib/index.js";
import { deployOptions } from "./deploy.js";
import { passthrough } from "./passthrough.js";

const { attrsOf, bool, listOf, nullOr, package: pkg, port, str, submodule, either, int } = types;

const userOptions = ({ name }: { name: string }) => ({
  // NixOS and nix-darwin have many more user options; those Grove does not declare pass through.
  freeformType: passthrough,
  options: {
    name: mkOption({ type: str, default: name, description: "The user's login name." }),
    description: mkOption({ type: str, default: "", description: "The user's full name." }),
    home: mkOption({
      type: nullOr(str),
      default: null,
      description: "The home folder; the platform default when null.",
    }),
    shell: mkOption({ type: nullOr(either(pkg, str)), default: null, description: "The login shell." }),
    uid: mkOption({ type: nullOr(int), default: null, description: "The numeric user id." }),
    isNormalUser: mkOption({
      type: bool,
      default: false,
      description: "Whether this is a real (non-system) user.",
    }),
    extraGroups: mkOption({
      type: listOf(str),
      default: [],
      description: "Groups the user belongs to besides its own.",
    }),
    hashedPasswordFile: mkOption({
      type: nullOr(str),
      default: null,
      description: "A file holding the password hash (e.g. a generated var's path).",
    }),
    openssh: {
      authorizedKeys: {
        keys: mkOption({
          type: listOf(str),
          default: [],
          description: "SSH public keys that may log in as this user.",
        }),
      },
    },
  },
});

export const systemModule = {
  _file: "grove/classes/system",
  key: "grove/classes/system",
  options: {
    networking: {
      hostName: mkOption({ type: str, description: "The machine's host name." }),
      domain: mkOption({ type: nullOr(str), default: null, description: "The machine's domain." }),
      firewall: {
        enable: mkOption({ type: bool, default: true, description: "Whether the firewall is on." }),
        allowedTCPPorts: mkOption({
          type: listOf(port),
          default: [],
          description: "TCP ports open to the network.",
        }),
        allowedUDPPorts: mkOption({
          type: listOf(port),
          default: [],
          description: "UDP ports open to the network.",
        }),
      },
    },
    users: {
      users: mkOption({ type: attrsOf(submodule(userOptions)), default: {}, description: "User accounts." }),
    },
    environment: {
      systemPackages: mkOption({
        type: listOf(pkg),
        default: [],
        description: "Packages installed system-wide.",
      }),
      variables: mkOption({
        type: attrsOf(str),
        default: {},
        description: "Environment variables for every user.",
      }),
      shellAliases: mkOption({
        type: attrsOf(str),
        default: {},
        description: "Shell aliases for every user.",
      }),
    },
    programs: {
      zsh: { enable: mkEnableOption("zsh as a login shell") },
      fish: { enable: mkEnableOption("fish as a login shell") },
      bash: { enable: mkEnableOption("bash completion and configuration") },
    },
    services: {
      openssh: {
        enable: mkEnableOption("the OpenSSH server"),
        ports: mkOption({
          type: listOf(port),
          default: [22],
          description: "Ports the SSH server listens on.",
        }),
      },
    },
    time: {
      timeZone: mkOption({
        type: nullOr(str),
        default: null,
        description: "The time zone, e.g. `Europe/Paris`.",
      }),
    },
    deploy: deployOptions,
  },
};
