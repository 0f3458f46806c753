/**
 * Reads the language-neutral module format (shared/conformance/FORMAT.md) into Grove modules:
 * every expression becomes a lazy thunk, every module that uses arguments becomes a function.
 */
import { escapeNixString, GroveError, showPath } from "../errors.js";
import { describeKind } from "../lib/declarations.js";
import {
  ComputedAttrs,
  deepForce,
  FloatValue,
  force,
  Lazy,
  lazyAttrs,
  mkAfter,
  mkAliasOptionModule,
  mkBefore,
  mkDefault,
  mkForce,
  mkIf,
  mkMerge,
  mkOption,
  mkOptionDefault,
  mkOrder,
  mkOverride,
  mkRemovedOptionModule,
  mkRenamedOptionModule,
  mkVMOverride,
  OptionNode,
  type OptionType,
  resolveDeferred,
  takesLazyArgument,
  types,
} from "../lib/index.js";
import { acceptsLazyArgument } from "../lib/lazy.js";
import { byCodePoint } from "../lib/show.js";
import { setToString, toNixString } from "../lib/to-string.js";
import { nixEqual } from "../lib/types/type.js";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

/** Arguments a module's own expressions use; nested modules are scopes of their own. */
class Scope {
  usesArgs = false;
}

interface Env {
  args: Record<string, unknown> | null;
  vars: Record<string, unknown>;
}

type Compiled<T = unknown> = (env: Env) => T;

/** Counts compiled expressions that read the environment (arguments or variables). */
let dependent = 0;

/**
 * Compiles with `compile`; when nothing compiled reads the environment, the value is built once
 * and shared by every evaluation (as a module file's constants are in real code). What built it
 * is let go then: a fleet's option trees compile to more memory than their values take.
 */
function folded<T>(compile: () => Compiled<T>): Compiled<T> {
  const before = dependent;
  const c = compile();
  if (dependent !== before || isData(c)) return c;
  let build: Compiled<T> | undefined = c;
  let value: T;
  return (env) => {
    if (build !== undefined) {
      value = build(env);
      build = undefined;
    }
    return value;
  };
}

/** A compiled definition that is plain data: its JSON, given as it is to every evaluation. */
type Data = Compiled & { readonly data: true };

function data(d: Json): Data {
  return Object.assign(() => d, { data: true as const });
}

function isData(c: Compiled): c is Data {
  return (c as Partial<Data>).data === true;
}

function bad(what: string): GroveError {
  return new GroveError("BadModule", `Malformed case: ${what}`);
}

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !FloatValue.is(v);
}

function missing(key: string | number): GroveError {
  return new GroveError("MissingAttribute", `attribute '${key}' missing`);
}

/** `v.path` in Nix: attribute names select, integers index lists. */
function select(v: unknown, path: readonly (string | number)[]): unknown {
  let cur = v;
  for (const p of path) {
    cur = nixView(resolveDeferred(force(cur)));
    if (typeof p === "number") {
      if (!Array.isArray(cur) || p >= cur.length) throw missing(p);
      cur = cur[p];
    } else {
      if (cur === null || typeof cur !== "object") throw missing(p);
      const next = (cur as Record<string, unknown>)[p];
      // One read answers most selections; `in` tells a missing name from a stored undefined.
      if (next === undefined && !(p in cur)) throw missing(p);
      cur = next;
    }
  }
  return nixView(resolveDeferred(force(cur)));
}

function hasPath(v: unknown, path: readonly (string | number)[]): boolean {
  let cur = v;
  for (let i = 0; i < path.length; i++) {
    cur = nixView(force(cur));
    const p = String(path[i]);
    if (cur === null || typeof cur !== "object" || !(p in cur)) return false;
    // The last name is only tested: its value stays unread.
    if (i < path.length - 1) cur = (cur as Record<string, unknown>)[p];
  }
  return true;
}

/**
 * An option as Nix shows it to expressions: an attribute set of the fields its declarations
 * gave, its place and its definitions (read when used), and `__toString` giving its path.
 */
