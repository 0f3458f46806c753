/**
 * The project evaluation: every discovered file as a module of class `project`, and from it,
 * on demand, each machine's and each home's own evaluation.
 */
import { classModules, type Pkgs, packageSet, passthroughValue } from "../classes/index.js";
import { terraformModules, terraformSpecialArgs } from "../classes/terraform/index.js";
import { GroveError } from "../errors.js";
import { type Evaluation, evalModules, force, mkDefault, mkOption, types } from "../lib/index.js";
import { nearest } from "../lib/show.js";
import { projectModule } from "./options.js";
import { type Registry, resolveAspects } from "./resolve.js";
import type { MachineInfo, UserInfo } from "./sugar.js";

interface MachineEntry extends MachineInfo {
  aspects: string[];
  users: Record<string, string[]>;
  module: unknown;
}

interface UserEntry extends UserInfo {
  admin: boolean;
  home: string[];
}

interface HomeEntry {
  user: string;
  host: string;
  system: string;
  homeDirectory: string | null;
  aspects: string[];
  deploy: MachineInfo["deploy"];
  module: unknown;
}

/** Where a home lives and what it is made of: integrated (on a fleet machine) or standalone. */
export interface HomeTarget {
  readonly id: string;
  readonly user: string;
  readonly host: string;
  readonly standalone: boolean;
}

/** What a per-system evaluation declares: the flake's per-system outputs. */
const perSystemModule = {
  _file: "grove/perSystem",
  key: "grove/perSystem",
  options: {
    packages: mkOption({
      type: types.lazyAttrsOf(types.raw),
      default: {},
      description: "Packages built for this system.",
    }),
    devShells: mkOption({
      type: types.lazyAttrsOf(types.raw),
      default: {},
      description: "Development shells (`nix develop`).",
    }),
    checks: mkOption({
      type: types.lazyAttrsOf(types.raw),
      default: {},
      description: "Checks run by `nix flake check`.",
    }),
  },
};

function defaultHomeDirectory(user: string, system: string): string {
  if (user === "root") return system.endsWith("-darwin") ? "/var/root" : "/root";
  return system.endsWith("-darwin") ? `/Users/${user}` : `/home/${user}`;
}

/** What an extension adds to one machine's or home's evaluation. */
export interface ExtensionParts {
  readonly modules?: readonly unknown[];
  /** Extra module arguments (special arguments, readable while modules are collected). */
  readonly args?: Record<string, unknown>;
}

/**
 * A layer built on the project (the inventory) that adds modules and module arguments to the
 * evaluations of machines and homes. It reads only the project configuration, never a machine's
 * evaluated configuration, so it cannot make an evaluation depend on itself.
 *
 * @example
 * const extension: ProjectExtension = {
 *   machine: (project, name) => ({ modules: [{ networking: { domain: "example.org" } }] }),
 * };
 * evaluateProject(files, [extension]).machine("cinnabar");
 */
export interface ProjectExtension {
  machine?(project: Project, name: string): ExtensionParts;
  /** `host` is the machine the home lives on (for standalone homes, possibly not a fleet machine). */
  home?(project: Project, id: string, host: string): ExtensionParts;
}

function gather(parts: readonly ExtensionParts[]): { modules: unknown[]; args: Record<string, unknown> } {
  return {
    modules: parts.flatMap((p) => p.modules ?? []),
    args: Object.assign({}, ...parts.map((p) => p.args ?? {})),
  };
}

/**
 * A fleet, evaluated lazily: nothing about a machine is computed until that machine is asked for.
 *
 * @example
 * const project = evaluateProject(files);
 * project.machine("cinnabar").config.networking.hostName;
 */
export class Project {
  readonly #machines = new Map<string, Evaluation>();
  readonly #homes = new Map<string, Evaluation>();
  #pkgs: Pkgs | undefined;
  #terraform: Evaluation | undefined;
  readonly #perSystem = new Map<string, Evaluation>();

  constructor(
    readonly evaluation: Evaluation,
    readonly extensions: readonly ProjectExtension[] = [],
    readonly cache = true,
  ) {}

  /** The project configuration (`machines`, `users`, `homes`, `modules`, …). */
  get config(): Record<string, any> {
    return this.evaluation.config;
  }

