/**
 * The edge where Grove runs the real `terraform`: render `main.tf.json` into the workspace's working
 * folder, open the encrypted state, run `init` and the command with terraform's output streamed,
 * then encrypt the state again and shred the plaintext — also when terraform fails or the run is
 * interrupted (SIGTERM and SIGHUP are passed on to terraform, which stops gracefully and saves its
 * state; Grove waits for it).
 */
import { constants } from "node:fs";
import { access, writeFile } from "node:fs/promises";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { execa } from "execa";
import { GroveError } from "../../errors.js";
import { type Env, writeFileAtomic } from "../../secrets/index.js";
import { parseTerraformOutputs, publicOutputs, type TerraformOutputs } from "./outputs.js";
import { type Json, toTerraformJson, writeJson } from "./render.js";
import { LOCAL_STATE, prepareWorkdir, StateSession, statePaths } from "./state.js";

/** What `grove tf` runs. */
export type TerraformCommand = "plan" | "apply" | "destroy" | "output";

export interface RunOptions {
  /** The fleet's root folder: the state lives in its `terraform/`, the working folder in its `.grove/`. */
  readonly fleet: string;
  /** The evaluated terraform class configuration. */
  readonly config: Record<string, unknown>;
  /** A Grove workspace: its own state file and working folder (default `default`). */
  readonly workspace?: string | undefined;
  /** Pass `-auto-approve` to `apply` and `destroy` instead of letting terraform ask. */
  readonly autoApprove?: boolean | undefined;
  /**
   * Receives terraform's output as it comes. Without it terraform writes to the terminal and reads
   * its approval prompt from it.
   */
  readonly output?: ((text: string) => void) | undefined;
  /** Let terraform colour its output (default: when it goes to a terminal). */
  readonly color?: boolean | undefined;
  /** Tells the user what Grove did with the state. */
  readonly note?: ((line: string) => void) | undefined;
  /** Environment of terraform, and where age identities are found (default: `process.env`). */
  readonly env?: Env | undefined;
  /** The terraform program (default: `$GROVE_TERRAFORM`, else `terraform` on `PATH`). */
  readonly terraform?: string | undefined;
  /** The secret store whose users can read the state (default: the fleet's `sops/`). */
  readonly storeDir?: string | undefined;
}

export interface RunResult {
  /** The outputs, for `output`. */
  readonly outputs?: TerraformOutputs;
  /** Whether the encrypted state in the repository was rewritten. */
  readonly stateWritten: boolean;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The terraform program: an explicit path, `$GROVE_TERRAFORM`, or `terraform` on `PATH`.
 *
 * @example
 * await findTerraform(process.env); // "/usr/local/bin/terraform"
 */
export async function findTerraform(env: Env, explicit?: string): Promise<string> {
  const named = explicit ?? env.GROVE_TERRAFORM;
  if (named !== undefined && named !== "") {
    if (await isExecutable(named)) return named;
    throw new GroveError("TerraformNotFound", `\`${named}\` is not an executable program.`, { file: named });
  }
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "" || !isAbsolute(dir)) continue;
    const candidate = join(dir, "terraform");
    if (await isExecutable(candidate)) return candidate;
  }
  throw new GroveError("TerraformNotFound", "No `terraform` program on PATH.");
}

