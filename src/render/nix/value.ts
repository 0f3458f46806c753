/**
 * Grove values as Nix expressions: deterministic (attribute names sorted), laid out for people
 * (one attribute per line, short scalar sets and lists on one line, single-attribute chains
 * written as paths: `services.openssh.enable = true;`).
 */
import { GroveError } from "../../errors.js";
import { FloatValue, force, typeTag } from "../../lib/index.js";
import { NixExpr } from "./expr.js";
import { attrName } from "./names.js";
import { floatLiteral, intLiteral } from "./numbers.js";
import { type PackageRef, packageExpr } from "./packages.js";
import { quotedString, stringLiteral } from "./strings.js";
import { unrepresentable } from "./unrepresentable.js";
import { orderFunction, overrideFunction } from "./wrappers.js";

/**
 * One `names = text;` line of an attribute set, with comment lines above it.
 *
 * @example
 * const e: Entry = { names: "services.openssh.enable", text: "true", comment: ["modules/ssh.ts:3"] };
 */
export interface Entry {
  readonly names: string;
  readonly text: string;
  readonly comment?: readonly string[] | undefined;
}

/** Deeper than this, a value is taken for a cycle through getters that build fresh objects. */
const maxDepth = 1000;
/** Widest set and list written on one line (without indentation). */
const inlineWidth = 72;
/** Most attributes a set written on one line may have. */
const inlineAttrs = 4;

function describe(v: unknown): string {
  switch (typeof v) {
    case "undefined":
      return "the value is undefined";
    case "function":
      return "the value is a function";
    case "bigint":
      return "the value is a bigint (use a number)";
    case "symbol":
      return "the value is a symbol";
    default: {
      const name = (Object.getPrototypeOf(v) as { constructor?: { name?: string } }).constructor?.name;
      return `the value is ${name ? `a ${name} object` : "an object with a prototype"}, not plain data`;
    }
  }
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Tags whose objects render as something other than an attribute set. */
const specialTags = new Set(["package", "override", "order", "if", "merge", "definition"]);

/** A set written out as attributes: plain, and not a package reference or wrapper. */
function isAttrSet(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v) || !isPlainObject(v)) return false;
  const tag = typeTag(v);
  return tag === undefined || !specialTags.has(tag);
}

/**
 * Attribute order: by UTF-16 code units, as the default `sort()` orders strings, but with an
 * explicit comparison, which V8 runs faster.
 *
 * @example
 * ["b", "B", "a"].sort(byCodeUnits)  // ["B", "a", "b"]
 */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether a rendered value may sit inside a one-line set or list: no line breaks, no set inside. */
function isInlineText(t: string): boolean {
  return !t.includes("\n") && !(t.charCodeAt(0) === 123 && t.length > 3);
}

/**
 * The walk that renders one value. It keeps the position (for errors) and the containers being
 * rendered (to catch cycles); subclasses render objects of their own (definitions in a module).
 *
 * @example
 * new Printer(["services"]).value({ openssh: { enable: true } }, "")  // { openssh.enable = true; }
 */
export class Printer {
  /** What `resolveIf` returns for an `mkIf` whose condition is false. */
  static readonly skip: unique symbol = Symbol("skip");
  protected readonly path: (string | number)[];
  readonly #open = new Set<object>();
  /**
   * Whether the expression rendered last is a function application or a negative number, which
   * needs parentheses where an operand is expected.
   */
  protected compound = false;
  /** Comment lines for the attribute being rendered, set by whoever rendered its value. */
  protected comment: readonly string[] | undefined;

  constructor(path: readonly string[] = []) {
    this.path = [...path];
  }

  /** `v` as an expression whose continuation lines are indented by `indent`. */
  value(v: unknown, indent: string): string {
    v = force(v);
    switch (typeof v) {
      case "string":
        this.compound = false;
        return stringLiteral(v, indent, this.path);
      case "number": {
        const t = Number.isInteger(v) ? intLiteral(v, this.path) : floatLiteral(v, this.path);
        this.compound = t.charCodeAt(0) === 45;
        return t;
      }
      case "boolean":
        this.compound = false;
        return v ? "true" : "false";
      case "object":
        if (v === null) {
          this.compound = false;
          return "null";
        }
        return this.object(v, indent);
      default:
        throw unrepresentable(this.path, describe(v));
    }
  }

