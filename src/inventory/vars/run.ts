/**
 * Running generators: in dependency order, only the units that are missing or stale (or all
 * selected ones with `regenerate`), and every unit after a dependency that ran. Each run happens
 * in a private temporary folder (`in/`, `out/`, `prompts/`) that is overwritten with random
 * bytes and deleted afterwards; outputs are stored only once every declared file exists, and the
 * `.hash` last, so a failure leaves earlier outputs as they were.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { execa } from "execa";
import { GroveError } from "../../errors.js";
import { shred, sshPublicKeyToAge } from "../../secrets/index.js";
import type { Unit } from "./plan.js";
import type { PromptSpec } from "./spec.js";
import type { Stamp, VarsStore } from "./store.js";

/** Asks a prompt's value; undefined when it cannot ask (no terminal, `--no-prompt`). */
export type Ask = (unit: Unit, prompt: string, spec: Required<PromptSpec>) => Promise<string | undefined>;

export interface GenerateOptions {
  /** Machines to generate for (default: every machine). */
  readonly machines?: readonly string[] | undefined;
  /** Run the selected units even when fresh. */
  readonly regenerate?: boolean | undefined;
  readonly ask?: Ask | undefined;
  /** Told about each unit that ran. */
  readonly onRun?: ((unit: Unit) => void) | undefined;
  /** Told about each unit whose secret files were encrypted again to changed recipients. */
  readonly onRekey?: ((unit: Unit, files: readonly string[]) => void) | undefined;
  /** The PATH runtime tools are looked up in (default: the process's). */
  readonly path?: string | undefined;
}

/**
 * Tools every shell generator gets besides its `runtimeInputs`: a POSIX shell and the basic
 * file and text utilities. Nothing else from the system is on its PATH.
 */
const BASIC_TOOLS = [
  "sh",
  "cat",
  "cp",
  "mv",
  "rm",
  "mkdir",
  "chmod",
  "printf",
  "echo",
  "tr",
  "head",
  "tail",
  "sed",
  "grep",
  "cut",
  "od",
  "base64",
  "sha256sum",
  "test",
  "[",
  "env",
  "dd",
  "wc",
  "tee",
  "sort",
  "touch",
  "ls",
  "true",
  "false",
  "basename",
  "dirname",
];

function which(tool: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) if (dir && existsSync(join(dir, tool))) return join(dir, tool);
  return undefined;
}

async function privateDir(): Promise<string> {
  const base = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
  const dir = await mkdtemp(join(base, "grove-vars-"));
  await chmod(dir, 0o700);
  return dir;
}

async function promptValues(unit: Unit, ask: Ask | undefined): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, spec] of Object.entries(unit.generator.prompts)) {
    const given = await ask?.(unit, name, spec);
    if (given !== undefined && given !== "") out[name] = given;
    else if (spec.default !== null) out[name] = spec.default;
    else
      throw new GroveError(
        "VarsPromptMissing",
        `The prompt \`${name}' of generator \`${unit.generator.name}' (${unit.id}) has no value${ask ? "" : ": no terminal to ask in"}.`,
      );
  }
  return out;
}

