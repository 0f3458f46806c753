/**
 * The inventory, resolved from the project configuration alone: who holds which role of which
 * instance, each member's settings (one small evaluation per member and role), the modules the
 * roles give each machine and home, and the generators each machine uses.
 *
 * Role membership comes from inventory data (machines' tags and instances' role assignments),
 * never from an evaluated machine, so a role can read every other member without a cycle.
 */
import { GroveError } from "../errors.js";
import { type Evaluation, evalModules, lib } from "../lib/index.js";
import { nearest } from "../lib/show.js";
import type { Project } from "../project/index.js";
import type { InstanceView, MemberView, RoleContribution, RoleSpec, ServiceDefinition } from "./service.js";
import { canonicalJson, definitionOf } from "./vars/hash.js";
import { checkGeneratorSpec, type Generator, toGenerator } from "./vars/spec.js";
import { type VarsReader, type VarsView, varsView } from "./vars/view.js";

interface InstanceEntry {
  service: string;
  roles: Record<
    string,
    { tags: string[]; machines: Record<string, { settings: unknown }>; settings: unknown }
  >;
  settings: unknown;
}

/** An instance with its service and the members of each role. */
export interface ResolvedInstance {
  readonly name: string;
  readonly service: ServiceDefinition;
  /** Role → member machines, sorted. */
  readonly roles: Readonly<Record<string, readonly string[]>>;
}

/** One role a machine holds. */
export interface RoleAssignment {
  readonly instance: string;
  readonly service: string;
  readonly role: string;
}

function fileOf(instance: string, role: string, service: string): string {
  return `instance ${instance}, role ${role} (service ${service})`;
}

/**
 * The fleet's inventory.
 *
 * @example
 * const inventory = new Inventory(project, reader);
 * inventory.rolesOf("cinnabar"); // [{ instance: "mesh", service: "mesh", role: "peer" }]
 */
export class Inventory {
  #instances: ResolvedInstance[] | undefined;
  readonly #settings = new Map<string, Evaluation>();
  readonly #views = new Map<string, InstanceView>();
  readonly #vars = new Map<string, VarsView>();
  readonly #generators = new Map<string, Map<string, Generator>>();
  readonly #perInstance = new Map<string, RoleContribution>();
  readonly #perMachine = new Map<string, RoleContribution>();
  /** Tags named by roles that no machine carries. */
  readonly warnings: string[] = [];

  constructor(
    readonly project: Project,
    readonly reader: VarsReader,
  ) {}

  private get entries(): Record<string, InstanceEntry> {
    return this.project.config.inventory.instances;
  }

  private services(): Record<string, ServiceDefinition> {
    return this.project.config.inventory.services;
  }