export function nixView(v: unknown): unknown {
  if (!OptionNode.is(v)) return v;
  const fields: Record<string, () => unknown> = {
    __toString: () => () => showPath(v.loc),
    _type: () => "option",
    declarationPositions: () => v.declarationPositions,
    declarations: () => v.declarations,
    definitions: () => v.definitions,
    definitionsWithLocations: () =>
      v.definitionsWithLocations.map((d) =>
        d.priority === undefined
          ? { file: d.file, value: d.value }
          : { file: d.file, priority: d.priority, value: d.value },
      ),
    files: () => v.files,
    highestPrio: () => v.highestPrio,
    isDefined: () => v.isDefined,
    loc: () => v.loc,
    options: () => [],
    type: () => v.type,
    value: () => v.value,
    valueMeta: () => ({}),
  };
  const decl = v.merged.decl as unknown as Record<string, unknown>;
  for (const k of Object.keys(decl)) if (!(k in fields)) fields[k] = () => decl[k];
  return lazyAttrs(new ComputedAttrs(Object.keys(fields).sort(), (k: string) => fields[k]!()));
}

function usesVar(body: Json, name: string): boolean {
  if (Array.isArray(body)) return body.some((b) => usesVar(b, name));
  if (!isObj(body)) return false;
  if (body.var === name) return true;
  return Object.values(body).some((b) => usesVar(b, name));
}

/** How the format's expressions see a value: options as sets, deferred modules resolved. */
const exprView = (v: unknown): unknown => nixView(resolveDeferred(v));

/** Nix's `+`: numbers add; a string takes strings and sets that turn into strings. */
function plus(p: unknown, q: unknown): unknown {
  if (typeof p === "string") {
    const r = nixView(force(q));
    if (typeof r === "string") return p + r;
    const text = setToString(r, exprView);
    if (text === undefined) throw new GroveError("TypeMismatch", `cannot coerce ${typeof r} to a string`);
    return p + text;
  }
  return add(p, q);
}

/** Nix arithmetic: integers give an integer, a float on either side a float (`1.5 + 0.5` is 2.0). */
function arithmetic(op: (p: number, q: number) => number): (p: unknown, q: unknown) => unknown {
  const isFloat = (v: unknown) => FloatValue.is(v) || (typeof v === "number" && !Number.isInteger(v));
  return (p, q) => {
    const r = op(Number(p), Number(q));
    return isFloat(p) || isFloat(q) ? new FloatValue(r) : r;
  };
}

const add = arithmetic((p, q) => p + q);

/** Nix's words for a kind of value in messages ("value is an integer while a list was expected"). */
const kindWords: Record<string, string> = {
  null: "null",
  list: "a list",
  float: "a float",
  int: "an integer",
  string: "a string",
  bool: "a Boolean",
  lambda: "a function",
  set: "a set",
};

function nixTypeOf(v: unknown): string {
  return kindWords[describeKind(v)]!;
}

function asList(value: unknown): unknown[] {
  const v = force(value);
  if (!Array.isArray(v))
    throw new GroveError("TypeMismatch", `value is ${nixTypeOf(v)} while a list was expected`);
  return v;
}

function asSet(value: unknown): Record<string, unknown> {
  const v = nixView(force(value));
  if (!isObj(v)) throw new GroveError("TypeMismatch", `value is ${nixTypeOf(v)} while a set was expected`);
  return v as Record<string, unknown>;
}

/** Nix's `<`: numbers, strings, and lists element by element; anything else cannot be compared. */
function nixLess(left: unknown, right: unknown): boolean {
  const p = force(left);
  const q = force(right);
  const isNumber = (v: unknown) => typeof v === "number" || FloatValue.is(v);
  if (isNumber(p) && isNumber(q)) return Number(p) < Number(q);
  if (typeof p === "string" && typeof q === "string") return p < q;
  if (Array.isArray(p) && Array.isArray(q)) {
    for (let i = 0; i < p.length && i < q.length; i++) {
      if (nixLess(p[i], q[i])) return true;
      if (nixLess(q[i], p[i])) return false;
    }
    return p.length < q.length;
  }
  throw new GroveError("TypeMismatch", `cannot compare ${nixTypeOf(p)} with ${nixTypeOf(q)}`);
}

