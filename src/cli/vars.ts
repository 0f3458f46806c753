/** `grove vars generate|list|get|set|check`: generated files and secrets of the fleet's machines. */
import { createInterface } from "node:readline/promises";
import { defineCommand } from "citty";
import { GroveError } from "../errors.js";
import type { Inventory } from "../inventory/index.js";
import { planVars, type Unit } from "../inventory/vars/plan.js";
import { type Ask, generateVars } from "../inventory/vars/run.js";
import { VarsStore } from "../inventory/vars/store.js";
import { dirArg, openProject } from "./fleet.js";

const machineArg = {
  machine: { type: "positional", required: false, description: "A machine (default: every machine)" },
} as const;

async function open(dir: string | undefined) {
  const { root, project, inventory } = await openProject(dir);
  const machines = (m: string | undefined) => {
    if (m !== undefined) project.machineInfo(m);
    return m === undefined ? undefined : [m];
  };
  return { store: new VarsStore(root), units: planVars(inventory), machines, inventory };
}

function forMachines(units: readonly Unit[], machines: readonly string[] | undefined): Unit[] {
  return units.filter((u) => !machines || u.machines.some((m) => machines.includes(m)));
}

/** Asks on the terminal; hidden prompts are not echoed. */
const terminalAsk: Ask = async (unit, prompt, spec) => {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const question = `${unit.id} ${prompt} (${spec.description})${spec.default !== null ? ` [${spec.default}]` : ""}: `;
  if (spec.type === "hidden") {
    const out = rl as unknown as { _writeToOutput: (s: string) => void };
    process.stderr.write(question);
    out._writeToOutput = () => undefined;
  }
  try {
    if (spec.type === "multiline") {
      process.stderr.write(`${question}(end with an empty line)\n`);
      const lines: string[] = [];
      for await (const line of rl) {
        if (line === "") break;
        lines.push(line);
      }
      return lines.join("\n");
    }
    const answer = await rl.question(spec.type === "hidden" ? "" : question);
    if (spec.type === "hidden") process.stderr.write("\n");
    return answer;
  } finally {
    rl.close();
  }
};

function findUnit(
  units: readonly Unit[],
  inventory: Inventory,
  machine: string,
  var_: string,
): { unit: Unit; file: string } {
  const [gen, file] = var_.split("/");
  const unit = units.find((u) => u.generator.name === gen && u.machines.includes(machine));
  if (!unit || file === undefined || !Object.hasOwn(unit.generator.files, file))
    throw new GroveError("VarsUnknown", `Machine \`${machine}' has no var \`${var_}'.`, {
      hint: `Name it \`<generator>/<file>\`; the machine's generators are ${[...inventory.generators(machine).keys()].map((g) => `\`${g}'`).join(", ") || "none"}.`,
    });
  return { unit, file };
}

const generate = defineCommand({
  meta: {
    name: "generate",
    description:
      "Generate missing and stale vars, in dependency order; encrypt secrets again to changed keys and admins",
  },
  args: {
    ...machineArg,
    regenerate: { type: "boolean", description: "Generate again even when fresh" },
    prompt: { type: "boolean", default: true, description: "Ask prompts (--no-prompt: never ask)" },
    ...dirArg,
  },
  async run({ args }) {
    const { store, units, machines } = await open(args.dir);
    const interactive = args.prompt !== false && process.stdin.isTTY === true;
    let rekeyed = 0;
    const ran = await generateVars(store, units, {
      machines: machines(args.machine),
      regenerate: args.regenerate === true,
      ask: interactive ? terminalAsk : undefined,
      onRun: (u) => process.stderr.write(`generated ${u.id}\n`),
      onRekey: (u, files) => {
        rekeyed++;
        process.stderr.write(`encrypted ${u.id} (${files.join(", ")}) again to its current recipients\n`);
      },
    });
    if (ran.length === 0 && rekeyed === 0) process.stderr.write("every var is up to date\n");
  },
});

const list = defineCommand({
  meta: { name: "list", description: "List vars with their state; public values shown, secrets masked" },
  args: { ...machineArg, ...dirArg },
  async run({ args }) {
    const { store, units, machines } = await open(args.dir);
    const wanted = forMachines(units, machines(args.machine));
    for (const s of store.status(units)) {
      if (!wanted.includes(s.unit)) continue;
      for (const [file, spec] of Object.entries(s.unit.generator.files)) {
        const value = s.missing.includes(file)
          ? "<missing>"
          : spec.secret
            ? "********"
            : JSON.stringify(new TextDecoder().decode(await store.readFile(s.unit, file)));
        process.stdout.write(`${s.unit.id}/${file} ${s.state} ${value}\n`);
      }
    }
  },
});

const check = defineCommand({
  meta: {
    name: "check",
    description: "Exit 0 when every var is present and fresh, 1 otherwise (listing them)",
  },
  args: { ...machineArg, ...dirArg },
  async run({ args }) {
    const { store, units, machines } = await open(args.dir);
    const wanted = new Set(forMachines(units, machines(args.machine)));
    const bad = store.status(units).filter((s) => wanted.has(s.unit) && s.state !== "fresh");
    for (const s of bad)
      process.stdout.write(
        `${s.unit.id}: ${s.state}${s.missing.length + s.rekey.length > 0 ? ` (${[...s.missing, ...s.rekey].join(", ")})` : ""}\n`,
      );
    if (bad.length > 0) process.exitCode = 1;
  },
});

/** The arguments naming one var of one machine. */
const varArgs = {
  machine: { type: "positional", required: true, description: "The machine" },
  var: { type: "positional", required: true, description: "`<generator>/<file>`" },
  ...dirArg,
} as const;

const get = defineCommand({
  meta: { name: "get", description: "Print a var's value (secrets decrypted with your identity)" },
  args: varArgs,
  async run({ args }) {
    const { store, units, inventory } = await open(args.dir);
    const { unit, file } = findUnit(units, inventory, args.machine, args.var);
    process.stdout.write(await store.readFile(unit, file));
  },
});

const set = defineCommand({
  meta: { name: "set", description: "Set a var's value from stdin (dependents become stale)" },
  args: varArgs,
  async run({ args }) {
    const { store, units, inventory } = await open(args.dir);
    const { unit, file } = findUnit(units, inventory, args.machine, args.var);
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    await store.setFile(unit, file, new Uint8Array(Buffer.concat(chunks)));
  },
});

export const varsCommand = defineCommand({
  meta: { name: "vars", description: "Generated files and secrets (vars) of the fleet's machines" },
  subCommands: { generate, list, check, get, set },
});
