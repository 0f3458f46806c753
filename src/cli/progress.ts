/**
 * Progress of `grove deploy` while it runs, driven by deploy()'s `onStep` and `onDone`: in a
 * terminal, one live listr2 row per target with its current step and then how it ended; anywhere
 * else (a pipe, CI, `--no-progress`), plain `target: step` lines as they happen.
 */
import { Listr, ListrLogger, type ProcessOutput } from "listr2";
import type { Outcome } from "../deploy/index.js";

/** Receives a deploy's steps and endings. */
export interface Progress {
  step(name: string, step: string): void;
  done(outcome: Outcome): void;
  /** Finishes the display (a target not done by then shows as failed) and resolves after. */
  end(): Promise<void>;
}

/** How a target ended, in the words of both the progress and the summary. */
export function ending(o: Outcome): string {
  if (o.status === "failed" || o.status === "rolled back") return `${o.status} at ${o.step}`;
  if (o.status === "skipped") return `skipped: ${o.step}`;
  return o.status;
}

/**
 * Whether live rows fit `stream`: a terminal, not CI (whose logs keep every redrawn frame), not a
 * `dumb` terminal, and not turned off.
 */
export function wantsLive(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, enabled: boolean): boolean {
  const ci = env.CI !== undefined && !["", "0", "false"].includes(env.CI);
  return enabled && stream.isTTY === true && !ci && env.TERM !== "dumb";
}

/** `target: step` lines, then `target: <ending>`, as they happen. */
export function plainProgress(write: (line: string) => void): Progress {
  return {
    step: (name, step) => write(`${name}: ${step}`),
    done: (o) => write(`${o.name}: ${ending(o)}`),
    end: async () => {},
  };
}

/**
 * One listr2 row per target, in order. listr2 runs as many rows at once as deploy() runs targets,
 * in the same order, so the rows deploy() has not reached yet show as waiting; each row's task
 * only waits for its target's outcome. `output` replaces the process's streams (tests).
 */
export function liveProgress(
  names: readonly string[],
  opts: { jobs: number; output?: ProcessOutput },
): Progress {
  const width = Math.max(0, ...names.map((n) => n.length));
  const row = (name: string, text: string) => `${name.padEnd(width)}  ${text}`;
  const steps = new Map<string, string>();
  const started = new Map<string, { title: string }>();
  const settle = new Map<string, (o: Outcome) => void>();
  const outcomes = new Map(names.map((n) => [n, new Promise<Outcome>((r) => settle.set(n, r))]));
  const list = new Listr(
    names.map((name) => ({
      title: row(name, "waiting"),
      task: async (_: unknown, task: { title: string; skip(message: string): void }) => {
        started.set(name, task);
        // A step may have come before listr2 started this row.
        task.title = row(name, steps.get(name) ?? "starting");
        const o = await outcomes.get(name)!;
        const text = row(name, ending(o));
        if (o.status === "skipped") task.skip(text);
        else if (o.status === "failed" || o.status === "rolled back") throw new Error(text);
        else task.title = text;
      },
    })),
    {
      concurrent: opts.jobs,
      exitOnError: false,
      rendererOptions:
        opts.output === undefined ? {} : { logger: new ListrLogger({ processOutput: opts.output }) },
    },
  );
  const running = list.run();
  return {
    step(name, step) {
      steps.set(name, step);
      const task = started.get(name);
      if (task !== undefined) task.title = row(name, step);
    },
    done: (o) => settle.get(o.name)?.(o),
    end: async () => {
      // Rows still open (deploy() threw) end as failed at their step, so the display stops.
      for (const [name, resolve] of settle) {
        resolve({ name, status: "failed", step: steps.get(name) ?? "start", lines: [] });
      }
      await running;
    },
  };
}
