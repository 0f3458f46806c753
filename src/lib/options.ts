import { bool } from "./types/basic.js";
import type { OptionType } from "./types/type.js";

/** What `mkOption` takes: every field is optional, as in Nix. */
export interface OptionSpec<T = unknown> {
  type?: OptionType;
  default?: T;
  defaultText?: string;
  example?: unknown;
  description?: string;
  apply?: (value: any) => unknown;
  readOnly?: boolean;
  internal?: boolean;
  visible?: boolean | "shallow";
}

/** An option declaration: a leaf of an `options` tree. */
export interface OptionDecl<T = unknown> extends OptionSpec<T> {
  readonly _type: "option";
}

/**
 * Declares an option.
 *
 * @example
 * options: { services: { ssh: { port: mkOption({ type: types.port, default: 22, description: "SSH port." }) } } }
 */
export function mkOption<T = unknown>(spec: OptionSpec<T> = {}): OptionDecl<T> {
  return { _type: "option", ...spec };
}

/** A boolean option that defaults to false: "Whether to enable <name>." */
export function mkEnableOption(name: string): OptionDecl<boolean> {
  return mkOption({ type: bool, default: false, example: true, description: `Whether to enable ${name}.` });
}

export function isOption(v: unknown): v is OptionDecl {
  return typeof v === "object" && v !== null && (v as { _type?: unknown })._type === "option";
}
