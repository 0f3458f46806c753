/**
 * A machine's or a home's evaluation as the contents of its Nix module: evaluated values for the
 * options Grove declares (only those a module defined, with their priority), definitions for the
 * options Grove passes through (with their wrappers, in merge order).
 */
import { matchesPattern, type OptionPattern } from "../../classes/index.js";
import {
  type Def,
  type Evaluation,
  force,
  mkOverride,
  OptionNode,
  priorities,
  submoduleEvaluation,
  typeTag,
} from "../../lib/index.js";
import type { ModuleContents, OptionDefinitions } from "./module.js";

/**
 * What to leave out or pin, and how to name definition files.
 *
 * @example
 * const rules: ContentRules = { groveOnly: [["deploy"]], pinned: [["system", "stateVersion"]] };
 */
export interface ContentRules {
  /** Options that are Grove's own bookkeeping: neither their values nor their definitions are written. */
  readonly groveOnly?: readonly OptionPattern[] | undefined;
  /** Declared options written even at their default (as `lib.mkDefault`), for upstream options with none. */
  readonly pinned?: readonly OptionPattern[] | undefined;
  /** Rewrites a definition's file for its comment (e.g. relative to the fleet, not the working folder). */
  readonly file?: ((file: string) => string) | undefined;
}

/** How a definition imported through an option names its file: `<file>, via option <path>`. */
const via = ", via option ";

/**
 * A definition's file and line as its comment shows them: the line right after the file
 * (`modules/ssh.ts:3, via option modules.nixos.ssh`), the file renamed.
 */
function provenance(
  file: string,
  line: number | undefined,
  rename: (file: string) => string,
): { file: string; line: number | undefined } {
  const at = file.indexOf(via);
  if (at < 0) return { file: rename(file), line };
  const head = rename(file.slice(0, at));
  return { file: `${line === undefined ? head : `${head}:${line}`}${file.slice(at)}`, line: undefined };
}

/** Returned for an option that the module does not write. */
const absent: unique symbol = Symbol("absent");

function isPlainSet(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && typeTag(v) === undefined;
}

class Collector {
  readonly groveOnly: readonly OptionPattern[];
  readonly pinned: readonly OptionPattern[];

  constructor(rules: ContentRules) {
    this.groveOnly = rules.groveOnly ?? [];
    this.pinned = rules.pinned ?? [];
  }

  /**
   * The declared options under `options` that a module defined, as a nested set of values;
   * `root` when `options` is an evaluation's own (whose `_module` is the module system's).
   */
  declared(
    options: Record<string, unknown>,
    path: readonly string[],
    root: boolean,
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(options)) {
      if (root && key === "_module") continue;
      const here = [...path, key];
      if (matchesPattern(here, this.groveOnly)) continue;
      const o = options[key];
      if (o instanceof OptionNode) {
        const v = this.option(o, here);
        if (v !== absent) out[key] = v;
      } else if (typeof o === "object" && o !== null) {
        const sub = this.declared(o as Record<string, unknown>, here, false);
        if (Object.keys(sub).length > 0) out[key] = sub;
      }
    }
    return out;
  }

  /**
   * An option's value with its priority (`lib.mkDefault v` for a default a module set), or
   * `absent` when only the option default applies: upstream modules declare the same options
   * with defaults of their own, which Grove's should not fight.
   */
  private option(node: OptionNode, path: readonly string[]): unknown {
    if (!node.isDefined) return absent;
    const prio = node.highestPrio;
    const fromDefault = prio >= priorities.optionDefault;
    if (fromDefault && !matchesPattern(path, this.pinned)) return absent;
    const value = this.strip(node.value, path);
    if (fromDefault) return mkOverride(priorities.default, value);
    return prio === priorities.plain ? value : mkOverride(prio, value);
  }

  /** A value with each submodule in it reduced to the sub-options a module defined. */
  private strip(v: unknown, path: readonly string[]): unknown {
    v = force(v);
    const sub = submoduleEvaluation(v);
    if (sub !== undefined) return this.declared(sub.options, path, true);
    if (Array.isArray(v)) return v.map((x) => this.strip(x, path));
    if (!isPlainSet(v)) return v;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v)) {
      const here = [...path, key];
      if (!matchesPattern(here, this.groveOnly)) out[key] = this.strip(v[key], here);
    }
    return out;
  }
}

/**
 * The module contents of an evaluation: values of the declared options that some module defined
 * (with their priority kept: `lib.mkDefault "UTC"`), and the definitions of every pass-through
 * option, one entry per option path in the module system's merge order. `extra` adds
 * definitions Grove itself makes (integrated homes, secrets) after the ones of the same path.
 *
 * @example
 * const contents = evaluationContents(project.machine("cinnabar"), { groveOnly: [["deploy"]] });
 * renderModule({ header: ["Generated by Grove."], ...contents });
 */
export function evaluationContents(
  evaluation: Evaluation,
  rules: ContentRules = {},
  extra: readonly OptionDefinitions[] = [],
): Required<Pick<ModuleContents, "values" | "definitions">> {
  const collector = new Collector(rules);
  const values = collector.declared(evaluation.options, [], true);
  const rename = rules.file ?? ((f: string) => f);
  const byPath = new Map<string, { path: readonly string[]; definitions: Def[] }>();
  const add = (path: readonly string[], d: Def) => {
    const key = path.join("\0");
    let entry = byPath.get(key);
    if (entry === undefined) byPath.set(key, (entry = { path, definitions: [] }));
    entry.definitions.push(d);
  };
  for (const u of evaluation.undeclaredDefinitions()) {
    if (matchesPattern(u.prefix, collector.groveOnly)) continue;
    add(u.prefix, { ...provenance(u.file, u.line, rename), value: u.value });
  }
  for (const e of extra) for (const d of e.definitions) add(e.path, d);
  return { values, definitions: [...byPath.values()] };
}
