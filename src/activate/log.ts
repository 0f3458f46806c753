/** How loud a message is: `verbose` ones are only sent when verbose mode is on. */
export type LogLevel = "info" | "verbose" | "warn";

export interface LogEvent {
  level: LogLevel;
  message: string;
}

/** Receives what activation has to say; the library itself never prints. */
export type Logger = (event: LogEvent) => void;

/** A logger that drops `verbose` events unless verbose mode is on. */
export function makeLog(logger: Logger | undefined, verbose: boolean) {
  const send = logger ?? (() => {});
  return {
    info: (message: string) => send({ level: "info", message }),
    warn: (message: string) => send({ level: "warn", message }),
    verbose: (message: string) => {
      if (verbose) send({ level: "verbose", message });
    },
  };
}

export type Log = ReturnType<typeof makeLog>;