  /** `v` as an operand: parenthesised when it is an application or a negative number. */
  protected operand(v: unknown, indent: string): string {
    const t = this.value(v, indent);
    return this.compound ? `(${t})` : t;
  }

  protected object(v: object, indent: string): string {
    if (Array.isArray(v)) return this.list(v, indent);
    if (v instanceof FloatValue) {
      const t = floatLiteral(v.value, this.path);
      this.compound = t.charCodeAt(0) === 45;
      return t;
    }
    if (v instanceof NixExpr) {
      this.compound = v.needsParens;
      return v.text;
    }
    const tagged = this.tagged(v, indent);
    if (tagged !== undefined) return tagged;
    if (!isPlainObject(v)) throw unrepresentable(this.path, describe(v));
    return this.attrs(v as Record<string, unknown>, indent);
  }

  /** Package references and definition wrappers, or undefined for any other object. */
  private tagged(v: object, indent: string): string | undefined {
    const tag = typeTag(v);
    if (tag === undefined || !specialTags.has(tag)) return undefined;
    const w = v as Record<string, unknown>;
    switch (tag) {
      case "package":
        this.compound = false;
        return packageExpr(v as PackageRef, this.path);
      case "override":
        return this.apply(overrideFunction(w.priority as number, this.path), w.content, indent);
      case "order":
        return this.apply(orderFunction(w.priority as number, this.path), w.content, indent);
      case "if":
        return this.apply(`lib.mkIf ${this.condition(w.condition)}`, w.content, indent);
      case "merge": {
        const contents: unknown[] = [];
        for (const c of w.contents as readonly unknown[]) {
          const r = this.resolveIf(c);
          if (r !== Printer.skip) contents.push(r);
        }
        const t = `lib.mkMerge ${this.list(contents, indent)}`;
        this.compound = true;
        return t;
      }
      default: {
        // "definition": a definition that names its own file, which Nix's module system reads too.
        const inner = `${indent}  `;
        const value = this.value(w.value, inner);
        const file = quotedString(String(w.file), this.path);
        const t = `lib.mkDefinition ${this.block(
          [
            { names: "file", text: file },
            { names: "value", text: value },
          ],
          indent,
        )}`;
        this.compound = true;
        return t;
      }
    }
  }

  private apply(fn: string, content: unknown, indent: string): string {
    const t = `${fn} ${this.operand(content, indent)}`;
    this.compound = true;
    return t;
  }

  /** An `mkIf` condition, read now: the output carries its outcome, not the code that computed it. */
  private condition(condition: unknown): boolean {
    let c = force(condition);
    if (typeof c === "function") c = force(c());
    if (typeof c !== "boolean") {
      throw new GroveError("TypeMismatch", "‘mkIf’ called with a non-Boolean condition", {
        path: this.path.filter((p) => typeof p === "string"),
        hint: "Pass a boolean or a function returning one: `mkIf(() => config.x.enable, …)`.",
      });
    }
    return c;
  }

  /**
   * Where Nix's module system discharges `mkIf` (an attribute, an `mkMerge` item, a whole
   * definition) the condition is settled here: the content if true, `Printer.skip` if false.
   */
  protected resolveIf(v: unknown): unknown {
    let x = force(v);
    while (typeTag(x) === "if") {
      const w = x as { condition: unknown; content: unknown };
      if (!this.condition(w.condition)) return Printer.skip;
      x = force(w.content);
    }
    return x;
  }

