import { isGroveError, showPath } from "../errors.js";

/** An error as the CLI prints it, and the exit code that goes with it. */
export interface RenderedError {
  text: string;
  /** 1 for a user's mistake (a `GroveError`), 2 for a bug in Grove. */
  exitCode: 1 | 2;
}

function stackOf(error: unknown): string {
  let out = "";
  let e: unknown = error;
  for (let depth = 0; e instanceof Error && depth < 5; depth++) {
    out += `${depth === 0 ? "" : "caused by: "}${e.stack ?? e.message}\n`;
    e = e.cause;
  }
  return out;
}

/**
 * Renders an error once, for the terminal: `error[CODE]: message`, where it is (file, option path),
 * and the hint. Anything that is not a `GroveError` is a bug and says so. `trace` adds the stack.
 *
 * @example
 * const { text, exitCode } = renderError(new GroveError("Usage", "Unknown flag."), { trace: false });
 * process.stderr.write(text);
 * process.exit(exitCode);
 */
export function renderError(error: unknown, options: { trace?: boolean } = {}): RenderedError {
  const trace = options.trace === true ? `\n${stackOf(error)}` : "";
  if (isGroveError(error)) {
    let text = `error[${error.code}]: ${error.message}\n`;
    if (error.file !== undefined)
      text += `  file: ${error.file}${error.line === undefined ? "" : `:${error.line}`}\n`;
    if (error.path !== undefined && error.path.length > 0) text += `  option: ${showPath(error.path)}\n`;
    text += `  hint: ${error.hint}\n`;
    return { text: text + trace, exitCode: 1 };
  }
  const message = error instanceof Error ? error.message : String(error);
  const text =
    `error[Internal]: ${message}\n` +
    "  This is a bug in Grove, not a mistake in your configuration; please report it with the output of `--trace`.\n";
  return { text: text + trace, exitCode: 2 };
}