  get pkgs(): Pkgs {
    return (this.#pkgs ??= packageSet(Object.keys(this.config.channels)));
  }

  private get registry(): Registry {
    return { modules: this.config.modules, aspects: this.config.aspects };
  }

  #machineNames: readonly string[] | undefined;

  /** The machines' names, sorted (kept: every home evaluation asks whether its host is one). */
  machineNames(): readonly string[] {
    return (this.#machineNames ??= Object.freeze(Object.keys(this.config.machines).sort()));
  }

  /** Every home: integrated ones (`user@machine` for each user of each machine) and standalone ones. */
  homeTargets(): HomeTarget[] {
    const out: HomeTarget[] = [];
    for (const m of this.machineNames()) {
      for (const u of Object.keys(this.config.machines[m].users).sort()) {
        out.push({ id: `${u}@${m}`, user: u, host: m, standalone: false });
      }
    }
    for (const id of Object.keys(this.config.homes).sort()) {
      const h = this.config.homes[id] as HomeEntry;
      out.push({ id, user: h.user, host: h.host, standalone: true });
    }
    return out;
  }

  private machineEntry(name: string): MachineEntry {
    const machines = this.config.machines;
    if (!Object.hasOwn(machines, name)) {
      const near = nearest(name, Object.keys(machines), 1);
      throw new GroveError("UnknownMachine", `There is no machine \`${name}'.`, {
        hint:
          near.length > 0
            ? `Did you mean \`${near[0]}'?`
            : 'Machines are declared with `machine("name", { … })` in a file under modules/.',
      });
    }
    return machines[name] as MachineEntry;
  }

  /** A machine's registry entry as modules see it (`machine` argument): tags include `all` and its class. */
  machineInfo(name: string): MachineInfo {
    const m = this.machineEntry(name);
    return {
      name,
      class: m.class,
      system: m.system,
      tags: [...m.tags, "all", m.class],
      deploy: this.deployTarget(m.deploy),
    };
  }

  /** A deploy target, its host taken from a terraform output when the machine names one. */
  private deployTarget(d: MachineInfo["deploy"] & { hostFromOutput?: string | null }): MachineInfo["deploy"] {
    if (d.host !== null || !d.hostFromOutput) return { host: d.host, user: d.user, port: d.port };
    const value = (this.config.terraform.outputs as Record<string, unknown>)[d.hostFromOutput];
    return { host: typeof value === "string" ? value : null, user: d.user, port: d.port };
  }

  private userInfo(name: string, where: string): UserEntry {
    const users = this.config.users;
    if (!Object.hasOwn(users, name)) {
      const near = nearest(name, Object.keys(users), 1);
      throw new GroveError("UnknownUser", `${where} names the user \`${name}', who is not in \`users\`.`, {
        hint:
          near.length > 0 ? `Did you mean \`${near[0]}'?` : `Declare them with \`user("${name}", { … })\`.`,
      });
    }
    return users[name] as UserEntry;
  }

  /** A machine's configuration: its own evaluation of its class over its aspects. */
  machine(name: string): Evaluation {
    const cached = this.#machines.get(name);
    if (cached) return cached;
    const entry = this.machineEntry(name);
    const info = this.machineInfo(name);
    const site = { machine: info, where: `machine \`${name}'` };
    const users = Object.keys(entry.users).map((u) => this.userInfo(u, site.where));
    const identity = {
      _file: `machine ${name}`,
      key: `grove:machine.${name}.identity`,
      config: {
        networking: { hostName: mkDefault(name) },
        nixpkgs: { hostPlatform: mkDefault(entry.system) },
        users: {
          users: Object.fromEntries(
            users.map((u) => [
              u.name,
              {
                description: mkDefault(u.fullName),
                openssh: { authorizedKeys: { keys: u.sshKeys } },
                ...(entry.class === "nixos" ? { isNormalUser: mkDefault(true) } : {}),
                ...(entry.class === "darwin"
                  ? { home: mkDefault(defaultHomeDirectory(u.name, entry.system)) }
                  : {}),
              },
            ]),
          ),
        },
      },
    };
    const extra = gather(this.extensions.map((x) => x.machine?.(this, name) ?? {}));
    const evaluation = evalModules({
      class: entry.class,
      passthrough: passthroughValue,
      specialArgs: { ...extra.args, machine: info, project: this.config, pkgs: this.pkgs },
      modules: [
        ...classModules(entry.class),
        identity,
        ...resolveAspects(this.registry, entry.class, entry.aspects, site),
        ...extra.modules,
        entry.module,
      ],
    });
    if (this.cache) this.#machines.set(name, evaluation);
    return evaluation;
  }

  /**
   * The fleet's cloud resources: one evaluation of the `terraform` class over the terraform
   * modules of every machine's aspects (each with its `machine` argument), or of `only` these.
   */
  terraform(only?: readonly string[]): Evaluation {
    if (this.#terraform && only === undefined) return this.#terraform;
    const modules: unknown[] = [];
    for (const name of only ?? this.machineNames()) {
      const info = this.machineInfo(name);
      const site = { machine: info, where: `machine \`${name}'` };
      for (const m of resolveAspects(this.registry, "terraform", this.machineEntry(name).aspects, site)) {
        modules.push(forMachine(m, info));
      }
    }
    const evaluation = evalModules({
      class: "terraform",
      specialArgs: { ...terraformSpecialArgs, project: this.config },
      modules: [...terraformModules, ...modules],
    });
    if (only === undefined) this.#terraform = evaluation;
    return evaluation;
  }

  /**
   * Per-system outputs (packages, dev shells, checks) for one of `systems`: the `perSystem`
   * modules evaluated with that system's `system` and `pkgs`.
   */
  perSystem(system: string): Evaluation {
    const cached = this.#perSystem.get(system);
    if (cached) return cached;
    const systems = this.config.systems as string[];
    if (!systems.includes(system)) {
      const near = nearest(system, systems, 1);
      throw new GroveError(
        "Usage",
        `\`${system}' is not one of the fleet's systems (${systems.join(", ")}).`,
        {
          hint: near.length > 0 ? `Did you mean \`${near[0]}'?` : "Add it to `systems`.",
        },
      );
    }
    const evaluation = evalModules({
      class: "perSystem",
      specialArgs: { system, pkgs: this.pkgs, project: this.config },
      modules: [perSystemModule, this.config.perSystem],
    });
    this.#perSystem.set(system, evaluation);
    return evaluation;
  }

  /** A home's configuration (`user@host`): integrated on a fleet machine, or standalone. */
  home(id: string): Evaluation {
    const cached = this.#homes.get(id);
    if (cached) return cached;
    const target = this.homeTargets().find((t) => t.id === id);
    if (!target) {
      const near = nearest(
        id,
        this.homeTargets().map((t) => t.id),
        1,
      );
      throw new GroveError("UnknownHome", `There is no home \`${id}'.`, {
        hint:
          near.length > 0
            ? `Did you mean \`${near[0]}'?`
            : 'Homes are a user on a machine (`machine(…, { users: { alice: [] } })`) or standalone (`home("alice@host", { … })`).',
      });
    }
    const where = `home \`${id}'`;
    const user = this.userInfo(target.user, where);
    let machine: MachineInfo;
    let extra: string[];
    let own: unknown = {};
    let directory: string | null = null;
    if (target.standalone) {
      const h = this.config.homes[id] as HomeEntry;
      machine = {
        name: h.host,
        class: h.system.endsWith("-darwin") ? "darwin" : "nixos",
        system: h.system,
        tags: ["all"],
        deploy: this.deployTarget(h.deploy),
      };
      extra = h.aspects;
      own = h.module;
      directory = h.homeDirectory;
    } else {
      machine = this.machineInfo(target.host);
      extra = this.machineEntry(target.host).users[target.user] ?? [];
    }
    const userInfo: UserInfo = {
      name: user.name,
      fullName: user.fullName,
      email: user.email,
      sshKeys: user.sshKeys,
      shell: user.shell,
    };
    const site = { machine, user: userInfo, where };
    const identity = {
      _file: `home ${id}`,
      key: `grove:home.${id}.identity`,
      config: {
        home: {
          username: mkDefault(user.name),
          homeDirectory: mkDefault(directory ?? defaultHomeDirectory(user.name, machine.system)),
        },
        programs: {
          git: {
            userName: mkDefault(user.fullName),
            ...(user.email !== null ? { userEmail: mkDefault(user.email) } : {}),
          },
        },
      },
    };
    const names = [...user.home, ...extra.filter((a) => !user.home.includes(a))];
    const added = gather(this.extensions.map((x) => x.home?.(this, id, machine.name) ?? {}));
    const evaluation = evalModules({
      class: "home",
      passthrough: passthroughValue,
      specialArgs: { ...added.args, machine, user: userInfo, project: this.config, pkgs: this.pkgs },
      modules: [
        ...classModules("home"),
        identity,
        ...resolveAspects(this.registry, "home", names, site),
        ...added.modules,
        own,
      ],
    });
    if (this.cache) this.#homes.set(id, evaluation);
    return evaluation;
  }
}

/**
 * A module bound to one machine: function modules (at any depth of `imports`) receive that
 * machine as their `machine` argument, and keys are made per machine, so an aspect used by two
 * machines contributes twice to the fleet-wide terraform evaluation.
 */
function forMachine(m: unknown, info: MachineInfo): unknown {
  const v = force(m);
  if (typeof v === "function") {
    return (args: Record<string, unknown>) =>
      forMachine(
        (v as (a: unknown) => unknown)(
          new Proxy(args, { get: (t, k) => (k === "machine" ? info : Reflect.get(t, k)) }),
        ),
        info,
      );
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
  const o = v as Record<string, unknown>;
  if (!("imports" in o) && !("key" in o)) return o;
  return {
    ...o,
    ...(typeof o.key === "string" ? { key: `${o.key}@${info.name}` } : {}),
    ...(Array.isArray(o.imports) ? { imports: o.imports.map((i) => forMachine(i, info)) } : {}),
  };
}

/**
 * Evaluates the project modules (one per fleet file, in discovery order), with optional
 * extensions. With `cache: false`, machine and home evaluations are not kept: a caller that walks
 * the whole fleet once lets each go when it is done with it.
 */
export function evaluateProject(
  modules: readonly unknown[],
  extensions: readonly ProjectExtension[] = [],
  options: { cache?: boolean } = {},
): Project {
  return new Project(
    evalModules({ class: "project", modules: [projectModule, ...modules] }),
    extensions,
    options.cache ?? true,
  );
}