async function runUnit(
  store: VarsStore,
  unit: Unit,
  units: ReadonlyMap<string, Unit>,
  opts: GenerateOptions,
): Promise<Record<string, Uint8Array>> {
  const g = unit.generator;
  if (g.script === null && g.generate === null)
    throw new GroveError(
      "VarsNoGenerator",
      `The generator \`${g.name}' has neither \`script' nor \`generate'.`,
      { file: g.source },
    );
  const prompts = await promptValues(unit, opts.ask);
  const tmp = await privateDir();
  try {
    const dirs = {
      in: join(tmp, "in"),
      out: join(tmp, "out"),
      prompts: join(tmp, "prompts"),
      bin: join(tmp, "bin"),
    };
    for (const d of Object.values(dirs)) await mkdir(d, { mode: 0o700 });
    const inputs: Record<string, Record<string, string>> = {};
    for (const [dep, id] of Object.entries(unit.dependencies)) {
      const depUnit = units.get(id)!;
      inputs[dep] = {};
      await mkdir(join(dirs.in, dep), { mode: 0o700 });
      for (const file of Object.keys(depUnit.generator.files)) {
        const content = await store.readFile(depUnit, file);
        await writeFile(join(dirs.in, dep, file), content, { mode: 0o600 });
        inputs[dep][file] = new TextDecoder().decode(content);
      }
    }
    for (const [name, value] of Object.entries(prompts))
      await writeFile(join(dirs.prompts, name), value, { mode: 0o600 });
    if (g.generate) {
      let result: Record<string, string | Uint8Array>;
      try {
        result = await g.generate({ inputs, prompts, machine: unit.machine });
      } catch (e) {
        throw new GroveError(
          "VarsGeneratorFailed",
          `The generator \`${g.name}' (${unit.id}) threw: ${(e as Error).message}`,
          { cause: e },
        );
      }
      for (const [file, content] of Object.entries(result ?? {}))
        await writeFile(join(dirs.out, file), content, { mode: 0o600 });
    } else {
      const path = opts.path ?? process.env.PATH ?? "";
      for (const tool of [...BASIC_TOOLS, ...g.runtimeInputs]) {
        const found = which(tool, path);
        if (!found) {
          if (g.runtimeInputs.includes(tool))
            throw new GroveError(
              "VarsToolMissing",
              `The generator \`${g.name}' needs \`${tool}', which is not on PATH.`,
            );
          continue;
        }
        if (!existsSync(join(dirs.bin, tool))) await symlink(found, join(dirs.bin, tool));
      }
      const r = await execa(join(dirs.bin, "sh"), ["-eu", "-c", g.script!], {
        cwd: tmp,
        extendEnv: false,
        env: {
          PATH: dirs.bin,
          HOME: tmp,
          TMPDIR: tmp,
          LANG: "C",
          in: dirs.in,
          out: dirs.out,
          prompts: dirs.prompts,
        },
        reject: false,
        stdin: "ignore",
      });
      if (r.exitCode !== 0)
        throw new GroveError(
          "VarsGeneratorFailed",
          `The generator \`${g.name}' (${unit.id}) exited with status ${r.exitCode}.${r.stderr ? `\n${r.stderr.split("\n").slice(-20).join("\n")}` : ""}`,
        );
    }
    const produced = await readdir(dirs.out);
    const missing = Object.keys(g.files).filter((f) => !produced.includes(f));
    if (missing.length > 0)
      throw new GroveError(
        "VarsOutputMissing",
        `The generator \`${g.name}' (${unit.id}) did not produce ${missing.map((f) => `\`${f}'`).join(", ")} (it produced ${produced.length > 0 ? produced.map((f) => `\`${f}'`).join(", ") : "nothing"}).`,
      );
    const out: Record<string, Uint8Array> = {};
    for (const f of Object.keys(g.files)) out[f] = new Uint8Array(await readFile(join(dirs.out, f)));
    return out;
  } finally {
    await shred(tmp);
  }
}

/**
 * Generates what is missing or stale, in dependency order; returns the units that ran.
 *
 * @example
 * const ran = await generateVars(new VarsStore(root), planVars(inventory), { machines: ["cinnabar"] });
 */
export async function generateVars(
  store: VarsStore,
  units: readonly Unit[],
  opts: GenerateOptions = {},
): Promise<Unit[]> {
  const byId = new Map(units.map((u) => [u.id, u]));
  const selected = (u: Unit) => !opts.machines || u.machines.some((m) => opts.machines!.includes(m));
  // Selected units and their dependencies; dependents are added as their dependencies run.
  const wanted = new Set<string>();
  const want = (u: Unit): void => {
    if (wanted.has(u.id)) return;
    wanted.add(u.id);
    for (const id of Object.values(u.dependencies)) want(byId.get(id)!);
  };
  for (const u of units) if (selected(u)) want(u);
  const ran: Unit[] = [];
  const ranIds = new Set<string>();
  const stamps = new Map<string, Stamp | undefined>();
  for (const unit of units) {
    const status = store.unitStatus(unit, stamps);
    const depRan = Object.values(unit.dependencies).some((id) => ranIds.has(id));
    if (!wanted.has(unit.id) && !depRan) continue;
    // A unit only to encrypt again keeps its values: that is done last, below.
    const outdated = status.state === "missing" || status.state === "stale";
    const run = depRan || outdated || (opts.regenerate === true && selected(unit));
    if (!run) continue;
    const outputs = await runUnit(store, unit, byId, opts);
    const g = unit.generator;
    if (g.hostKey !== null) await registerHostKey(store, unit, new TextDecoder().decode(outputs[g.hostKey]!));
    for (const [file, content] of Object.entries(outputs)) await store.writeFile(unit, file, content);
    const stamp = { inputs: store.expected(unit, stamps), generation: randomBytes(16).toString("hex") };
    await store.writeStamp(unit, stamp);
    stamps.set(unit.id, stamp);
    ranIds.add(unit.id);
    ran.push(unit);
    opts.onRun?.(unit);
  }
  // Last, as a host key generated above may have changed a machine's key: secrets encrypted to
  // other keys than their machines' and admins' current ones are encrypted again, values kept.
  for (const unit of units) {
    if (!wanted.has(unit.id) && !ranIds.has(unit.id)) continue;
    const files = await store.changedRecipients(unit);
    if (files.length === 0) continue;
    await store.rekey(unit, files);
    opts.onRekey?.(unit, files);
  }
  return ran;
}

/** Makes a machine's new ssh host key its age recipient in the secret store. */
async function registerHostKey(store: VarsStore, unit: Unit, publicKey: string): Promise<void> {
  const recipient = sshPublicKeyToAge(publicKey.trim());
  const known = await store.secrets.listKeyHolders("machine");
  for (const m of unit.machines) {
    const had = known.find((k) => k.name === m);
    if (had?.age === recipient) continue;
    // A new key replaces the old one everywhere; what the old key could read is re-encrypted.
    if (had) await store.secrets.removeKeyHolder("machine", m);
    await store.secrets.addMachine(m, publicKey);
  }
}
