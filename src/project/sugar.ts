/**
 * The helpers fleet files are written with. Each returns an ordinary project module, marked with
 * the file and line it was called from; anything they do can be written by hand as
 * `{ options, config }`.
 */

import type { Pkgs } from "../classes/index.js";
import { type Lib, moduleLocation } from "../lib/index.js";
import { callerLocation } from "./location.js";

/** A module of some class: an object, or a function of the module arguments. */
export type ClassModule = Record<string, unknown> | ((args: ModuleArgs) => Record<string, unknown>);

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
  nixos?: ClassModule;
  darwin?: ClassModule;
  home?: ClassModule;
  terraform?: ClassModule;
  /** Applies to every class. */
  generic?: ClassModule;
}

export interface AspectSpec extends AspectClasses {
  /** Aspects applied with this one (each applied once, however often it is included). */
  includes?: string[];
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
export function aspect(name: string, spec: AspectSpec): Record<string, unknown> {
  const modules: Record<string, Record<string, unknown>> = {};
  for (const [cls, m] of Object.entries(spec)) {
    if (reserved.has(cls) || m === undefined) continue;
    modules[cls] = { [name]: m as ClassModule };
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
  deploy?: { host?: string | null; user?: string; port?: number };
  aspects?: string[];
  /** Users with a home here, with the home aspects they get on this machine. */
  users?: Record<string, string[]>;
  /** The machine's own configuration, in its class. */
  module?: ClassModule;
}

/**
 * A machine: a class, a platform, and the aspects it is made of.
 *
 * @example
 * export default machine("cinnabar", { class: "nixos", system: "x86_64-linux", aspects: ["base", "ssh"] });
 */
export function machine(name: string, spec: MachineSpec): Record<string, unknown> {
  return located({ config: { machines: { [name]: spec } } });
}

export interface UserSpec {
  fullName?: string;
  email?: string;
  sshKeys?: string[];
  shell?: string;
  admin?: boolean;
  /** Home aspects that follow the user everywhere. */
  home?: string[];
}

/**
 * A person of the fleet.
 *
 * @example
 * export default user("alice", { fullName: "Alice Example", home: ["shell", "git"] });
 */
export function user(name: string, spec: UserSpec): Record<string, unknown> {
  return located({ config: { users: { [name]: spec } } });
}

export interface HomeSpec {
  system?: string;
  homeDirectory?: string;
  aspects?: string[];
  deploy?: { host?: string | null; user?: string; port?: number };
  module?: ClassModule;
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