  private enter(container: object): void {
    if (this.#open.has(container)) throw unrepresentable(this.path, "the value contains itself (a cycle)");
    if (this.path.length > maxDepth) {
      this.path.length = 12;
      throw unrepresentable(
        this.path,
        `the value is nested more than ${maxDepth} levels deep (a cycle through getters or lazy values?)`,
      );
    }
    this.#open.add(container);
  }

  private list(items: readonly unknown[], indent: string): string {
    this.compound = false;
    if (items.length === 0) return "[ ]";
    this.enter(items);
    const inner = `${indent}  `;
    const texts = new Array<string>(items.length);
    let width = 2;
    let inline = true;
    for (let i = 0; i < items.length; i++) {
      this.path.push(i);
      const t = this.operand(items[i], inner);
      this.path.pop();
      texts[i] = t;
      if (inline) {
        width += t.length + 1;
        inline = width <= inlineWidth && isInlineText(t);
      }
    }
    this.#open.delete(items);
    this.compound = false;
    if (inline) return `[ ${texts.join(" ")} ]`;
    let out = "[\n";
    for (const t of texts) out += `${inner}${t}\n`;
    return `${out}${indent}]`;
  }

  /** A set; `keys` are its names when the caller has listed them already. */
  protected attrs(set: Record<string, unknown>, indent: string, keys: string[] = Object.keys(set)): string {
    this.enter(set);
    const inner = `${indent}  `;
    const entries: Entry[] = [];
    for (const k of keys.sort(byCodeUnits)) {
      const e = this.entry(k, set[k], inner);
      if (e !== undefined) entries.push(e);
    }
    this.#open.delete(set);
    this.compound = false;
    return this.block(entries, indent);
  }

  /**
   * The attribute `key` with value `v`, or undefined when an `mkIf` removes it. A chain of sets
   * with one attribute each becomes one path (`a.b.c = v;`), which Nix reads as the same set.
   */
  entry(key: string, v: unknown, indent: string): Entry | undefined {
    const path = this.path;
    path.push(key);
    let x = this.resolveIf(v);
    if (x === Printer.skip) {
      path.pop();
      return undefined;
    }
    let names = attrName(key, path);
    let chain: object[] | undefined;
    // The names of `x` once it is known to be a set that does not collapse further.
    let keys: string[] | undefined;
    while (isAttrSet(x)) {
      keys = Object.keys(x);
      if (keys.length !== 1) break;
      const k = keys[0]!;
      const child = this.resolveIf(x[k]);
      // `a = { b = mkIf false …; }` still defines `a` (as `{ }`): keep the set.
      if (child === Printer.skip) break;
      this.enter(x);
      (chain ??= []).push(x);
      path.push(k);
      names += `.${attrName(k, path)}`;
      x = child;
      keys = undefined;
    }
    this.comment = undefined;
    const text =
      keys === undefined ? this.value(x, indent) : this.attrs(x as Record<string, unknown>, indent, keys);
    const comment = this.comment;
    // Read once: the comment belongs to this attribute, not to the set that holds it.
    this.comment = undefined;
    path.pop();
    if (chain !== undefined) {
      for (const o of chain) {
        this.#open.delete(o);
        path.pop();
      }
    }
    return { names, text, comment };
  }

  /** Entries as a set: on one line when short and plain, else one attribute per line. */
  protected block(entries: readonly Entry[], indent: string): string {
    if (entries.length === 0) return "{ }";
    if (entries.length <= inlineAttrs) {
      let width = 2;
      let inline = true;
      for (const e of entries) {
        width += e.names.length + e.text.length + 5;
        if (e.comment !== undefined || width > inlineWidth || !isInlineText(e.text)) {
          inline = false;
          break;
        }
      }
      if (inline) {
        let out = "{";
        for (const e of entries) out += ` ${e.names} = ${e.text};`;
        return `${out} }`;
      }
    }
    const inner = `${indent}  `;
    let out = "{\n";
    for (const e of entries) out += this.line(e, inner);
    return `${out}${indent}}`;
  }

  /** An entry on its own line(s), comments first, at `indent`. */
  line(e: Entry, indent: string): string {
    let out = "";
    if (e.comment !== undefined) for (const c of e.comment) out += `${indent}# ${c}\n`;
    return `${out}${indent}${e.names} = ${e.text};\n`;
  }
}

/**
 * A Grove value as a Nix expression: `null`, booleans, integers, floats (always with a decimal
 * point: `FloatValue` and non-integer numbers), strings (escaped; multi-line text as `''…''`),
 * lists, attribute sets (names sorted and escaped), package references (`pkgs.<channel>.<name>`),
 * raw expressions ({@link nixExpr}) and definition wrappers (`lib.mkForce v`…; an `mkIf` in an
 * attribute is settled: the attribute stays or goes). Lazy values and getters are read.
 *
 * A value Nix cannot hold (a function, a cycle, NaN, Infinity, undefined…) throws a
 * `NixUnrepresentable` GroveError naming `path` and the position inside the value.
 *
 * @example
 * toNix({ enable: true, delay: new FloatValue(0), packages: [pkgs.ripgrep] }, ["programs", "x"])
 * // { delay = 0.0; enable = true; packages = [ pkgs.ripgrep ]; }
 */
export function toNix(value: unknown, path: readonly string[] = []): string {
  return new Printer(path).value(value, "");
}
