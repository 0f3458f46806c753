/**
 * Services with roles: the typed shape of a service and the `service(…)` helper that registers
 * one in the project (`inventory.services.<name>`).
 */
import type { Lib } from "../lib/index.js";
import { defineModule, type MachineInfo } from "../project/index.js";
import type { GeneratorSpec } from "./vars/spec.js";
import type { VarsView } from "./vars/view.js";

/** One machine holding a role in an instance, as other members see it. */
export interface MemberView {
  readonly name: string;
  /** The member's settings for the role (its own small evaluation, computed when read). */
  readonly settings: any;
  /** The member's vars: public values are readable. */
  readonly vars: VarsView;
}

/** An instance as a role's modules see it: who holds which role, with their settings and vars. */
export interface InstanceView {
  readonly name: string;
  readonly service: string;
  readonly roles: Readonly<Record<string, { readonly machines: Readonly<Record<string, MemberView>> }>>;
}

/** The modules a role contributes, by class; `home` goes to every home on the machine. */
export interface RoleContribution {
  nixos?: unknown;
  darwin?: unknown;
  home?: unknown;
}

/** What `perMachine` receives: one machine of one role of one instance. */
export interface PerMachineContext<S = any> {
  readonly instance: InstanceView;
  readonly role: string;
  /** This machine's settings for this role (instance < role < machine, merged by the module system). */
  readonly settings: S;
  readonly machine: MachineInfo;
  /** Shorthand for `instance.roles`. */
  readonly roles: InstanceView["roles"];
  /** This machine's vars. */
  readonly vars: VarsView;
  readonly lib: Lib;
}

/** What `perInstance` receives: one role of one instance (called once, applied to every member). */
export interface PerInstanceContext {
  readonly instance: InstanceView;
  readonly role: string;
  readonly roles: InstanceView["roles"];
  readonly lib: Lib;
}

/** A role of a service. */
export interface RoleSpec<S = any> {
  description?: string;
  /** A module declaring the role's settings options (with types and defaults). */
  interface?: unknown;
  /** Modules for every machine of the role, computed once per instance. */
  perInstance?: (context: PerInstanceContext) => RoleContribution;
  /** Modules for one machine of the role. */
  perMachine?: (context: PerMachineContext<S>) => RoleContribution;
  /** Vars generators every machine of the role uses. */
  generators?: Record<string, GeneratorSpec>;
}

export interface ServiceSpec {
  description?: string;
  roles: Record<string, RoleSpec>;
}

/**
 * A service: named roles, each with a settings interface and the modules it gives its machines.
 * Instances (`inventory.instances.<name>`) assign the roles to machines and tags.
 *
 * @example
 * export default service("mesh", {
 *   roles: {
 *     peer: {
 *       interface: ({ lib }) => ({ options: { port: lib.mkOption({ type: lib.types.port, default: 51820 }) } }),
 *       perMachine: ({ settings }) => ({ nixos: { networking: { firewall: { allowedUDPPorts: [settings.port] } } } }),
 *     },
 *   },
 * });
 */
export function service(name: string, spec: ServiceSpec): Record<string, unknown> {
  return defineModule({ config: { inventory: { services: { [name]: { ...spec, name } } } } });
}

/** A service as stored in the project (`inventory.services.<name>`). */
export type ServiceDefinition = ServiceSpec & { readonly name: string };

/** Settings given at one level of an instance: a settings module (object or function). */
export type SettingsModule = unknown;

export interface InstanceSpec {
  /** The service (default: the instance's name). */
  service?: string;
  roles: Record<
    string,
    {
      tags?: string[];
      machines?: Record<string, { settings?: SettingsModule }>;
      settings?: SettingsModule;
    }
  >;
  settings?: SettingsModule;
}

/**
 * An instance of a service: which machines and tags hold which role, with settings per
 * instance, role and machine.
 *
 * @example
 * export default instance("mesh", { roles: { peer: { tags: ["mesh"], settings: { port: 51821 } } } });
 */
export function instance(name: string, spec: InstanceSpec): Record<string, unknown> {
  return defineModule({ config: { inventory: { instances: { [name]: spec } } } });
}