function sortedKeys(v: unknown): string[] {
  return Object.keys(force(v) as object).sort(byCodePoint);
}

function call(f: unknown, arg: unknown): unknown {
  const fn = resolveDeferred(force(f));
  if (typeof fn !== "function")
    throw new GroveError("TypeMismatch", "attempt to call something which is not a function");
  return applyArgs(fn as (...args: unknown[]) => unknown, [arg]);
}

/**
 * Nix functions take one argument at a time: a Grove function of several (a type's `merge loc
 * defs`) is given them one by one. Arguments are forced for it, unless it takes them lazily (or
 * takes none: a format function that ignores its argument).
 */
function applyArgs(fn: (...args: unknown[]) => unknown, args: unknown[]): unknown {
  if (args.length < fn.length) return (next: unknown) => applyArgs(fn, [...args, next]);
  const lazy = fn.length === 0 || acceptsLazyArgument(fn);
  return force(lazy ? fn(...args) : fn(...args.map(force)));
}

export function compileExpr(e: Json, sc: Scope): Compiled {
  if (!isObj(e)) throw bad(`expression must be an object: ${JSON.stringify(e)}`);
  if ("fn" in e) {
    const name = e.fn as string;
    const body = compileExpr(e.body as Json, sc);
    // A function that ignores its argument does not force it (an `apply` that drops the value).
    if (!usesVar(e.body as Json, name)) return (env) => () => body(env);
    // Variables are forced where they are read: the argument may be given as a thunk.
    return (env) =>
      takesLazyArgument((x: unknown) => body({ args: env.args, vars: { ...env.vars, [name]: x } }));
  }
  const [k, a] = Object.entries(e)[0] as [string, Json];
  const sub = (x: Json) => compileExpr(x, sc);
  const list = () => (a as Json[]).map(sub);
  switch (k) {
    case "lit":
      return () => a;
    case "config": {
      sc.usesArgs = true;
      dependent++;
      const path = a as (string | number)[];
      return (env) => select(env.args!.config, path);
    }
    case "hasOption": {
      sc.usesArgs = true;
      dependent++;
      return (env) => hasPath(env.args!.options, a as string[]);
    }
    case "isDefined": {
      sc.usesArgs = true;
      dependent++;
      return (env) => select(env.args!.options, [...(a as string[]), "isDefined"]);
    }
    case "name":
      sc.usesArgs = true;
      dependent++;
      return (env) => force(env.args!.name);
    case "arg": {
      sc.usesArgs = true;
      dependent++;
      return (env) => resolveDeferred(force(env.args![a as string]));
    }
    case "var":
      dependent++;
      return (env) => {
        if (!Object.hasOwn(env.vars, a as string)) throw bad(`unbound variable ${a}`);
        return force(env.vars[a as string]);
      };
    case "not": {
      const x = sub(a);
      return (env) => !x(env);
    }
    case "and": {
      const xs = list();
      return (env) => xs.every((x) => x(env) === true);
    }
    case "or": {
      const xs = list();
      return (env) => xs.some((x) => x(env) === true);
    }
    case "add":
    case "strcat": {
      const xs = list();
      return (env) => xs.map((x) => x(env)).reduce(plus);
    }
    case "sub": {
      const xs = list();
      return (env) => xs.map((x) => x(env)).reduce(arithmetic((p, q) => p - q));
    }
    case "mul": {
      const xs = list();
      return (env) => xs.map((x) => x(env)).reduce(arithmetic((p, q) => p * q));
    }
    case "concat": {
      const xs = list();
      return (env) => xs.flatMap((x) => asList(x(env)));
    }
    case "eq":
    case "neq": {
      const [x, y] = list() as [Compiled, Compiled];
      // Compared level by level, as Nix's `==`: the first difference ends the reading.
      return (env) => nixEqual(x(env), y(env)) === (k === "eq");
    }
    case "lt":
    case "le": {
      const [x, y] = list() as [Compiled, Compiled];
      // `a <= b` is `!(b < a)` in Nix.
      return (env) => (k === "lt" ? nixLess(x(env), y(env)) : !nixLess(y(env), x(env)));
    }
    case "if": {
      const [c, t, f] = list() as [Compiled, Compiled, Compiled];
      return (env) => {
        const cond = c(env);
        if (typeof cond !== "boolean") throw new GroveError("TypeMismatch", "value is not a Boolean");
        return cond ? t(env) : f(env);
      };
    }
    case "attrNames": {
      const x = sub(a);
      return (env) => sortedKeys(asSet(x(env)));
    }
    case "attrValues": {
      const x = sub(a);
      return (env) => {
        const v = asSet(x(env));
        return sortedKeys(v).map((key) => Lazy.ref(v, key));
      };
    }
    case "length": {
      const x = sub(a);
      return (env) => asList(x(env)).length;
    }
    case "toString": {
      const x = sub(a);
      return (env) => toNixString(x(env), exprView);
    }
    case "throw":
      return () => {
        throw new Error(a as string);
      };
    case "get": {
      const [x, path] = a as [Json, (string | number)[]];
      const cx = sub(x);
      return (env) => select(cx(env), path);
    }
    case "getOr": {
      const [x, path, d] = a as [Json, (string | number)[], Json];
      const cx = sub(x);
      const cd = sub(d);
      return (env) => {
        const v = cx(env);
        return hasPath(v, path) ? select(v, path) : cd(env);
      };
    }
    case "getAttr": {
      const [n, s] = list() as [Compiled, Compiled];
      return (env) => select(s(env), [n(env) as string]);
    }
    case "hasAttr": {
      const [x, key] = a as [Json, string];
      const cx = sub(x);
      return (env) => hasPath(cx(env), [key]);
    }
    case "call": {
      const [f, x] = list() as [Compiled, Compiled];
      return (env) =>
        call(
          f(env),
          Lazy.of(() => x(env)),
        );
    }
    case "list": {
      const xs = list();
      return (env) => xs.map((x) => Lazy.of(() => x(env)));
    }
    case "attrs": {
      const entries = Object.entries(a as Obj).map(([n, x]) => [n, sub(x)] as const);
      return (env) => Object.fromEntries(entries.map(([n, x]) => [n, Lazy.of(() => x(env))]));
    }
    case "map": {
      const [f, xs] = list() as [Compiled, Compiled];
      return (env) => {
        const fn = f(env);
        return asList(xs(env)).map((x) => Lazy.of(() => call(fn, x)));
      };
    }
    case "mapAttrs": {
      const [f, xs] = list() as [Compiled, Compiled];
      return (env) => {
        const fn = f(env);
        const set = asSet(xs(env));
        return Object.fromEntries(
          sortedKeys(set).map((key) => [key, Lazy.of(() => call(call(fn, key), Lazy.ref(set, key)))]),
        );
      };
    }
    case "filter": {
      const [f, xs] = list() as [Compiled, Compiled];
      return (env) => {
        const fn = f(env);
        return asList(xs(env)).filter((x) => {
          const keep = call(fn, x);
          if (typeof keep !== "boolean")
            throw new GroveError("TypeMismatch", `value is ${nixTypeOf(keep)} while a Boolean was expected`);
          return keep;
        });
      };
    }
    case "elem": {
      const [x, xs] = list() as [Compiled, Compiled];
      return (env) => {
        // The needle is read only if there is something to compare it with.
        const v = Lazy.of(() => x(env));
        return asList(xs(env)).some((y) => nixEqual(v, y));
      };
    }
    case "isType": {
      const [kind, x] = a as [string, Json];
      const cx = sub(x);
      return (env) => {
        const v = cx(env);
        switch (kind) {
          case "int":
            return Number.isInteger(v);
          case "float":
            return FloatValue.is(v) || (typeof v === "number" && !Number.isInteger(v));
          case "string":
            return typeof v === "string";
          case "bool":
            return typeof v === "boolean";
          case "list":
            return Array.isArray(v);
          case "attrs":
            return isObj(v);
          case "null":
            return v === null;
          default:
            throw bad(`unknown isType ${kind}`);
        }
      };
    }
    case "toInt": {
      const x = sub(a);
      // As `lib.toInt`: surrounding space allowed, a leading zero ambiguous (octal or padded?).
      return (env) => {
        const s = x(env);
        const digits = typeof s === "string" ? /^\s*(-?\d+)\s*$/.exec(s)?.[1] : undefined;
        const shown = typeof s === "string" ? escapeNixString(s) : String(s);
        if (digits === undefined)
          throw new GroveError("DefinitionThrew", `toInt: Could not convert ${shown} to int.`);
        if (/^-?0\d/.test(digits))
          throw new GroveError(
            "DefinitionThrew",
            `toInt: Ambiguity in interpretation of ${shown} between octal and zero padded integer.`,
          );
        return Number.parseInt(digits, 10);
      };
    }
    case "seq": {
      const [x, y] = list() as [Compiled, Compiled];
      return (env) => {
        x(env);
        return y(env);
      };
    }
    case "deepSeq": {
      const [x, y] = list() as [Compiled, Compiled];
      return (env) => {
        deepForce(x(env));
        return y(env);
      };
    }
    default:
      throw bad(`unknown expression ${k}`);
  }
}

