/**
 * Definitions for Nix to merge. For an option Grove passes through, the output holds what each
 * module said, each with its priority and order wrapper (`lib.mkDefault v`, `lib.mkOrder 500 v`),
 * so that NixOS, nix-darwin and home-manager merge them with their own modules exactly as they
 * would merge modules written in Nix. `mkIf` conditions are settled by Grove and `mkMerge` is
 * expanded; several definitions of one option become `lib.mkMerge [ … ]`, in Grove's order (which
 * `mkOrder` sorting and list concatenation depend on), each under a comment naming its file.
 */

import type { Def } from "../../lib/index.js";
import { typeTag } from "../../lib/index.js";
import { attrPath } from "./names.js";
import { byCodeUnits, type Entry, Printer } from "./value.js";

/**
 * The definitions of one option, as a value a module's attribute tree can hold.
 *
 * @example
 * new ModulePrinter().topLevel({ a: new Definitions([{ file: "f.ts", value: mkForce(1) }]) })
 */
export class Definitions {
  constructor(readonly defs: readonly Def[]) {}
}

/** A definition's location as one comment line (a newline would end the comment early). */
function location(d: Def): string {
  const at = d.line === undefined ? d.file : `${d.file}:${d.line}`;
  return at.replace(/[\r\n]/g, " ");
}

/**
 * A printer that also renders {@link Definitions}.
 *
 * @example
 * new ModulePrinter().topLevel({ networking: { hostName: "web1" } })  // {\n  networking.hostName = "web1";\n}
 */
export class ModulePrinter extends Printer {
  protected override object(v: object, indent: string): string {
    return v instanceof Definitions ? this.definitions(v.defs, indent) : super.object(v, indent);
  }

  /** The definitions that reach Nix: `mkIf` settled, `mkMerge` expanded, order kept. */
  private discharge(value: unknown, def: Def, out: Def[]): void {
    const v = this.resolveIf(value);
    if (v === Printer.skip) return;
    if (typeTag(v) === "merge") {
      for (const c of (v as { contents: readonly unknown[] }).contents) this.discharge(c, def, out);
    } else out.push({ file: def.file, line: def.line, value: v });
  }

  private definitions(defs: readonly Def[], indent: string): string {
    const live: Def[] = [];
    for (const d of defs) this.discharge(d.value, d, live);
    if (live.length === 1) {
      const text = this.value(live[0]!.value, indent);
      this.comment = [location(live[0]!)];
      return text;
    }
    const inner = `${indent}  `;
    let out = "lib.mkMerge [\n";
    for (const d of live) out += `${inner}# ${location(d)}\n${inner}${this.operand(d.value, inner)}\n`;
    this.compound = true;
    this.comment = undefined;
    return live.length === 0 ? "lib.mkMerge [ ]" : `${out}${indent}]`;
  }

  /** The top level of a module: one attribute per paragraph. */
  topLevel(set: Record<string, unknown>): string {
    const entries: Entry[] = [];
    for (const k of Object.keys(set).sort(byCodeUnits)) {
      const e = this.entry(k, set[k], "  ");
      if (e !== undefined) entries.push(e);
    }
    if (entries.length === 0) return "{ }";
    return `{\n${entries.map((e) => this.line(e, "  ")).join("\n")}}`;
  }
}

/**
 * One option's definitions as Nix source: `path = value;` under a comment naming the file and
 * line, or `path = lib.mkMerge [ … ];` for several (`lib.mkMerge [ ]` when every definition
 * is an `mkIf` whose condition is false: Nix then sees the path defined with no value, as Grove did).
 *
 * @example
 * renderDefinitions(["services", "openssh", "enable"], [
 *   { file: "modules/base.ts", line: 4, value: mkDefault(true) },
 * ])
 * // # modules/base.ts:4
 * // services.openssh.enable = lib.mkDefault true;
 */
export function renderDefinitions(path: readonly string[], defs: readonly Def[]): string {
  if (path.length === 0) throw new Error("renderDefinitions: the option path is empty");
  const printer = new ModulePrinter(path.slice(0, -1));
  const e = printer.entry(path[path.length - 1]!, new Definitions(defs), "")!;
  return printer.line({ ...e, names: attrPath(path, path) }, "");
}
