/**
 * The helpers fleet files are written with. Each returns an ordinary project module, marked with
 * the file and line it was called from; anything they do can be written by hand as
 * `{ options, config }`.
 */

import type { Pkgs } from "../classes/index.js";
import { type Lib, moduleLocation } from "../lib/index.js";
import { callerLocation } from "./location.js";

/**
 * Filled in by the types `grove sync` generates (`.grove/types.d.ts`): the fleet's aspect,
 * machine and user names and each class's options. Without them, any name and value is accepted.
 */
// biome-ignore lint/suspicious/noEmptyInterface: augmented by generated declarations
export interface Register {}

type Registered<K extends string, Fallback> = Register extends { [P in K]: infer T } ? T : Fallback;

/** An aspect name of this fleet. */
export type AspectName = Registered<"aspect", string>;
/** A machine name of this fleet. */
export type MachineName = Registered<"machine", string>;
/** A user name of this fleet. */
export type UserName = Registered<"user", string>;

/** The configuration a module of class `C` may define. */
export type ClassConfig<C extends string> =
  Registered<"classes", undefined> extends infer R
    ? R extends Record<string, unknown>
      ? C extends keyof R
        ? R[C]
        : Record<string, unknown>
      : Record<string, unknown>
    : never;

/** A module in its full form, with imports and option declarations. */
export interface FullModule<C extends string> {
  imports?: unknown[];
  options?: Record<string, unknown>;
  config?: ClassConfig<C>;
  key?: string;
  _file?: string;
}

/** A module of class `C`: its configuration, a full module, or a function of the module arguments. */
export type ClassModule<C extends string = string> =
  | ClassConfig<C>
  | FullModule<C>
  | ((args: ModuleArgs) => ClassConfig<C> | FullModule<C>);

/** What a class module function receives. */
export interface ModuleArgs {
  config: any;
  options: any;
  lib: Lib;
  pkgs: Pkgs;
  /** The machine being evaluated (its registry entry). */
  machine: MachineInfo;
  /** In a home: the user it belongs to. */
  user?: UserInfo;
  /** The project configuration: every machine, user and home of the fleet. */
  project: any;
  /** This machine's generated vars: `vars.<generator>.files.<file>.path` / `.value`. */
  vars: Record<string, any>;
  /** Every machine's vars, by machine name. */
  fleetVars: Record<string, Record<string, any>>;
  name?: string;
  [arg: string]: unknown;
}

export interface MachineInfo {
  name: string;
  class: "nixos" | "darwin";
  system: string;
  tags: string[];
  deploy: { host: string | null; user: string; port: number };
}

export interface UserInfo {
  name: string;
  fullName: string;
  email: string | null;
  sshKeys: string[];
  shell: string | null;
}

/** The classes an aspect may configure. */
export interface AspectClasses {
  nixos?: ClassModule<"nixos">;
  darwin?: ClassModule<"darwin">;
  home?: ClassModule<"home">;
  terraform?: ClassModule<"terraform">;
  /** Applies to every class. */
  generic?: ClassModule;
}

export interface AspectSpec extends AspectClasses {
  /** Aspects applied with this one (each applied once, however often it is included). */
  includes?: AspectName[];
  /** Per-class modules that depend on where the aspect is used. */
  for?: (context: { machine: MachineInfo; user?: UserInfo }) => AspectClasses;
  description?: string;
}

function located<T extends object>(module: T): T {
  const loc = callerLocation();
  if (loc) Object.defineProperty(module, moduleLocation, { value: loc });
  return module;
}

const reserved = new Set(["includes", "for", "description"]);

/**
 * One feature across classes, from one file. Several files may add to one aspect.
 *
 * @example
 * export default aspect("shell", {
 *   nixos: { programs: { zsh: { enable: true } } },
 *   home: ({ pkgs }) => ({ home: { packages: [pkgs.ripgrep] } }),
 * });
 */
export function aspect(name: AspectName | (string & {}), spec: AspectSpec): Record<string, unknown> {
  const modules: Record<string, Record<string, unknown>> = {};
  for (const [cls, m] of Object.entries(spec)) {
    if (reserved.has(cls) || m === undefined) continue;
    modules[cls] = { [name]: m };
  }
  return located({
    config: {
      modules,
      aspects: {
        [name]: {
          includes: spec.includes ?? [],
          parametric: spec.for ? [spec.for] : [],
          ...(spec.description !== undefined ? { description: spec.description } : {}),
        },
      },
    },
  });
}

export interface MachineSpec {
  class: "nixos" | "darwin";
  system: string;
  tags?: string[];
  /** How to reach it; `hostFromOutput` names a terraform output holding the address. */
  deploy?: { host?: string | null; hostFromOutput?: string | null; user?: string; port?: number };
  aspects?: AspectName[];
  /** Users with a home here, with the home aspects they get on this machine. */
  users?: Partial<Record<UserName, AspectName[]>>;
  /** The machine's own configuration, in its class. */
  module?: ClassModule<"nixos" | "darwin">;
}

/**
 * A machine: a class, a platform, and the aspects it is made of.
 *
 * @example
 * export default machine("cinnabar", { class: "nixos", system: "x86_64-linux", aspects: ["base", "ssh"] });
 */
export function machine(name: MachineName | (string & {}), spec: MachineSpec): Record<string, unknown> {
  return located({ config: { machines: { [name]: spec } } });
}

export interface UserSpec {
  fullName?: string;
  email?: string;
  sshKeys?: string[];
  shell?: string;
  admin?: boolean;
  /** Home aspects that follow the user everywhere. */
  home?: AspectName[];
}

/**
 * A person of the fleet.
 *
 * @example
 * export default user("alice", { fullName: "Alice Example", home: ["shell", "git"] });
 */
export function user(name: UserName | (string & {}), spec: UserSpec): Record<string, unknown> {
  return located({ config: { users: { [name]: spec } } });
}

export interface HomeSpec {
  system?: string;
  homeDirectory?: string;
  aspects?: AspectName[];
  deploy?: { host?: string | null; user?: string; port?: number };
  module?: ClassModule<"home">;
}

/**
 * A standalone home `user@host`, on a machine the user does not administer.
 *
 * @example
 * export default home("alice@buildbox", { system: "x86_64-linux", aspects: ["shell"] });
 */
export function home(name: `${string}@${string}`, spec: HomeSpec): Record<string, unknown> {
  return located({ config: { homes: { [name]: spec } } });
}

/** A plain project module, marked with where it was written. */
export function defineModule<T extends object>(module: T): T {
  return located(module);
}