const simpleWrappers: Record<string, (v: unknown) => unknown> = {
  force: mkForce,
  default: mkDefault,
  optionDefault: mkOptionDefault,
  before: mkBefore,
  after: mkAfter,
  vmOverride: mkVMOverride,
};

/** A definition tree: plain data, `_mk` wrappers, `_expr` thunks. */
export function compileDef(d: Json, sc: Scope): Compiled {
  return folded(() => compileDefRaw(d, sc));
}

function compileDefRaw(d: Json, sc: Scope): Compiled {
  if (Array.isArray(d)) {
    const xs = d.map((x) => compileDef(x, sc));
    // Data (no wrapper, no expression inside) is its own value: nothing to build or copy.
    if (xs.every(isData)) return data(d);
    return (env) => xs.map((x) => x(env));
  }
  if (!isObj(d)) return data(d);
  if ("_mk" in d) {
    const kind = d._mk as string;
    switch (kind) {
      case "if": {
        const cond = compileExpr(d.cond as Json, sc);
        const value = compileDef(d.value as Json, sc);
        // A thunk: read once per evaluation, however many attributes it is pushed into, and kept
        // as data where a type takes the wrapper as it is.
        return (env) => mkIf(Lazy.of(() => cond(env)) as unknown as boolean, value(env));
      }
      case "merge": {
        const values = (d.values as Json[]).map((x) => compileDef(x, sc));
        return (env) => mkMerge(values.map((v) => v(env)));
      }
      case "override": {
        const value = compileDef(d.value as Json, sc);
        const priority = Number(d.priority);
        return (env) => mkOverride(priority, value(env));
      }
      case "order": {
        const value = compileDef(d.value as Json, sc);
        const priority = Number(d.priority);
        return (env) => mkOrder(priority, value(env));
      }
      case "module":
        return compileModule(d.module as Obj, sc);
      default: {
        const wrap = simpleWrappers[kind];
        if (!wrap) throw bad(`unknown _mk ${kind}`);
        const value = compileDef(d.value as Json, sc);
        return (env) => wrap(value(env));
      }
    }
  }
  if ("_expr" in d) {
    const x = compileExpr(d._expr as Json, sc);
    return (env) => Lazy.of(() => x(env));
  }
  const keys = Object.keys(d);
  const values = keys.map((k) => compileDef(d[k] as Json, sc));
  if (values.every(isData)) return data(d);
  return (env) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) out[keys[i]!] = values[i]!(env);
    return out;
  };
}

