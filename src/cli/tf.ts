/**
 * `grove tf plan|apply|destroy|output`: evaluate the terraform class, render `main.tf.json` and run
 * the real terraform on it, with the state kept encrypted in the fleet. Until the project layer
 * discovers terraform modules from `modules/`, the configuration comes from `--config FILE`.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { defineCommand } from "citty";
import { tsImport } from "tsx/esm/api";
import { terraformModules, terraformSpecialArgs } from "../classes/terraform/index.js";
import { GroveError, isGroveError } from "../errors.js";
import { evalModules } from "../lib/index.js";
import { runTerraform, showOutputs, type TerraformCommand } from "../render/terraform/index.js";
import { dirArg, fleetRoot, openProject } from "./fleet.js";

const args = {
  ...dirArg,
  workspace: {
    type: "string",
    description: "Workspace: its own encrypted state (`terraform/W.tfstate.sops`) and working folder",
    valueHint: "W",
    default: "default",
  },
  config: {
    type: "string",
    description: "A .ts/.mjs/.js/.json file whose default export is a terraform module (or a list of them)",
    valueHint: "FILE",
  },
} as const;

/** The modules a `--config` file exports, each tagged with the file so that errors name it. */
async function loadModules(file: string): Promise<unknown[]> {
  const path = resolve(file);
  if (!existsSync(path))
    throw new GroveError("TerraformConfigLoad", "The file does not exist.", { file: path });
  let exported: unknown;
  try {
    exported =
      extname(path) === ".json"
        ? JSON.parse(await readFile(path, "utf8"))
        : (await tsImport(pathToFileURL(path).href, import.meta.url)).default;
  } catch (e) {
    if (isGroveError(e)) throw e;
    throw new GroveError("TerraformConfigLoad", `Loading it failed: ${(e as Error).message}`, {
      file: path,
      cause: e,
    });
  }
  if (exported === undefined)
    throw new GroveError("TerraformConfigLoad", "The file has no default export.", { file: path });
  return (Array.isArray(exported) ? exported : [exported]).map((m) => ({ _file: path, imports: [m] }));
}

/** The terraform configuration: the fleet's (from every machine's aspects), or a `--config` file's. */
async function configOf(dir: string | undefined, file: string | undefined): Promise<Record<string, unknown>> {
  if (file === undefined) return (await openProject(dir)).project.terraform().config;
  return evalModules({
    class: "terraform",
    specialArgs: { ...terraformSpecialArgs },
    modules: [...terraformModules, ...(await loadModules(file))],
  }).config;
}

function note(line: string): void {
  process.stderr.write(`grove: ${line}\n`);
}

function command(name: TerraformCommand, description: string) {
  const approves = name === "apply" || name === "destroy";
  return defineCommand({
    meta: { name, description },
    args: {
      ...args,
      ...(approves
        ? {
            "auto-approve": {
              type: "boolean",
              description: "Do not ask for approval (terraform's -auto-approve)",
            },
          }
        : {}),
    },
    async run({ args }) {
      const result = await runTerraform(name, {
        fleet: fleetRoot(args.dir),
        workspace: args.workspace,
        config: await configOf(args.dir, args.config),
        autoApprove: (args as { "auto-approve"?: boolean })["auto-approve"] === true,
        note,
      });
      if (result.outputs !== undefined) process.stdout.write(`${showOutputs(result.outputs)}\n`);
    },
  });
}

/** `grove tf`: wired into the main command's `subCommands`. */
export const tfCommand = defineCommand({
  meta: { name: "tf", description: "Terraform: plan and apply the fleet's terraform configuration" },
  subCommands: {
    plan: command("plan", "Show what terraform would change"),
    apply: command("apply", "Create, update and destroy resources to match the configuration"),
    destroy: command("destroy", "Destroy every resource of the workspace"),
    output: command("output", "Print the workspace's outputs as JSON (sensitive ones hidden)"),
  },
});
