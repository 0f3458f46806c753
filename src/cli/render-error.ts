/**
 * The CLI's one error boundary: a `GroveError` is a user's mistake (exit 1, one clear message with
 * file, option path and hint); anything else is a bug in Grove (exit 2, "please report"). Stack
 * traces only with `--trace`.
 */
import { stripVTControlCharacters } from "node:util";
import { type CommandDef, runCommand, runMain } from "citty";
import { GroveError, isGroveError, showPath } from "../errors.js";

export interface Rendered {
  readonly text: string;
  readonly exitCode: 1 | 2;
}

function isCittyUsageError(e: unknown): e is Error {
  return e instanceof Error && e.name === "CLIError";
}

/** Renders an error for the terminal, without printing it. */
export function renderError(e: unknown, opts: { trace?: boolean } = {}): Rendered {
  // citty colours its messages; errors are plain text.
  const err = isCittyUsageError(e) ? new GroveError("Usage", stripVTControlCharacters(e.message)) : e;
  if (isGroveError(err)) {
    const lines = [`error[${err.code}]: ${err.message}`];
    if (err.file !== undefined)
      lines.push(`  --> ${err.file}${err.line === undefined ? "" : `:${err.line}`}`);
    if (err.path !== undefined && err.path.length > 0) lines.push(`  at: ${showPath(err.path)}`);
    lines.push(`  hint: ${err.hint}`);
    if (opts.trace && err.stack) lines.push("", err.stack);
    return { text: `${lines.join("\n")}\n`, exitCode: 1 };
  }
  const message = err instanceof Error ? err.message : String(err);
  const lines = [
    `error[Internal]: ${message}`,
    "  This is a bug in Grove, not in your configuration; please report it with the output of `--trace`.",
  ];
  if (opts.trace && err instanceof Error && err.stack) lines.push("", err.stack);
  return { text: `${lines.join("\n")}\n`, exitCode: 2 };
}

/**
 * Runs the CLI: `--help`/`--version` through citty, every command inside the boundary. `--trace`
 * may appear anywhere on the command line.
 */
export async function runCli(main: CommandDef<any>, argv: readonly string[]): Promise<void> {
  const trace = argv.includes("--trace");
  const rawArgs = argv.filter((a) => a !== "--trace");
  if (
    rawArgs.some((a) => a === "--help" || a === "-h") ||
    (rawArgs.length === 1 && rawArgs[0] === "--version")
  ) {
    await runMain(main, { rawArgs });
    return;
  }
  try {
    await runCommand(main, { rawArgs });
  } catch (e) {
    const { text, exitCode } = renderError(e, { trace });
    process.stderr.write(text);
    process.exitCode = exitCode;
  }
}