function namedType(name: string): OptionType {
  let t: unknown = types;
  for (const p of name.split(".")) t = (t as Record<string, unknown>)[p];
  if (!t || typeof t !== "object") throw bad(`unknown type ${name}`);
  return t as OptionType;
}

export function compileType(t: Json, sc: Scope): Compiled<OptionType> {
  return folded(() => compileTypeRaw(t, sc));
}

function compileTypeRaw(t: Json, sc: Scope): Compiled<OptionType> {
  if (typeof t === "string") {
    const named = namedType(t);
    return () => named;
  }
  if (!isObj(t)) throw bad(`bad type ${JSON.stringify(t)}`);
  const [k, a] = Object.entries(t)[0] as [string, Json];
  const modules = (ms: Json[]) => ms.map((m) => compileModule(m as Obj, sc));
  switch (k) {
    case "listOf":
    case "attrsOf":
    case "lazyAttrsOf":
    case "nullOr":
    case "uniq":
    case "nonEmptyListOf":
    case "functionTo": {
      const inner = compileType(a, sc);
      const make = types[k] as (t: OptionType) => OptionType;
      return (env) => make(inner(env));
    }
    case "unique": {
      const inner = compileType(a, sc);
      return (env) => types.unique({ message: (t.message as string) ?? "" }, inner(env));
    }
    case "enum":
      return () => types.enum(a as Json[]);
    case "either": {
      const [x, y] = (a as Json[]).map((u) => compileType(u, sc)) as [
        Compiled<OptionType>,
        Compiled<OptionType>,
      ];
      return (env) => types.either(x(env), y(env));
    }
    case "oneOf": {
      const xs = (a as Json[]).map((u) => compileType(u, sc));
      return (env) => types.oneOf(xs.map((x) => x(env)));
    }
    case "strMatching":
      return () => types.strMatching(a as string);
    case "separatedString":
      return () => types.separatedString(a as string);
    case "ints.between":
      return () => types.ints.between(Number((a as Json[])[0]), Number((a as Json[])[1]));
    case "numbers.between":
      return () => types.numbers.between(Number((a as Json[])[0]), Number((a as Json[])[1]));
    case "submodule": {
      const ms = modules(Array.isArray(a) ? a : [a]);
      return (env) => types.submodule(ms.map((m) => m(env)));
    }
    case "submoduleWith": {
      const spec = a as Obj;
      const ms = modules((spec.modules as Json[]) ?? []);
      return (env) =>
        types.submoduleWith({
          modules: ms.map((m) => m(env)),
          ...(spec.specialArgs !== undefined
            ? { specialArgs: spec.specialArgs as Record<string, unknown> }
            : {}),
          ...(spec.shorthandOnlyDefinesConfig !== undefined
            ? { shorthandOnlyDefinesConfig: spec.shorthandOnlyDefinesConfig as boolean }
            : {}),
          ...(spec.class !== undefined ? { class: spec.class as string } : {}),
        });
    }
    case "deferredModule": {
      const ms = modules(isObj(a) ? ((a.staticModules as Json[]) ?? []) : []);
      return (env) =>
        ms.length === 0
          ? types.deferredModule
          : types.deferredModuleWith({ staticModules: ms.map((m) => m(env)) });
    }
    case "coercedTo": {
      const [from, fn, to] = a as [Json, Json, Json];
      const cf = compileType(from, sc);
      const cfn = compileExpr(fn, sc);
      const ct = compileType(to, sc);
      return (env) => types.coercedTo(cf(env), (v) => call(cfn(env), v), ct(env));
    }
    case "addCheck": {
      const [inner, fn] = a as [Json, Json];
      const ci = compileType(inner, sc);
      const cfn = compileExpr(fn, sc);
      return (env) => types.addCheck(ci(env), (v) => call(cfn(env), v) === true);
    }
    case "attrsWith": {
      const spec = a as Obj;
      const elem = compileType(spec.elemType as Json, sc);
      return (env) =>
        types.attrsWith({
          elemType: elem(env),
          ...(spec.lazy !== undefined ? { lazy: spec.lazy as boolean } : {}),
          ...(spec.placeholder !== undefined ? { placeholder: spec.placeholder as string } : {}),
        });
    }
    default:
      throw bad(`unknown type ${k}`);
  }
}

