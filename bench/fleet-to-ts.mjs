#!/usr/bin/env node
// node bench/fleet-to-ts.mjs FLEET.json OUT-DIR
// Converts the benchmark fleet (shared/bench/FLEET-FORMAT.md) into a Grove fleet folder of
// TypeScript files: one file per registry module, machines declared with `machine(...)`. The
// fleet's own options live under the `bench` namespace of each machine, so they sit beside
// Grove's nixos options; everything else is the same modules, written as a person would.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const [input, out] = process.argv.slice(2);
if (!input || !out) {
  console.error("usage: fleet-to-ts.mjs FLEET.json OUT-DIR");
  process.exit(2);
}
const fleet = JSON.parse(readFileSync(input, "utf8"));
const PREFIX = "bench";

const ident = (k) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? k : JSON.stringify(k));
const lit = (v) => JSON.stringify(v);

/** A scope: whether the module's own expressions read config, project, or name. */
class Scope {
  constructor(machineLevel) {
    this.machineLevel = machineLevel;
    this.args = new Set();
  }
}

function path(p) {
  return p
    .map((s) =>
      typeof s === "number"
        ? `[${s}]`
        : /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s)
          ? `.${s}`
          : `[${JSON.stringify(s)}]`,
    )
    .join("");
}

function expr(e, sc) {
  const [k, a] = Object.entries(e)[0];
  switch (k) {
    case "lit":
      return lit(a);
    case "config":
      sc.args.add("config");
      return `config${sc.machineLevel ? `.${PREFIX}` : ""}${path(a)}`;
    case "arg":
      if (a !== "top") throw new Error(`unexpected arg ${a}`);
      sc.args.add("project");
      return "project";
    case "name":
      sc.args.add("name");
      return "name";
    case "get":
      return `${expr(a[0], sc)}${path(a[1])}`;
    default:
      throw new Error(`expression ${k} is not used by the benchmark fleet`);
  }
}

function type(t, sc) {
  if (typeof t === "string") return `types.${t}`;
  const [k, a] = Object.entries(t)[0];
  switch (k) {
    case "listOf":
    case "attrsOf":
    case "nullOr":
      return `types.${k}(${type(a, sc)})`;
    case "enum":
      return `types.enum(${lit(a)})`;
    case "deferredModule":
      return "types.deferredModule";
    case "submodule":
      return `types.submodule([${(Array.isArray(a) ? a : [a]).map((m) => module(m, false)).join(", ")}])`;
    default:
      throw new Error(`type ${k} is not used by the benchmark fleet`);
  }
}

function def(d, sc, depth) {
  if (Array.isArray(d)) return `[${d.map((x) => def(x, sc, depth)).join(", ")}]`;
  if (d === null || typeof d !== "object") return lit(d);
  if ("_mk" in d) {
    switch (d._mk) {
      case "if":
        return `mkIf(() => ${expr(d.cond, sc)}, ${def(d.value, sc, depth)})`;
      case "merge":
        return `mkMerge([${d.values.map((v) => def(v, sc, depth)).join(", ")}])`;
      case "default":
        return `mkDefault(${def(d.value, sc, depth)})`;
      case "force":
        return `mkForce(${def(d.value, sc, depth)})`;
      case "before":
        return `mkBefore(${def(d.value, sc, depth)})`;
      case "after":
        return `mkAfter(${def(d.value, sc, depth)})`;
      case "module":
        return module(d.module, true);
      default:
        throw new Error(`_mk ${d._mk} is not used by the benchmark fleet`);
    }
  }
  if ("_expr" in d) return `lazy(() => ${expr(d._expr, sc)})`;
  const inner = Object.entries(d).map(([k, v]) => `${ident(k)}: ${def(v, sc, depth + 1)}`);
  return `{ ${inner.join(", ")} }`;
}

function optionTree(o, sc) {
  if ("_option" in o) {
    const spec = o._option;
    const parts = [];
    if (spec.type !== undefined) parts.push(`type: ${type(spec.type, sc)}`);
    if (spec.default !== undefined) parts.push(`default: ${def(spec.default, sc, 0)}`);
    return `mkOption({ ${parts.join(", ")} })`;
  }
  return `{ ${Object.entries(o)
    .map(([k, v]) => `${ident(k)}: ${optionTree(v, sc)}`)
    .join(", ")} }`;
}

/** A module as TypeScript: an object, or a function when its own expressions read arguments. */
function module(m, machineLevel) {
  if ("expr" in m) throw new Error("expr modules appear only inside imports");
  const sc = new Scope(machineLevel);
  const parts = [];
  if (m.key !== undefined) parts.push(`key: ${lit(m.key)}`);
  if (m.imports !== undefined)
    parts.push(`imports: lazy(() => [${m.imports.map((i) => expr(i.expr, sc)).join(", ")}])`);
  if (m.options !== undefined) {
    // Declarations do not depend on the module's arguments: written once, as a file constant,
    // as a person would, so that every evaluation shares them.
    const declScope = new Scope(machineLevel);
    const tree = optionTree(m.options, declScope);
    const text = machineLevel ? `{ ${PREFIX}: ${tree} }` : tree;
    if (declScope.args.size === 0) {
      hoisted.push(`const options${hoisted.length} = ${text};`);
      parts.push(`options: options${hoisted.length - 1}`);
    } else {
      for (const a of declScope.args) sc.args.add(a);
      parts.push(`options: ${text}`);
    }
  }
  if (m.config !== undefined) {
    const body = def(m.config, sc, 0);
    parts.push(`config: ${machineLevel ? `{ ${PREFIX}: ${body} }` : body}`);
  }
  const object = `{ ${parts.join(", ")} }`;
  if (sc.args.size === 0) return object;
  return `({ ${[...sc.args].sort().join(", ")} }: any) => (${object})`;
}

/** File-level constants of the file being written (hoisted option declarations). */
let hoisted = [];

const header = `import { aspect, lazy, machine, mkAfter, mkBefore, mkDefault, mkForce, mkIf, mkMerge, mkOption, types } from "grove";\n`;

function write(rel, text) {
  const file = join(out, rel);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

write("package.json", `${JSON.stringify({ private: true, type: "module" }, null, 2)}\n`);
for (const m of fleet.registry.modules) {
  const rel = m.file.replace(/\.nix$/, ".ts");
  if (m.options) continue; // the registry's own options: Grove's project declares `modules` and `machines`
  const machines = m.config?.machines;
  if (machines) {
    const [[host, entry]] = Object.entries(machines);
    const spec = `{ class: "nixos", system: "x86_64-linux", aspects: ${lit(entry.aspects)}, module: ${module(entry.module.module, true)} }`;
    write(rel, `${header}\n${hoisted.join("\n")}\nexport default machine(${lit(host)}, ${spec});\n`);
    hoisted = [];
    continue;
  }
  const named = Object.entries(m.config.modules.nixos);
  const body = named.map(([name, v]) => `${ident(name)}: ${module(v.module, true)}`).join(",\n  ");
  write(
    rel,
    `${header}\n${hoisted.join("\n")}\nexport default { config: { modules: { nixos: {\n  ${body}\n} } } };\n`,
  );
  hoisted = [];
}
