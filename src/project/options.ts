/** The options of the project evaluation: the registry every fleet file contributes to. */
import { knownClasses, machineClasses } from "../classes/index.js";
import { type Evaluation, lazyAttrs, mkOption, types } from "../lib/index.js";
import { ComputedAttrs } from "../lib/lazy-attrs.js";

const {
  anything,
  attrsOf,
  bool,
  deferredModule,
  enum: oneOfValues,
  lines,
  listOf,
  nullOr,
  port,
  raw,
  str,
  strMatching,
  submodule,
} = types;

/** A registry module wrapped for its consumers: its class (checked), a key (applied once), a file. */
function wrapRegistry(
  value: Record<string, Record<string, unknown>>,
): Record<string, Record<string, unknown>> {
  return lazyAttrs(
    new ComputedAttrs(Object.keys(value), (cls) => {
      const named = value[cls]!;
      return lazyAttrs(
        // The merged deferred module (`{ imports }`) itself, with its class and a key: no extra
        // level of imports, so definitions keep the order Nix gives the same registry.
        new ComputedAttrs(Object.keys(named), (name) => ({
          ...(cls === "generic" ? {} : { _class: cls }),
          _file: `modules.${cls}.${name}`,
          key: `grove:modules.${cls}.${name}`,
          imports: (named[name] as { imports: unknown[] }).imports,
        })),
      );
    }),
  ) as Record<string, Record<string, unknown>>;
}

const aspectOptions = {
  options: {
    includes: mkOption({ type: listOf(str), default: [], description: "Aspects applied with this one." }),
    parametric: mkOption({
      type: listOf(raw),
      default: [],
      description:
        "Functions of `{ machine, user }` giving per-class modules, applied where the aspect is used.",
    }),
    description: mkOption({ type: str, default: "", description: "What the aspect is for." }),
  },
};

const deployOptions = {
  options: {
    host: mkOption({
      type: nullOr(str),
      default: null,
      description: "Address to deploy to; no deploy target when null.",
    }),
    hostFromOutput: mkOption({
      type: nullOr(str),
      default: null,
      description:
        "A terraform output holding the address, used when `host` is null (a machine the fleet's terraform creates).",
    }),
    user: mkOption({ type: str, default: "root", description: "SSH user." }),
    port: mkOption({ type: port, default: 22, description: "SSH port." }),
  },
};

const machineOptions = ({ name }: { name: string }) => ({
  options: {
    name: mkOption({ type: str, default: name, readOnly: true, description: "The machine's name." }),
    class: mkOption({
      type: oneOfValues([...machineClasses]),
      description: "`nixos` (Linux) or `darwin` (macOS).",
    }),
    system: mkOption({ type: str, description: "The platform, e.g. `x86_64-linux` or `aarch64-darwin`." }),
    tags: mkOption({
      type: listOf(str),
      default: [],
      description: "Tags for selection (deploy, inventory).",
    }),
    deploy: mkOption({
      type: submodule(deployOptions),
      default: {},
      description: "How to reach the machine.",
    }),
    aspects: mkOption({ type: listOf(str), default: [], description: "Aspects the machine is made of." }),
    users: mkOption({
      type: attrsOf(listOf(str)),
      default: {},
      description: "Users with a home on this machine, each with the home aspects they get here.",
    }),
    module: mkOption({ type: deferredModule, default: {}, description: "The machine's own configuration." }),
  },
});

const userOptions = ({ name }: { name: string }) => ({
  options: {
    name: mkOption({ type: str, default: name, readOnly: true, description: "Login name." }),
    fullName: mkOption({ type: str, default: name, description: "Full name." }),
    email: mkOption({ type: nullOr(str), default: null, description: "Email address." }),
    sshKeys: mkOption({ type: listOf(str), default: [], description: "SSH public keys." }),
    shell: mkOption({
      type: nullOr(str),
      default: null,
      description: "Default shell (`zsh`, `fish`, `bash`).",
    }),
    admin: mkOption({ type: bool, default: false, description: "Whether the user administers the fleet." }),
    home: mkOption({
      type: listOf(str),
      default: [],
      description: "Home aspects that follow the user to every machine.",
    }),
  },
});

const homeOptions = ({ name }: { name: string }) => {
  const [user, host] = name.split("@");
  return {
    options: {
      user: mkOption({ type: str, default: user ?? name, description: "The user (a name in `users`)." }),
      host: mkOption({ type: str, default: host ?? "", description: "The machine the home lives on." }),
      system: mkOption({ type: str, default: "x86_64-linux", description: "The host's platform." }),
      homeDirectory: mkOption({
        type: nullOr(str),
        default: null,
        description: "The home folder; derived when null.",
      }),
      aspects: mkOption({
        type: listOf(str),
        default: [],
        description: "Home aspects besides the user's own.",
      }),
      deploy: mkOption({
        type: submodule(deployOptions),
        default: {},
        description: "How to reach the host.",
      }),
      module: mkOption({ type: deferredModule, default: {}, description: "The home's own configuration." }),
    },
  };
};

