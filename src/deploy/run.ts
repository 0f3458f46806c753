/**
 * Running a deploy: per target, over one shared SSH connection, connect → plan → lock → upload →
 * activate → check, rolling back when activation or the check fails; targets run in parallel up to
 * a limit, and one target's failure never stops another. Every command's output goes to the
 * target's log; what a run returns is data — the CLI prints it.
 */
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
import type { BuiltHome } from "./home.js";
import { activationScript, shellQuote, unpackCommand } from "./script.js";
import type { Selected } from "./select.js";
import { closeArgs, openArgs, runArgs, type SshOptions } from "./ssh.js";

/** A selected target, with its built home or the reason it could not be built. */
export interface Prepared extends Selected {
  home?: BuiltHome;
  /** Why building failed (the target then fails at the step `build`). */
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
  if (t.buildError !== undefined || t.home === undefined) {
    write(t.buildError ?? "nothing was built");
    return { name: t.name, status: "failed", step, lines: tail(), log };
  }
  const home = t.home;
  const script = activationScript({ home: home.homeDirectory, hash: home.hash, leaves: home.leaves });
  /** Runs the activation program in a mode; its output goes to the log. */
  const remote = async (mode: string, ...args: string[]) => {
    const command = ["sh", "-s", "--", mode, ...args.map(shellQuote)].join(" ");
    const r = await execa("ssh", runArgs(address, ssh, command), {
      input: script,
      reject: false,
      all: true,
      timeout: commandTimeout,
    });
    write(r.all ?? "");
    return r;
  };
  let connected = false;
  let locked = false;
  try {
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

    begin("plan");
    const plan = await remote("plan");
    if (plan.exitCode !== 0) throw new StepFailed(step);
    const lines = plan.stdout.split("\n").filter((l) => l !== "");
    const previous = lines.find((l) => l.startsWith("previous="))?.slice("previous=".length) ?? "";
    const present = lines.includes("present=yes");
    const changes = lines.filter((l) => /^[+\-!] /.test(l));
    if (opts.dryRun) {
      const summary = `generation ${previous === "" ? "none" : previous.slice(0, 12)} → ${home.hash.slice(0, 12)}${present ? "" : " (to upload)"}`;
      return finish({ name: t.name, status: "planned", lines: [summary, ...changes], log });
    }

    begin("lock");
    const lock = await remote("lock", holder);
    if (lock.exitCode !== 0) throw new StepFailed(step);
    locked = true;

    if (!present) {
      begin("upload");
      const archive = join(home.stateDir, `upload-${home.hash}.tar`);
      await execa("tar", ["-cf", archive, "-C", home.stateDir, `store/${home.hash}`]);
      const up = await execa("ssh", runArgs(address, ssh, unpackCommand(home.homeDirectory, home.hash)), {
        inputFile: archive,
        reject: false,
        all: true,
        timeout: commandTimeout,
      });
      rmSync(archive, { force: true });
      write(up.all ?? "");
      if (up.exitCode !== 0) throw new StepFailed(step);
    }

    begin("activate");
    const act = await remote("activate");
    // 3: files in the way, refused before anything changed; nothing to roll back.
    if (act.exitCode === 3) throw new StepFailed(step);
    if (act.exitCode !== 0) throw new StepFailed(step, await rollBack(previous));

    begin("check");
    const check = await remote("check");
    if (check.exitCode !== 0) throw new StepFailed(step, await rollBack(previous));
    return finish({ name: t.name, status: "ok", lines: [], log });
  } catch (e) {
    // Anything else going wrong (tar, a timeout) fails this target only.
    if (!(e instanceof StepFailed)) write(e instanceof Error ? e.message : String(e));
    return finish({
      name: t.name,
      status: e instanceof StepFailed && e.rolledBack ? "rolled back" : "failed",
      step: e instanceof StepFailed ? e.step : step,
      lines: [],
      log,
    });
  }

  /** Makes the previous generation live again; whether that worked. */
  async function rollBack(previous: string): Promise<boolean> {
    write(`== rollback to ${previous === "" ? "no generation" : previous}`);
    const r = await remote("rollback", previous);
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
