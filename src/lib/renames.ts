import { GroveError } from "../errors.js";
import { Lazy } from "./lazy.js";
import { mkOption } from "./options.js";
import { showFiles, showOption } from "./show.js";
import { submodule } from "./types/submodule.js";
import { mkIf, mkMerge, mkOverride, priorities } from "./wrappers.js";

type Path = readonly string[];

function setAttrByPath(path: Path, value: unknown): Record<string, unknown> {
  let v = value;
  for (let i = path.length - 1; i >= 0; i--) v = { [path[i]!]: v };
  return v as Record<string, unknown>;
}

function getAttrFromPath(path: Path, set: unknown, what: string): any {
  let v: any = set;
  for (const p of path) {
    if (v === null || typeof v !== "object" || !(p in v)) {
      throw new GroveError(
        "UndefinedOption",
        `Renaming error: option \`${showOption(path)}' does not exist (${what}).`,
        { path },
      );
    }
    v = v[p];
  }
  return v;
}

function hasPath(path: Path, set: unknown): boolean {
  let v: any = set;
  for (const p of path) {
    if (v === null || typeof v !== "object" || !(p in v)) return false;
    v = v[p];
  }
  return true;
}

/** Forwards every definition of `option` (keeping its priority) to `to`. */
function forwardDefinitions(to: Path, option: () => any): unknown {
  return mkIf(
    () => option().isDefined,
    setAttrByPath(
      to,
      Lazy.of(() => {
        const opt = option();
        const prio = opt.highestPrio ?? priorities.plain;
        return mkMerge(opt.definitions.map((d: unknown) => mkOverride(prio, d)));
      }),
    ),
  );
}

function rename(from: Path, to: Path, opts: { visible: boolean; warn: boolean }) {
  return ({ config, options }: { config: any; options: any }) => ({
    options: setAttrByPath(
      from,
      // The type is the target's, found when the declaration is first read (as Nix's `doRename`
      // finds it, which a cycle through the target makes an infinite recursion there too). A
      // target Nix cannot find here (inside a submodule's instances, say), or a namespace, gives
      // an empty submodule.
      Lazy.of(() =>
        mkOption({
          visible: opts.visible,
          description: `Alias of \`${showOption(to)}'.`,
          apply: () => getAttrFromPath(to, config, "target"),
          type:
            (hasPath(to, options) ? getAttrFromPath(to, options, "target").type : undefined) ?? submodule({}),
        }),
      ),
    ),
    config: mkMerge([
      // An alias defines `warnings` too (an empty list), as Nix's `doRename` does.
      Lazy.of(() =>
        hasPath(["warnings"], options)
          ? {
              warnings: Lazy.of(() => {
                const fromOpt = getAttrFromPath(from, options, "source");
                return opts.warn && fromOpt.isDefined
                  ? [
                      `The option \`${showOption(from)}' defined in ${showFiles(fromOpt.files)} has been renamed to \`${showOption(to)}'.`,
                    ]
                  : [];
              }),
            }
          : {},
      ),
      forwardDefinitions(to, () => getAttrFromPath(from, options, "source")),
    ]),
  });
}

/**
 * An option moved: definitions of `from` go to `to` with their priorities, reading `from` gives
 * `to`'s value, and (where a `warnings` option exists) using the old name warns.
 *
 * @example
 * imports: [mkRenamedOptionModule(["services", "sshd", "port"], ["services", "ssh", "port"])]
 */
export function mkRenamedOptionModule(from: Path, to: Path) {
  return rename(from, to, { visible: false, warn: true });
}

/** Like `mkRenamedOptionModule`, without the warning: two names for one option. */
export function mkAliasOptionModule(from: Path, to: Path) {
  return rename(from, to, { visible: true, warn: false });
}

/**
 * An option that no longer exists: reading it fails with `instructions`, and defining it fails
 * the configuration's assertions.
 */
export function mkRemovedOptionModule(path: Path, instructions: string) {
  return ({ options }: { options: any }) => ({
    options: setAttrByPath(
      path,
      mkOption({
        visible: false,
        apply: () => {
          throw new GroveError(
            "RemovedOption",
            `The option \`${showOption(path)}' can no longer be used since it's been removed. ${instructions}`,
            {
              path,
              hint: instructions,
            },
          );
        },
      }),
    ),
    config: {
      assertions: Lazy.of(() => {
        const opt = getAttrFromPath(path, options, "removed");
        return [
          {
            assertion: !opt.isDefined,
            message: `The option definition \`${showOption(path)}' in ${showFiles(opt.files)} no longer has any effect; please remove it.\n${instructions}\n`,
          },
        ];
      }),
    },
  });
}

const unset = "_mkMergedOptionModule";

/**
 * An option replaced by one of another shape: when `from` is defined, `to` is defined as
 * `change(config)`.
 */
export function mkChangedOptionModule(from: Path, to: Path, change: (config: any) => unknown) {
  return ({ config, options }: { config: any; options: any }) => ({
    options: setAttrByPath(from, mkOption({ visible: false, default: unset })),
    config: mkMerge([
      Lazy.of(() =>
        hasPath(["warnings"], options)
          ? {
              warnings: Lazy.of(() =>
                getAttrFromPath(from, config, "source") !== unset
                  ? [
                      `The option \`${showOption(from)}' defined in ${showFiles(getAttrFromPath(from, options, "source").files)} has been changed to \`${showOption(to)}' that has a different type. Please read \`${showOption(to)}' documentation and update your configuration accordingly.`,
                    ]
                  : [],
              ),
            }
          : {},
      ),
      mkIf(
        () => getAttrFromPath(from, config, "source") !== unset,
        setAttrByPath(
          to,
          Lazy.of(() => change(config)),
        ),
      ),
    ]),
  });
}