const settingsOption = (of: string) =>
  mkOption({
    type: deferredModule,
    default: {},
    description: `Settings ${of}, a module over the role's interface.`,
  });

const instanceRoleOptions = {
  options: {
    tags: mkOption({
      type: listOf(str),
      default: [],
      description:
        "Every machine with one of these tags holds the role (`all`, `nixos`, `darwin` are built in).",
    }),
    machines: mkOption({
      type: attrsOf(submodule({ options: { settings: settingsOption("for this machine only") } })),
      default: {},
      description: "Machines that hold the role, each with its own settings.",
    }),
    settings: settingsOption("for every machine of the role"),
  },
};

const instanceOptions = ({ name }: { name: string }) => ({
  options: {
    service: mkOption({ type: str, default: name, description: "The service this is an instance of." }),
    roles: mkOption({
      type: attrsOf(submodule(instanceRoleOptions)),
      default: {},
      description: "Who holds which role of the service.",
    }),
    settings: settingsOption("for every role and machine of the instance"),
  },
});

/** A user or group name (as NixOS and darwin allow them): no spaces, colons or slashes. */
const accountName = strMatching("[A-Za-z_][A-Za-z0-9_.-]*");

/** The options of one vars generator: what it produces, asks and needs. */
export const generatorOptions = {
  options: {
    files: mkOption({
      type: attrsOf(
        submodule({
          options: {
            secret: mkOption({
              type: bool,
              default: true,
              description: "Stored encrypted (to the machines that use it and the admins); else plain text.",
            }),
            deploy: mkOption({
              type: bool,
              default: true,
              description: "Whether machines receive the file; when false, only admins can decrypt it.",
            }),
            owner: mkOption({
              type: accountName,
              default: "root",
              description: "Owner of the deployed secret (a user name).",
            }),
            group: mkOption({
              type: nullOr(accountName),
              default: null,
              description:
                "Group of the deployed secret; null: `root`, `wheel` on darwin (which has no root group).",
            }),
            mode: mkOption({
              type: strMatching("[0-7]{4}"),
              default: "0400",
              description: "Mode of the deployed secret: four octal digits, like `0440`.",
            }),
            neededFor: mkOption({
              type: oneOfValues(["services", "users"]),
              default: "services",
              description:
                "`users`: decrypted before user accounts are made (to `/run/secrets-for-users/`), for a `hashedPasswordFile`; such a file stays owned by root.",
            }),
          },
        }),
      ),
      default: {},
      description: "The files the generator must produce.",
    }),
    prompts: mkOption({
      type: attrsOf(
        submodule(({ name }: { name: string }) => ({
          options: {
            description: mkOption({ type: str, default: name, description: "Shown when asking." }),
            type: mkOption({
              type: oneOfValues(["hidden", "line", "multiline"]),
              default: "line",
              description: "How the value is typed: `hidden` (not echoed), `line`, `multiline`.",
            }),
            default: mkOption({
              type: nullOr(str),
              default: null,
              description: "The value taken when the user enters nothing, or when no terminal can ask.",
            }),
          },
        })),
      ),
      default: {},
      description: "Values asked from the user before generating.",
    }),
    dependencies: mkOption({
      type: listOf(str),
      default: [],
      description: "Generators whose files this one reads (from `$in/<generator>/<file>`).",
    }),
    share: mkOption({
      type: bool,
      default: false,
      description: "One value for every machine that declares the generator.",
    }),
    runtimeInputs: mkOption({
      type: listOf(str),
      default: [],
      description:
        "Programs the script runs (looked up on the system PATH); nothing else but basic tools is on its PATH.",
    }),
    script: mkOption({
      type: nullOr(lines),
      default: null,
      description: "A shell script writing each file to `$out/<file>`.",
    }),
    generate: mkOption({
      type: nullOr(raw),
      default: null,
      description:
        "A TypeScript function `({ inputs, prompts, machine }) => ({ file: content })`, instead of `script`.",
    }),
    hostKey: mkOption({
      type: nullOr(str),
      default: null,
      description:
        "A public file holding an `ssh-ed25519` host key: the machine is registered in the secret store with the age recipient derived from it.",
    }),
    machines: mkOption({
      type: listOf(str),
      default: [],
      description: "Machines that use the generator (for generators declared in the project).",
    }),
    tags: mkOption({
      type: listOf(str),
      default: [],
      description: "Machines with one of these tags use the generator.",
    }),
  },
};