function compileOptions(o: Json, sc: Scope): Compiled {
  return folded(() => compileOptionsRaw(o, sc));
}

function compileOptionsRaw(o: Json, sc: Scope): Compiled {
  if (!isObj(o)) throw bad("option tree must be an object");
  if ("_option" in o) {
    const spec = o._option as Obj;
    const type = spec.type !== undefined ? compileType(spec.type, sc) : undefined;
    const dflt = spec.default !== undefined ? compileDef(spec.default, sc) : undefined;
    const apply = spec.apply !== undefined ? compileExpr(spec.apply, sc) : undefined;
    return (env) =>
      mkOption({
        ...(type ? { type: type(env) } : {}),
        ...(dflt ? { default: dflt(env) } : {}),
        ...(spec.example !== undefined ? { example: spec.example } : {}),
        ...(spec.description !== undefined ? { description: spec.description as string } : {}),
        ...(spec.readOnly !== undefined ? { readOnly: spec.readOnly as boolean } : {}),
        ...(spec.internal !== undefined ? { internal: spec.internal as boolean } : {}),
        ...(spec.visible !== undefined ? { visible: spec.visible as boolean } : {}),
        ...(apply ? { apply: apply(env) as (v: unknown) => unknown } : {}),
      });
  }
  const entries = Object.entries(o).map(([k, v]) => [k, compileOptions(v, sc)] as const);
  return (env) => Object.fromEntries(entries.map(([k, v]) => [k, v(env)]));
}

