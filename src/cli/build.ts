/**
 * `grove build [machine…] [--out DIR]`: the fleet as a Nix flake — `flake.nix`, `overlay.nix`,
 * `machines/<name>.nix`, `homes/<user@host>.nix` — plus copies of what those files point at (the
 * encrypted secrets and vars secret files each machine reads, the custom package folder). Writes only files that changed
 * and removes the generated files that no longer belong.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { defineCommand } from "citty";
import { GroveError } from "../errors.js";
import type { Inventory } from "../inventory/index.js";
import { type DeployedSecret, deployedSecrets } from "../inventory/vars/deployed.js";
import type { Project } from "../project/index.js";
import { renderFleet } from "../render/nix/index.js";
import { renderTerraform } from "../render/terraform/index.js";
import { SecretStore } from "../secrets/index.js";
import { dirArg, openProject } from "./fleet.js";

/** Folders of the output that `grove build` owns entirely: what it did not write this time goes. */
const owned = ["machines", "homes", "secrets", "packages", "terraform", "files"];

/** Every file under `dir`, as paths relative to it with `/` separators. */
function filesUnder(dir: string, prefix = ""): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const rel = prefix === "" ? e.name : `${prefix}/${e.name}`;
    if (e.isDirectory()) out.push(...filesUnder(join(dir, e.name), rel));
    else out.push(rel);
  }
  return out;
}

/** The secrets each machine can read, from the fleet's store (`sops/`), with their files. */
async function machineSecrets(
  root: string,
): Promise<{ byMachine: Map<string, string[]>; files: Map<string, string> }> {
  const byMachine = new Map<string, string[]>();
  const files = new Map<string, string>();
  const store = new SecretStore(join(root, "sops"));
  for (const name of await store.secretNames()) {
    const { machines } = await store.recipientsOf(name);
    if (machines.length === 0) continue;
    files.set(name, store.secretFile(name));
    for (const m of machines) byMachine.set(m, [...(byMachine.get(m) ?? []), name]);
  }
  return { byMachine, files };
}

/** The custom package folder of the fleet, or null; a folder that is named but missing is an error. */
function customPackages(root: string, project: Project): string | null {
  const directory = project.config.packages.custom.directory as string | null;
  if (directory === null) return null;
  const dir = resolve(root, directory);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new GroveError("Usage", `The custom package folder \`${directory}' does not exist in the fleet.`, {
      path: ["packages", "custom", "directory"],
      hint: "Give a folder of the fleet holding `<name>.nix` or `<name>/package.nix` files, relative to the fleet root.",
    });
  }
  return dir;
}

/** Provenance relative to the fleet, whatever folder Grove runs in. */
function fleetRelative(root: string): (file: string) => string {
  return (file) => {
    if (!/\.[cm]?[jt]s$/.test(file)) return file;
    const abs = resolve(file);
    return abs.startsWith(root + sep) ? relative(root, abs).split(sep).join("/") : file;
  };
}

/** What a build did. */
export interface BuildReport {
  readonly written: string[];
  readonly unchanged: number;
  readonly removed: string[];
  readonly warnings: readonly string[];
}

/**
 * Renders the fleet into `out`: writes the files whose content changed, removes stale generated
 * files. Machine names that do not exist are an `UnknownMachine` error before anything is written.
 *
 * @example
 * const report = await build(root, inventory, "/tmp/out", ["cinnabar"]);
 * report.written  // ["flake.nix", "homes/alice@cinnabar.nix", "machines/cinnabar.nix", "overlay.nix"]
 */
export async function build(
  root: string,
  inventory: Inventory,
  out: string,
  machines: readonly string[] | undefined,
): Promise<BuildReport> {
  const project = inventory.project;
  const secrets = await machineSecrets(root);
  const vars = new Map<string, DeployedSecret[]>();
  for (const m of machines ?? project.machineNames())
    vars.set(m, deployedSecrets(m, inventory.generators(m), inventory.reader));
  const custom = customPackages(root, project);
  const {
    files,
    warnings,
    secrets: used,
    sources,
  } = renderFleet(project, {
    machines,
    secrets: secrets.byMachine,
    vars,
    customPackages: custom !== null,
    file: fleetRelative(root),
  });
  const contents = new Map<string, string | Buffer>(files);
  // The fleet's cloud side: every machine's terraform modules, when there are any.
  const terraform = project.terraform(machines).config;
  if (
    Object.keys(terraform.resource ?? {}).length +
      Object.keys(terraform.module ?? {}).length +
      Object.keys(terraform.data ?? {}).length >
    0
  ) {
    contents.set("terraform/main.tf.json", renderTerraform(terraform));
  }
  for (const name of used) contents.set(`secrets/${name}`, readFileSync(secrets.files.get(name)!));
  for (const v of [...vars.values()].flat()) contents.set(v.built, readFileSync(join(root, v.stored)));
  // Files and folders homes use as `source`, copied so that the flake can read them.
  for (const source of sources) {
    const from = join(root, source);
    if (!existsSync(from)) {
      throw new GroveError(
        "HomeSourceMissing",
        `A home takes \`${source}' as a source, but it is not in the fleet.`,
        {
          file: source,
          hint: "Sources are paths relative to the fleet's folder.",
        },
      );
    }
    if (statSync(from).isDirectory())
      for (const f of filesUnder(from)) contents.set(`files/${source}/${f}`, readFileSync(join(from, f)));
    else contents.set(`files/${source}`, readFileSync(from));
  }
  if (custom !== null)
    for (const f of filesUnder(custom)) contents.set(`packages/${f}`, readFileSync(join(custom, f)));

  const written: string[] = [];
  let unchanged = 0;
  for (const name of [...contents.keys()].sort()) {
    const data = contents.get(name)!;
    const path = join(out, name);
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    if (existsSync(path) && readFileSync(path).equals(bytes)) {
      unchanged++;
      continue;
    }
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
    written.push(name);
  }
  const removed: string[] = [];
  for (const folder of owned) {
    for (const f of filesUnder(join(out, folder))) {
      const name = `${folder}/${f}`;
      if (contents.has(name)) continue;
      rmSync(join(out, name));
      removed.push(name);
    }
  }
  return { written, unchanged, removed, warnings };
}

export const buildCommand = defineCommand({
  meta: {
    name: "build",
    description: "Write the fleet as a Nix flake (flake.nix, overlay.nix, machines/, homes/)",
  },
  args: {
    machines: {
      type: "positional",
      required: false,
      description: "Only these machines (and their homes); default: every machine and standalone home",
    },
    out: { type: "string", description: "The output folder (default: .grove/nix in the fleet)" },
    ...dirArg,
  },
  async run({ args }) {
    const { root, inventory } = await openProject(args.dir);
    const out =
      args.out === undefined
        ? join(root, ".grove", "nix")
        : isAbsolute(args.out)
          ? args.out
          : resolve(args.out);
    const names = args._.length > 0 ? args._.map(String) : undefined;
    const report = await build(root, inventory, out, names);
    for (const w of report.warnings) process.stderr.write(`warning: ${w}\n`);
    for (const f of report.written) process.stdout.write(`wrote ${f}\n`);
    for (const f of report.removed) process.stdout.write(`removed ${f}\n`);
    process.stdout.write(
      `${out}: ${report.written.length} written, ${report.unchanged} unchanged, ${report.removed.length} removed\n`,
    );
  },
});