/** Declares the project options (`modules`, `aspects`, `machines`, `users`, `homes`, …). */
export const projectModule = {
  _file: "grove/project",
  key: "grove/project",
  _class: "project",
  options: {
    modules: mkOption({
      type: attrsOf(attrsOf(deferredModule)),
      default: Object.fromEntries([...knownClasses, "generic"].map((c) => [c, {}])),
      apply: wrapRegistry,
      description: "Modules by class and name (the dendritic registry); `generic` ones apply to any class.",
    }),
    aspects: mkOption({
      type: attrsOf(submodule(aspectOptions)),
      default: {},
      description: "Features across classes.",
    }),
    machines: mkOption({
      type: attrsOf(submodule(machineOptions)),
      default: {},
      description: "The fleet's machines.",
    }),
    users: mkOption({
      type: attrsOf(submodule(userOptions)),
      default: {},
      description: "The people of the fleet.",
    }),
    homes: mkOption({
      type: attrsOf(submodule(homeOptions)),
      default: {},
      description: "Standalone homes `user@host`, on machines the user does not administer.",
    }),
    systems: mkOption({
      type: listOf(str),
      default: ["x86_64-linux", "aarch64-linux", "aarch64-darwin", "x86_64-darwin"],
      description: "Platforms per-system outputs are made for.",
    }),
    terraform: {
      outputs: mkOption({
        type: attrsOf(anything),
        default: {},
        description:
          "The last applied terraform outputs that are not sensitive (`terraform/<workspace>.outputs.json`).",
      }),
    },
    perSystem: mkOption({
      type: deferredModule,
      default: {},
      description: "Per-system packages, dev shells and checks.",
    }),
    channels: mkOption({
      type: attrsOf(
        submodule({
          options: {
            url: mkOption({ type: str, description: "The flake reference of the channel's nixpkgs." }),
          },
        }),
      ),
      default: {
        unstable: { url: "github:NixOS/nixpkgs/nixos-unstable" },
        stable: { url: "github:NixOS/nixpkgs/nixos-25.05" },
      },
      description: "Named package channels; `pkgs.<channel>.x` takes a package from one.",
    }),
    inventory: {
      services: mkOption({
        type: attrsOf(raw),
        default: {},
        description: "Services with roles, by name (written with `service(name, { roles })`).",
      }),
      instances: mkOption({
        type: attrsOf(submodule(instanceOptions)),
        default: {},
        description: "Service instances: which machines and tags hold which role, with settings.",
      }),
    },
    vars: {
      generators: mkOption({
        type: attrsOf(submodule(generatorOptions)),
        default: {},
        description: "Generators of files and secrets, each used by the machines and tags it names.",
      }),
    },
    packages: {
      fallbacks: mkOption({
        type: attrsOf(
          submodule({
            options: {
              channel: mkOption({ type: str, description: "The channel to take the package from." }),
              reason: mkOption({ type: str, description: "Why (shown as a comment in the Nix output)." }),
            },
          }),
        ),
        default: {},
        description: "Packages taken from another channel than the default, each with its reason.",
      }),
      overrides: mkOption({
        type: attrsOf(
          submodule({
            options: {
              attrs: mkOption({
                type: attrsOf(anything),
                description: "Derivation attributes to change (`overrideAttrs`), e.g. `{ doCheck: false }`.",
              }),
              reason: mkOption({ type: str, description: "Why (shown as a comment in the Nix output)." }),
            },
          }),
        ),
        default: {},
        description: "Per-package build changes, applied after the fallbacks.",
      }),
      overlays: mkOption({
        type: attrsOf(
          submodule({
            options: {
              url: mkOption({
                type: str,
                description: "The flake reference of the flake (an input of the output).",
              }),
              overlay: mkOption({
                type: str,
                default: "default",
                description: "Which of the flake's `overlays` to apply.",
              }),
            },
          }),
        ),
        default: {},
        description: "Overlays from other flakes, by input name, applied after the overrides.",
      }),
      custom: {
        directory: mkOption({
          type: nullOr(str),
          default: null,
          description:
            "A folder of the fleet with package definitions (`<name>.nix` or `<name>/package.nix`, called with `callPackage`), applied last: they shadow nixpkgs packages of the same name.",
        }),
        exclude: mkOption({
          type: listOf(str),
          default: [],
          description: "Packages of `directory` left out (the nixpkgs package of that name stays).",
        }),
      },
    },
  },
};

export type ProjectEvaluation = Evaluation;