/**
 * A module of the format. `outer` is the enclosing module's scope, for `{"expr": …}` modules.
 * The result is a function of the enclosing environment that gives the Grove module.
 */
export function compileModule(m: Obj, outer?: Scope): Compiled {
  if (!isObj(m)) throw bad("module must be an object");
  if ("expr" in m) {
    if (!outer) throw bad("an expr module needs an enclosing module");
    const x = compileExpr(m.expr as Json, outer);
    // Module lists are lazy in Nix: the expression runs when the module is collected.
    return (env) => Lazy.of(() => x(env));
  }
  if ("rename" in m) {
    const r = m.rename as { from: string[]; to: string[] };
    return () => mkRenamedOptionModule(r.from, r.to);
  }
  if ("alias" in m) {
    const r = m.alias as { from: string[]; to: string[] };
    return () => mkAliasOptionModule(r.from, r.to);
  }
  if ("remove" in m) {
    const r = m.remove as { path: string[]; instructions?: string };
    return () => mkRemovedOptionModule(r.path, r.instructions ?? "");
  }
  // A module is a scope of its own: what it reads does not make the enclosing value dependent.
  const saved = dependent;
  const sc = new Scope();
  const body = compileModuleBody(m, sc);
  dependent = saved;
  if (!sc.usesArgs) {
    let module: unknown;
    return () => (module ??= body({ args: null, vars: {} }));
  }
  const fn = (args: Record<string, unknown>) => body({ args, vars: {} });
  return () => fn;
}

function compileModuleBody(m: Obj, sc: Scope): Compiled {
  if ("shorthand" in m) return compileDef(m.shorthand as Json, sc);
  const parts: [string, Compiled][] = [];
  if (m.key !== undefined) parts.push(["key", () => m.key]);
  if (m.file !== undefined) parts.push(["_file", () => m.file]);
  if (m.class !== undefined) parts.push(["_class", () => m.class]);
  if (m.imports !== undefined) {
    const items = (m.imports as Json[]).map((im) => {
      if (isObj(im) && "_importIf" in im) {
        const cond = compileExpr(im._importIf as Json, sc);
        const mod = compileModule(im.module as Obj, sc);
        return (env: Env) => (cond(env) === true ? [mod(env)] : []);
      }
      const mod = compileModule(im as Obj, sc);
      return (env: Env) => [mod(env)];
    });
    parts.push(["imports", (env) => Lazy.of(() => items.flatMap((i) => i(env)))]);
  }
  if (m.disabledModules !== undefined)
    parts.push(["disabledModules", () => (m.disabledModules as string[]).map((key) => ({ key }))]);
  if (m.options !== undefined) parts.push(["options", compileOptions(m.options, sc)]);
  if (m.config !== undefined) parts.push(["config", compileDef(m.config, sc)]);
  if (m.freeformType !== undefined) parts.push(["freeformType", compileType(m.freeformType, sc)]);
  for (const [k, v] of Object.entries((m.extraAttrs as Obj) ?? {})) parts.push([k, compileDef(v, sc)]);
  return (env) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of parts) out[k] = v(env);
    return out;
  };
}

/** The modules of a case, ready for `evalModules`. */
export function caseModules(modules: readonly Json[]): unknown[] {
  return modules.map((m) => compileModule(m as Obj)({ args: null, vars: {} }));
}

export type { Json };
