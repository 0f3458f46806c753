/** The `home` class: one user's environment (what home-manager configures). */
import { mkEnableOption, mkOption, types } from "../lib/index.js";
import { deployOptions } from "./deploy.js";
import { passthrough } from "./passthrough.js";

const {
  attrsOf,
  bool,
  coercedTo,
  either,
  int,
  lines,
  listOf,
  nullOr,
  package: pkg,
  port,
  str,
  submodule,
} = types;

/** A file in the home (or under an XDG folder): its content and how it is placed. */
export const fileEntry = submodule(({ name }: { name: string }) => ({
  options: {
    enable: mkOption({ type: bool, default: true, description: "Whether this file is created." }),
    target: mkOption({ type: str, default: name, description: "Path relative to the home (or XDG folder)." }),
    text: mkOption({ type: nullOr(lines), default: null, description: "The file's content." }),
    source: mkOption({
      type: nullOr(str),
      default: null,
      description: "A file or folder of the fleet repository to copy.",
    }),
    executable: mkOption({
      type: nullOr(bool),
      default: null,
      description: "Whether the file is executable.",
    }),
    recursive: mkOption({
      type: bool,
      default: false,
      description: "Link a folder's files one by one instead of the folder.",
    }),
    onChange: mkOption({
      type: lines,
      default: "",
      description: "Shell commands to run when the file's content changed.",
    }),
    force: mkOption({
      type: bool,
      default: false,
      description: "Replace an existing file that Grove does not manage.",
    }),
    mutable: mkOption({
      type: bool,
      default: false,
      description: "Copy instead of link, for files applications rewrite.",
    }),
  },
}));

/** An activation step, as home-manager's DAG entries are written: `{ data, after, before }`. */
const activationStep = submodule({
  options: {
    data: mkOption({ type: lines, description: "The shell commands (run with `/bin/sh`)." }),
    after: mkOption({ type: listOf(str), default: [], description: "Steps this one runs after." }),
    before: mkOption({ type: listOf(str), default: [], description: "Steps this one runs before." }),
  },
});

const shellOptions = (name: string) => ({
  enable: mkEnableOption(name),
  shellAliases: mkOption({ type: attrsOf(str), default: {}, description: "Aliases for this shell." }),
  initExtra: mkOption({
    type: lines,
    default: "",
    description: "Lines added to the shell's interactive start-up file.",
  }),
});

const matchBlock = submodule(({ name }: { name: string }) => ({
  options: {
    host: mkOption({ type: str, default: name, description: "The `Host` pattern." }),
    hostname: mkOption({ type: nullOr(str), default: null, description: "The real host name." }),
    user: mkOption({ type: nullOr(str), default: null, description: "The remote user." }),
    port: mkOption({ type: nullOr(port), default: null, description: "The remote port." }),
    identityFile: mkOption({ type: listOf(str), default: [], description: "Private keys to offer." }),
    proxyJump: mkOption({ type: nullOr(str), default: null, description: "A jump host." }),
  },
}));

export const homeModule = {
  _file: "grove/classes/home",
  key: "grove/classes/home",
  _class: "home",
  options: {
    home: {
      username: mkOption({ type: str, description: "The user this home belongs to." }),
      homeDirectory: mkOption({ type: str, description: "The absolute path of the home folder." }),
      stateVersion: mkOption({
        type: str,
        default: "25.05",
        description: "The home-manager release the home's state was created with.",
      }),
      packages: mkOption({
        type: listOf(pkg),
        default: [],
        description: "Packages in the user's profile (need Nix).",
      }),
      sessionVariables: mkOption({
        type: attrsOf(either(str, int)),
        default: {},
        description: "Environment variables set for the user's sessions.",
      }),
      file: mkOption({ type: attrsOf(fileEntry), default: {}, description: "Files in the home folder." }),
      activation: mkOption({
        type: attrsOf(coercedTo(lines, (data) => ({ data }), activationStep)),
        default: {},
        description:
          "Shell commands run when the home is activated, ordered by `after`/`before` around `writeBoundary` and `linkGeneration`; a plain string runs anywhere.",
      }),
    },
    secrets: mkOption({
      type: attrsOf(
        submodule({
          options: {
            target: mkOption({
              type: str,
              description:
                "Where the secret appears, relative to the home (a link into the private runtime folder).",
            }),
            mode: mkOption({
              type: str,
              default: "0400",
              description:
                'The decrypted file\'s mode, in octal: readable by the owner (the login user, who stays its owner), never executable, writable by the owner only — e.g. "0400", "0440", "0600". Its folders stay 0700.',
            }),
          },
        }),
      ),
      default: {},
      description:
        "Secrets of the fleet's store (`sops/secrets/<name>`), decrypted at activation into a private runtime folder (0700; each file with its `mode`, default 0400) and linked at `target`.",
    }),
    deploy: deployOptions,
    xdg: {
      configFile: mkOption({
        type: attrsOf(fileEntry),
        default: {},
        description: "Files under `~/.config`.",
      }),
      dataFile: mkOption({
        type: attrsOf(fileEntry),
        default: {},
        description: "Files under `~/.local/share`.",
      }),
    },
    programs: {
      git: {
        enable: mkEnableOption("git"),
        userName: mkOption({ type: nullOr(str), default: null, description: "`user.name`." }),
        userEmail: mkOption({ type: nullOr(str), default: null, description: "`user.email`." }),
        ignores: mkOption({ type: listOf(str), default: [], description: "Global ignore patterns." }),
        extraConfig: mkOption({
          type: passthrough,
          default: {},
          description: "More git configuration, by section.",
        }),
      },
      ssh: {
        enable: mkEnableOption("the SSH client configuration"),
        matchBlocks: mkOption({
          type: attrsOf(matchBlock),
          default: {},
          description: "`Host` blocks of `~/.ssh/config`.",
        }),
      },
      zsh: shellOptions("zsh"),
      bash: shellOptions("bash"),
      fish: shellOptions("fish"),
      starship: {
        enable: mkEnableOption("the starship prompt"),
        settings: mkOption({ type: passthrough, default: {}, description: "`starship.toml`, as a value." }),
      },
    },
  },
};
