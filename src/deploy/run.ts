/**
 * Running a deploy: per target, over one shared SSH connection, (build →) connect → plan → lock →
 * upload → activate → (check →) health → confirm, rolling back when activation or a check fails;
 * the target itself rolls back when no confirmation comes. Targets run in parallel up to a limit,
 * and one target's failure never stops another. Every command's output goes to the target's log;
 * what a run returns is data — the CLI prints it.
 */
import { randomBytes } from "node:crypto";
import {
  appendFileSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { isGroveError } from "../errors.js";
import { encryptArmored } from "../secrets/index.js";
import { type HealthCheck, runHealthCheck } from "./health.js";
import type { BuiltHome } from "./home.js";
import {
  type BuildOn,
  buildArgs,
  builtPath,
  copyArgs,
  derivationArgs,
  type MachineTarget,
  nixSshOpts,
} from "./machine.js";
import {
  activationScript,
  homeState,
  planLockInstallCommand,
  sealScript,
  shellQuote,
  systemScript,
  systemState,
  unpackCommand,
} from "./script.js";
import type { Selected } from "./select.js";
import { closeArgs, openArgs, runArgs, type SshOptions } from "./ssh.js";

/** A selected target, with what was prepared for it or the reason that failed. */
export interface Prepared extends Selected {
  /** A standalone home's built generation. */
  home?: BuiltHome;
  /** A machine's class and system. */
  machine?: MachineTarget;
  /** Health checks run after activation. */
  checks?: readonly HealthCheck[];
  /** Why preparing failed (the target then fails at the step `build`). */
  buildError?: string;
}

/** How one target ended. */
export interface Outcome {
  name: string;
  status: "ok" | "failed" | "rolled back" | "skipped" | "planned";
  /** The step that failed (failed, rolled back), or the skip reason (skipped). */
  step?: string;
  /** The last lines of the log (failed, rolled back), or what would change (planned). */
  lines: string[];
  /** The target's log file, when one was written. */
  log?: string;
}

/** Options of a deploy run. */
export interface DeployOptions {
  jobs: number;
  dryRun: boolean;
  /** `<fleet>/.grove/logs`: one `<target>.log` per target, rewritten each run. */
  logDir: string;
  sshConfig?: string | undefined;
  connectTimeout?: number;
  /**
   * Seconds the target waits for the confirmation after activation and the health checks' own
   * time, before rolling itself back (default 30).
   */
  confirmTimeout?: number;
  /** Where machines' systems are built (default here). */
  buildOn?: BuildOn;
  /** Instead of deploying: return each target to its previous generation. */
  rollback?: boolean;
  /** Told when a target starts a step, for live progress. */
  onStep?: (name: string, step: string) => void;
  /** Told when a target has ended, as soon as it has (the returned list comes after all). */
  onDone?: (outcome: Outcome) => void;
}

/** A failure of one step of one target. */
class StepFailed extends Error {
  constructor(
    readonly step: string,
    readonly rolledBack = false,
  ) {
    super(step);
  }
}

const tailLength = 8;
const commandTimeout = 120_000;
/** Building or copying a system closure may take long; a bound still, so nothing waits forever. */
const nixTimeout = 3 * 3600_000;

/**
 * Deploys the prepared targets and returns one outcome per target, in their order. Skipped targets
 * are not connected to; with `dryRun`, targets are connected to and asked what would change, and
 * nothing is locked, uploaded or changed.
 */
export async function deploy(targets: readonly Prepared[], opts: DeployOptions): Promise<Outcome[]> {
  mkdirSync(opts.logDir, { recursive: true });
  // Control sockets go in a short folder of their own: socket paths are limited to about 100 bytes.
  const controlDir = mkdtempSync(join(tmpdir(), "grove-ssh-"));
  const ssh: SshOptions = {
    configFile: opts.sshConfig,
    controlDir,
    connectTimeout: opts.connectTimeout ?? 10,
  };
  const holder = `${userInfo().username}@${hostname()} pid ${process.pid} since ${new Date().toISOString()}`;
  try {
    return await pool(targets, Math.max(1, opts.jobs), async (t) => {
      const outcome = await deployOne(t, ssh, holder, opts);
      opts.onDone?.(outcome);
      return outcome;
    });
  } finally {
    rmSync(controlDir, { recursive: true, force: true });
  }
}

async function pool<T, R>(items: readonly T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await run(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The program a target runs, and the shell lines that name its state folder. */
function programOf(t: Prepared): { script: string; state: string } {
  if (t.machine !== undefined) return { script: systemScript(t.machine.cls), state: systemState };
  const home = t.home!;
  return {
    script: activationScript({
      home: home.homeDirectory,
      hash: home.hash,
      leaves: home.leaves,
      secrets: [...home.secrets].map(([name, { mode }]) => ({ name, mode })),
    }),
    state: homeState(home.homeDirectory),
  };
}

async function deployOne(
  t: Prepared,
  ssh: SshOptions,
  holder: string,
  opts: DeployOptions,
): Promise<Outcome> {
  if (t.skip !== undefined) return { name: t.name, status: "skipped", step: t.skip, lines: [] };
  const log = join(opts.logDir, `${t.name}.log`);
  // Append mode: the connection's own output is appended to the same file by ssh.
  writeFileSync(log, "");
  const fd = openSync(log, "a");
  const write = (text: string) => appendFileSync(fd, text.endsWith("\n") || text === "" ? text : `${text}\n`);
  const tail = () => {
    closeSync(fd);
    return readFileSync(log, "utf8").trimEnd().split("\n").slice(-tailLength);
  };
  const address = { ...t.deploy, host: t.deploy.host! };
  let step = "build";
  const begin = (s: string) => {
    step = s;
    write(`== ${s}`);
    opts.onStep?.(t.name, s);
  };
  write(`grove deploy ${t.name} by ${holder}`);
  if (t.buildError !== undefined || (t.home === undefined && t.machine === undefined)) {
    write(t.buildError ?? "nothing was built");
    return { name: t.name, status: "failed", step, lines: tail(), log };
  }
  const { script, state } = programOf(t);
  const checks = t.checks ?? [];

  /** Runs a command here; the command line and its output go to the log. */
  const local = async (file: string, args: readonly string[], env: Record<string, string> = {}) => {
    write(`$ ${[file, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : shellQuote(a))).join(" ")}`);
    const r = await execa(file, args, { reject: false, all: true, timeout: nixTimeout, env });
    write(r.all);
    return { exitCode: r.exitCode, stdout: r.stdout };
  };
  /** Runs a command on the target over the shared connection. */
  const onTarget = async (command: string, input: { input?: string; inputFile?: string } = {}) => {
    const r = await execa("ssh", runArgs(address, ssh, command), {
      ...input,
      reject: false,
      all: true,
      timeout: commandTimeout,
    });
    write(r.all ?? "");
    return r;
  };
  /** Runs the target's program in a mode. */
  const remote = (mode: string, ...args: string[]) =>
    onTarget(["sh", "-s", "--", mode, ...args.map(shellQuote)].join(" "), { input: script });

  let connected = false;
  let locked = false;
  const token = randomBytes(12).toString("hex");
  try {
    let system = "";
    if (t.machine !== undefined && !opts.rollback && opts.buildOn !== "target") {
      begin("build");
      const r = await local("nix", buildArgs(t.machine));
      system = builtPath(r.stdout) ?? "";
      if (r.exitCode !== 0 || system === "") throw new StepFailed(step);
    }

    begin("connect");
    // The background master holds the log open, not a pipe: a pipe would never reach end of file.
    const open = await execa("ssh", openArgs(address, ssh), {
      stdin: "ignore",
      stdout: { file: log, append: true },
      stderr: { file: log, append: true },
      reject: false,
      timeout: commandTimeout,
    });
    if (open.exitCode !== 0) throw new StepFailed(step);
    connected = true;

    if (opts.rollback) {
      begin("lock");
      if ((await remote("lock", holder)).exitCode !== 0) throw new StepFailed(step);
      locked = true;
      begin("rollback");
      if ((await remote("rollback")).exitCode !== 0) throw new StepFailed(step);
      return await finish({ name: t.name, status: "ok", lines: [], log });
    }

    begin("plan");
    // A real deploy plans, takes the lock and installs the program in one round trip; exit 4 is
    // the lock refused (the plan's own failures are other codes).
    const plan = opts.dryRun
      ? await remote("plan")
      : await onTarget(planLockInstallCommand(state, holder), { input: script });
    if (plan.exitCode === 4 && !opts.dryRun) begin("lock");
    if (plan.exitCode !== 0) throw new StepFailed(step);
    const lines = plan.stdout.split("\n").filter((l) => l !== "");
    const previous = lines.find((l) => l.startsWith("previous="))?.slice("previous=".length) ?? "";
    const present = lines.includes("present=yes");
    if (opts.dryRun) {
      let activation: string[] = [];
      if (t.machine !== undefined) {
        // As `nixos-rebuild dry-activate`: the closure goes into the target's store (the running
        // system is not changed) and the new system says what switching to it would do.
        begin("upload");
        system = await uploadSystem(t.machine, system);
        begin("dry-activate");
        const dry = await remote("dry-activate", system);
        if (dry.exitCode !== 0) throw new StepFailed(step);
        activation = dry.stdout
          .split("\n")
          .filter((l) => l.trim() !== "")
          .map((l) => `~ ${l}`);
      }
      const summary =
        t.home === undefined
          ? `system ${previous === "" ? "none" : previous} → ${system} (built ${opts.buildOn === "target" ? "on the target" : "here"})`
          : `generation ${previous === "" ? "none" : previous.slice(0, 12)} → ${t.home.hash.slice(0, 12)}${present ? "" : " (to upload)"}`;
      const changes = lines.filter((l) => /^[+\-!*] /.test(l));
      const health = checks.map((c) => `? health ${c.name}: ${c.kind} ${c.target}`);
      return await finish({
        name: t.name,
        status: "planned",
        lines: [summary, ...changes, ...activation, ...health],
        log,
      });
    }

    // Taken with the plan, and the program installed: the watchdog runs that copy once the
    // connection may be gone.
    begin("lock");
    locked = true;

    begin("upload");
    let set = "";
    if (t.home !== undefined) {
      if (!present) await uploadStore(t.home);
      if (t.home.secrets.size > 0) set = await uploadSecrets(t.home);
    } else {
      system = await uploadSystem(t.machine!, system);
    }

    begin("activate");
    // The watchdog waits for the health checks' time too: they run before the confirmation.
    const wait = (opts.confirmTimeout ?? 30) + checks.reduce((n, c) => n + c.timeout, 0);
    const act = await remote("activate", token, String(wait), holder, t.home === undefined ? system : set);
    // 3: refused before anything changed; nothing to roll back.
    if (act.exitCode === 3) throw new StepFailed(step);
    if (act.exitCode !== 0) throw new StepFailed(step, await abort());

    if (t.home !== undefined) {
      begin("check");
      if ((await remote("check")).exitCode !== 0) throw new StepFailed(step, await abort());
    }

    if (checks.length > 0) {
      begin("health");
      const command = async (text: string, seconds: number) => {
        const r = await remote("health", String(seconds), text);
        return r.exitCode === 0 ? null : `exit ${r.exitCode}`;
      };
      for (const check of checks) {
        if (!(await runHealthCheck(check, command, write))) throw new StepFailed(step, await abort());
      }
    }

    begin("confirm");
    const confirm = await remote("confirm", token, holder);
    // 5: too late, the target already rolled itself back.
    if (confirm.exitCode === 5) throw new StepFailed(step, true);
    if (confirm.exitCode !== 0) {
      write(
        `lost contact: unless the confirmation arrived, the target rolls back by itself within ${wait} s`,
      );
      throw new StepFailed(step);
    }
    locked = false;
    return await finish({ name: t.name, status: "ok", lines: [], log });
  } catch (e) {
    // Anything else going wrong (tar, a secret that cannot be read, a timeout) fails this target only.
    if (!(e instanceof StepFailed)) {
      write(isGroveError(e) ? `error[${e.code}]: ${e.message}` : e instanceof Error ? e.message : String(e));
    }
    return finish({
      name: t.name,
      status: e instanceof StepFailed && e.rolledBack ? "rolled back" : "failed",
      step: e instanceof StepFailed ? e.step : step,
      lines: [],
      log,
    });
  }

  /** The generation's store folder as a tar stream, unpacked on the target. */
  async function uploadStore(home: BuiltHome): Promise<void> {
    const archive = join(home.stateDir, `upload-${home.hash}.tar`);
    await execa("tar", ["-cf", archive, "-C", home.stateDir, `store/${home.hash}`]);
    const up = await onTarget(unpackCommand(home.homeDirectory, home.hash), { inputFile: archive });
    rmSync(archive, { force: true });
    if (up.exitCode !== 0) throw new StepFailed(step);
  }

  /**
   * Seals each secret for the target's own age identity (made there on first use, never leaving it)
   * and stores them as a new secret set; returns the set's name. The plaintext exists only here in
   * memory, and on the target once `age` decrypts it at activation.
   */
  async function uploadSecrets(home: BuiltHome): Promise<string> {
    const id = await remote("identity");
    const recipient = /^recipient=(age1\S+)$/m.exec(id.stdout)?.[1];
    if (id.exitCode !== 0 || recipient === undefined) throw new StepFailed(step);
    const sealed = new Map<string, string>();
    for (const [name, { provide }] of home.secrets) {
      const value = await provide();
      sealed.set(
        name,
        await encryptArmored(typeof value === "string" ? new TextEncoder().encode(value) : value, recipient),
      );
    }
    const set = `${new Date().toISOString().replace(/\D/g, "").slice(0, 14)}-${randomBytes(4).toString("hex")}`;
    write(`sealing ${sealed.size} secret${sealed.size === 1 ? "" : "s"} for ${recipient} as set ${set}`);
    if ((await onTarget("sh -s", { input: sealScript(home.homeDirectory, set, sealed) })).exitCode !== 0) {
      throw new StepFailed(step);
    }
    return set;
  }

  /** Puts the system closure on the target (building it there with `--build-on target`); its path. */
  async function uploadSystem(m: MachineTarget, built: string): Promise<string> {
    const env = { NIX_SSHOPTS: nixSshOpts(address, ssh) };
    if (opts.buildOn !== "target") {
      if ((await local("nix", copyArgs(address, built, false), env)).exitCode !== 0)
        throw new StepFailed(step);
      return built;
    }
    const drv = await local("nix", derivationArgs(m));
    if (drv.exitCode !== 0) throw new StepFailed(step);
    if ((await local("nix", copyArgs(address, drv.stdout.trim(), true), env)).exitCode !== 0) {
      throw new StepFailed(step);
    }
    const r = await remote("realise", drv.stdout.trim());
    if (r.exitCode !== 0) throw new StepFailed(step);
    return lastLine(r.stdout);
  }

  /** Disarms the watchdog and makes the previous generation live again; whether that worked. */
  async function abort(): Promise<boolean> {
    write("== rollback to the previous generation");
    const r = await remote("abort", token);
    // 255: ssh itself failed; the armed watchdog is then the one to roll back.
    if (r.exitCode === 255) write("lost contact: the target rolls back by itself when its watchdog fires");
    return r.exitCode === 0;
  }

  async function finish(outcome: Outcome): Promise<Outcome> {
    if (locked) {
      write("== unlock");
      await remote("unlock", holder);
    }
    if (connected) {
      const r = await execa("ssh", closeArgs(address, ssh), {
        reject: false,
        all: true,
        timeout: commandTimeout,
      });
      write(r.all ?? "");
    }
    const lines = tail();
    return outcome.status === "failed" || outcome.status === "rolled back" ? { ...outcome, lines } : outcome;
  }
}

function lastLine(text: string): string {
  return text.trim().split("\n").at(-1) ?? "";
}