/** The signals that stop a run: passed on to terraform, and remembered so no further step starts. */
class SignalGuard {
  /** Stops the terraform that is running now, if any. */
  stop: (() => void) | undefined;
  received: NodeJS.Signals | undefined;
  readonly #forward = (signal: NodeJS.Signals) => {
    this.received ??= signal;
    // Ctrl-C reaches terraform from the terminal by itself: a second SIGINT would make it stop
    // without saving its state, so only signals sent to Grove alone are passed on.
    if (signal !== "SIGINT") this.stop?.();
  };

  constructor() {
    for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(s, this.#forward);
  }

  release(): void {
    for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.off(s, this.#forward);
  }

  check(): void {
    if (this.received !== undefined)
      throw new GroveError("TerraformFailed", `Interrupted by ${this.received}.`, {
        hint: "The state terraform wrote was encrypted again; run the command again to continue.",
      });
  }
}

interface Step {
  readonly program: string;
  readonly cwd: string;
  readonly env: Env;
  readonly output: ((text: string) => void) | undefined;
  readonly guard: SignalGuard;
  /** Called with the process id of each terraform started (so the lock names it). */
  readonly started: (pid: number | undefined) => Promise<void>;
}

/**
 * Runs one terraform command, streaming its output. `status` output (`init`'s) goes to stderr on a
 * terminal so that stdout carries only what was asked for; `capture` returns stdout instead.
 */
async function terraform(step: Step, args: string[], kind: "stream" | "status" | "capture"): Promise<string> {
  step.guard.check();
  const piped = step.output !== undefined;
  const capture = kind === "capture";
  const child = execa(step.program, args, {
    cwd: step.cwd,
    env: { ...step.env, TF_IN_AUTOMATION: "1" },
    extendEnv: false,
    reject: false,
    stdin: piped ? "ignore" : "inherit",
    stdout: capture || piped ? "pipe" : kind === "status" ? 2 : "inherit",
    stderr: piped ? "pipe" : "inherit",
  });
  step.guard.stop = () => child.kill("SIGTERM");
  await step.started(child.pid);
  if (piped) {
    if (!capture) child.stdout?.on("data", (d: Buffer) => step.output!(d.toString("utf8")));
    child.stderr?.on("data", (d: Buffer) => step.output!(d.toString("utf8")));
  }
  const result = await child;
  step.guard.stop = undefined;
  if (result.exitCode === undefined && result.code === "ENOENT")
    throw new GroveError("TerraformNotFound", `\`${step.program}\` could not be started.`);
  if (result.exitCode !== 0)
    throw new GroveError(
      "TerraformFailed",
      `\`terraform ${args[0]}\` ${result.exitCode === undefined ? `was stopped (${result.signal ?? "no exit status"})` : `exited with status ${result.exitCode}`}.`,
    );
  return String(result.stdout ?? "");
}

function argsFor(command: TerraformCommand, color: string[], opts: RunOptions): string[] {
  switch (command) {
    case "plan":
      return ["plan", "-input=false", ...color];
    case "apply":
    case "destroy":
      return [command, ...(opts.autoApprove ? ["-input=false", "-auto-approve"] : []), ...color];
    case "output":
      return ["output", "-json", ...color];
  }
}

/** The document to write, and whether Grove keeps its state (no backend or HCP `cloud` of the user's own). */
function document(config: Record<string, unknown>): { text: string; managed: boolean } {
  const doc = toTerraformJson(config);
  const block = (doc.terraform ?? {}) as { [k: string]: Json };
  if (block.backend !== undefined || block.cloud !== undefined)
    return { text: `${writeJson(doc)}\n`, managed: false };
  doc.terraform = { ...block, backend: { local: { path: LOCAL_STATE } } };
  return { text: `${writeJson(doc)}\n`, managed: true };
}

/**
 * Runs `terraform init` and then `plan`, `apply`, `destroy` or `output` on a configuration, with
 * its state kept encrypted in the fleet. A configuration with a backend of its own keeps its state
 * there, and Grove leaves it alone.
 *
 * @example
 * await runTerraform("apply", { fleet: "/srv/fleet", config, autoApprove: true });
 * const { outputs } = await runTerraform("output", { fleet: "/srv/fleet", config });
 */
export async function runTerraform(command: TerraformCommand, opts: RunOptions): Promise<RunResult> {
  const env = opts.env ?? process.env;
  const note = opts.note ?? (() => undefined);
  const fleet = resolve(opts.fleet);
  const paths = statePaths(fleet, opts.workspace ?? "default");
  const program = await findTerraform(env, opts.terraform);
  const { text, managed } = document(opts.config);
  if (!managed)
    note("the configuration names its own backend: the state stays there, Grove does not store it");

  await prepareWorkdir(paths);
  const guard = new SignalGuard();
  try {
    const state = managed
      ? await StateSession.open(paths, { storeDir: opts.storeDir ?? join(fleet, "sops"), env, note })
      : undefined;
    let outputs: TerraformOutputs | undefined;
    let stateWritten = false;
    try {
      await writeFile(join(paths.workdir, "main.tf.json"), text);
      const step: Step = {
        program,
        cwd: paths.workdir,
        env,
        output: opts.output,
        guard,
        started: async (pid) => state?.running(pid),
      };
      const color = (opts.color ?? (opts.output === undefined && process.stdout.isTTY)) ? [] : ["-no-color"];
      await terraform(step, ["init", "-input=false", ...color], "status");
      const stdout = await terraform(
        step,
        argsFor(command, color, opts),
        command === "output" ? "capture" : "stream",
      );
      if (command === "output") outputs = parseTerraformOutputs(stdout);
      if (command === "apply" || command === "destroy") {
        outputs = parseTerraformOutputs(await terraform(step, ["output", "-json", ...color], "capture"));
      }
      // The hand-off to deploy: outputs that are not secret, in plain JSON beside the state.
      if (outputs !== undefined)
        await writeFileAtomic(paths.outputs, `${JSON.stringify(publicOutputs(outputs), null, 2)}\n`);
    } finally {
      if (state !== undefined) stateWritten = await state.close();
    }
    if (stateWritten) note(`encrypted the Terraform state to ${paths.encrypted}`);
    guard.check();
    return command === "output" && outputs !== undefined ? { outputs, stateWritten } : { stateWritten };
  } finally {
    guard.release();
  }
}

/**
 * The outputs of a workspace, read with `terraform output -json` from its stored state: the
 * hand-off of created hosts (addresses, names) to the layers that deploy to them.
 *
 * @example
 * const outputs = await terraformOutputs({ fleet: ".", config });
 * const target = { host: outputs.web_ipv4 as string };
 */
export async function terraformOutputs(opts: Omit<RunOptions, "autoApprove">): Promise<TerraformOutputs> {
  return (await runTerraform("output", opts)).outputs ?? {};
}