  /** Every instance, checked: its service exists, its roles are the service's, its machines are the fleet's. */
  instances(): readonly ResolvedInstance[] {
    if (this.#instances) return this.#instances;
    const machines = this.project.machineNames();
    const tagsOf = new Map(machines.map((m) => [m, this.project.machineInfo(m).tags]));
    const services = this.services();
    const out: ResolvedInstance[] = [];
    for (const name of Object.keys(this.entries).sort()) {
      const entry = this.entries[name]!;
      const where = ["inventory", "instances", name];
      if (!Object.hasOwn(services, entry.service)) {
        const near = nearest(entry.service, Object.keys(services), 1);
        throw new GroveError(
          "UnknownService",
          `The instance \`${name}' uses the service \`${entry.service}', which no module defines.`,
          {
            path: [...where, "service"],
            hint:
              near.length > 0
                ? `Did you mean \`${near[0]}'?`
                : `Define it with \`service("${entry.service}", { roles })\`.`,
          },
        );
      }
      const service = services[entry.service]!;
      const roles: Record<string, string[]> = {};
      for (const role of Object.keys(entry.roles).sort()) {
        if (!Object.hasOwn(service.roles, role)) {
          throw new GroveError(
            "UnknownRole",
            `The instance \`${name}' assigns the role \`${role}', which the service \`${service.name}' does not have.`,
            {
              path: [...where, "roles", role],
              hint: `The roles of \`${service.name}' are ${Object.keys(service.roles)
                .sort()
                .map((r) => `\`${r}'`)
                .join(", ")}.`,
            },
          );
        }
        const spec = entry.roles[role]!;
        const members = new Set<string>();
        for (const m of Object.keys(spec.machines)) {
          if (!tagsOf.has(m)) {
            const near = nearest(m, machines, 1);
            throw new GroveError(
              "UnknownMachine",
              `The role \`${role}' of instance \`${name}' names the machine \`${m}', which is not in the fleet.`,
              {
                path: [...where, "roles", role, "machines", m],
                hint:
                  near.length > 0
                    ? `Did you mean \`${near[0]}'?`
                    : "Check the name against `grove inventory`.",
              },
            );
          }
          members.add(m);
        }
        for (const tag of spec.tags) {
          const tagged = machines.filter((m) => tagsOf.get(m)!.includes(tag));
          if (tagged.length === 0)
            this.warnings.push(
              `The role \`${role}' of instance \`${name}' names the tag \`${tag}', which no machine carries.`,
            );
          for (const m of tagged) members.add(m);
        }
        roles[role] = [...members].sort();
      }
      out.push({ name, service, roles });
    }
    this.#instances = out;
    return out;
  }

  private instance(name: string): ResolvedInstance {
    return this.instances().find((i) => i.name === name)!;
  }

  /** The roles a machine holds, by instance. */
  rolesOf(machine: string): RoleAssignment[] {
    const out: RoleAssignment[] = [];
    for (const i of this.instances())
      for (const [role, members] of Object.entries(i.roles))
        if (members.includes(machine)) out.push({ instance: i.name, service: i.service.name, role });
    return out;
  }

  /**
   * A member's settings for a role: the role's interface, then the instance's, the role's and
   * the machine's settings, merged by the module system (so `mkDefault`/`mkForce` decide).
   */
  settings(instance: string, role: string, machine: string): Evaluation {
    const id = `${instance}\0${role}\0${machine}`;
    const cached = this.#settings.get(id);
    if (cached) return cached;
    const entry = this.entries[instance]!;
    const spec = this.instance(instance).service.roles[role] as RoleSpec;
    const roleEntry = entry.roles[role]!;
    const evaluation = evalModules({
      class: "settings",
      prefix: ["inventory", "instances", instance, "roles", role, "machines", machine, "settings"],
      specialArgs: { instanceName: instance, machineName: machine },
      // As in Nix, definitions merge in reverse module order: listing machine, role, instance
      // makes lists read instance, role, machine (and `mkOrder` works as everywhere else).
      modules: [
        {
          _file: `service ${this.instance(instance).service.name}, role ${role} (interface)`,
          imports: spec.interface ? [spec.interface] : [],
        },
        ...(Object.hasOwn(roleEntry.machines, machine) ? [roleEntry.machines[machine]!.settings] : []),
        roleEntry.settings,
        entry.settings,
      ],
    });
    this.#settings.set(id, evaluation);
    return evaluation;
  }

  /** An instance as its roles' modules see it. */
  view(instance: string): InstanceView {
    const cached = this.#views.get(instance);
    if (cached) return cached;
    const resolved = this.instance(instance);
    const roles: Record<string, { machines: Record<string, MemberView> }> = {};
    for (const [role, members] of Object.entries(resolved.roles)) {
      const machines: Record<string, MemberView> = {};
      for (const m of members) {
        const self = this;
        machines[m] = {
          name: m,
          get settings() {
            return self.settings(instance, role, m).config;
          },
          get vars() {
            return self.vars(m);
          },
        };
      }
      roles[role] = { machines };
    }
    const view = { name: instance, service: resolved.service.name, roles };
    this.#views.set(instance, view);
    return view;
  }

  /** The generators a machine uses: from the project (`vars.generators`) and from its roles. */
  generators(machine: string): Map<string, Generator> {
    const cached = this.#generators.get(machine);
    if (cached) return cached;
    const tags = this.project.machineInfo(machine).tags;
    const out = new Map<string, Generator>();
    const add = (g: Generator) => {
      const had = out.get(g.name);
      if (had && canonicalJson(definitionOf(had)) !== canonicalJson(definitionOf(g)))
        throw new GroveError(
          "VarsConflict",
          `Machine \`${machine}' gets two different generators \`${g.name}': from ${had.source} and from ${g.source}.`,
        );
      if (!had) out.set(g.name, g);
    };
    const declared = this.project.config.vars.generators as Record<string, Record<string, any>>;
    for (const name of Object.keys(declared).sort()) {
      const cfg = declared[name]!;
      if (
        (cfg.machines as string[]).includes(machine) ||
        (cfg.tags as string[]).some((t) => tags.includes(t))
      )
        add(toGenerator(name, cfg, `vars.generators.${name}`));
    }
    for (const a of this.rolesOf(machine)) {
      const spec = this.instance(a.instance).service.roles[a.role] as RoleSpec;
      for (const [name, g] of Object.entries(spec.generators ?? {}))
        add(checkGeneratorSpec(name, g, `service ${a.service}, role ${a.role}`));
    }
    this.#generators.set(machine, out);
    return out;
  }

  /** A machine's `vars` view. */
  vars(machine: string): VarsView {
    const cached = this.#vars.get(machine);
    if (cached) return cached;
    const view = varsView(machine, this.generators(machine), this.reader);
    this.#vars.set(machine, view);
    return view;
  }

  private perInstance(a: RoleAssignment): RoleContribution {
    const id = `${a.instance}\0${a.role}`;
    let c = this.#perInstance.get(id);
    if (!c) {
      const spec = this.instance(a.instance).service.roles[a.role] as RoleSpec;
      const view = this.view(a.instance);
      c = spec.perInstance?.({ instance: view, role: a.role, roles: view.roles, lib }) ?? {};
      this.#perInstance.set(id, c);
    }
    return c;
  }

  private perMachine(a: RoleAssignment, machine: string): RoleContribution {
    const id = `${a.instance}\0${a.role}\0${machine}`;
    let c = this.#perMachine.get(id);
    if (!c) {
      const spec = this.instance(a.instance).service.roles[a.role] as RoleSpec;
      const view = this.view(a.instance);
      const self = this;
      c =
        spec.perMachine?.({
          instance: view,
          role: a.role,
          get settings() {
            return self.settings(a.instance, a.role, machine).config;
          },
          machine: this.project.machineInfo(machine),
          roles: view.roles,
          vars: this.vars(machine),
          lib,
        }) ?? {};
      this.#perMachine.set(id, c);
    }
    return c;
  }

  /** The modules of class `cls` that a machine's roles give it (for `home`: its homes). */
  modules(machine: string, cls: "nixos" | "darwin" | "home"): unknown[] {
    const out: unknown[] = [];
    for (const a of this.rolesOf(machine)) {
      const file = fileOf(a.instance, a.role, a.service);
      const shared = this.perInstance(a)[cls];
      if (shared !== undefined)
        out.push({
          _class: cls,
          _file: file,
          key: `grove:instance.${a.instance}.${a.role}.${cls}`,
          imports: [shared],
        });
      const own = this.perMachine(a, machine)[cls];
      if (own !== undefined)
        out.push({
          _class: cls,
          _file: file,
          key: `grove:instance.${a.instance}.${a.role}.${machine}.${cls}`,
          imports: [own],
        });
    }
    return out;
  }
}
