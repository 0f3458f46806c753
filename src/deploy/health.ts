/**
 * Health checks (`deploy.healthChecks.<name>`): checked from configuration into one kind each, then
 * run after activation, retried until they pass or their `timeout` is up. A `command` runs on the
 * target (the caller gives the runner: over the shared connection); `tcp` and `http` are probed
 * from the deploying machine, as clients reach the target, with nothing needed on the target.
 */
import { connect } from "node:net";
import { GroveError, showPath } from "../errors.js";

/** A health check as configured (the option's value). */
export interface HealthCheckOptions {
  command: string | null;
  tcp: string | null;
  http: string | null;
  timeout: number;
}

/** A checked health check: exactly one kind. */
export interface HealthCheck {
  name: string;
  kind: "command" | "tcp" | "http";
  /** The command, `host:port` or URL. */
  target: string;
  /** Seconds it may take to pass. */
  timeout: number;
}

/**
 * Checks each configured health check and returns them in name order; `at` is the option path of
 * the attribute set (`["deploy", "healthChecks"]`), named by the `DeployHealthCheckInvalid` errors.
 *
 * @example
 * healthChecksOf({ web: { command: null, tcp: "web1:443", http: null, timeout: 10 } }, ["deploy", "healthChecks"]);
 * // [{ name: "web", kind: "tcp", target: "web1:443", timeout: 10 }]
 */
export function healthChecksOf(
  options: Readonly<Record<string, HealthCheckOptions>>,
  at: readonly string[],
): HealthCheck[] {
  return Object.keys(options)
    .sort()
    .map((name) => {
      const o = options[name]!;
      const path = [...at, name];
      const set = (["command", "tcp", "http"] as const).filter((k) => o[k] !== null);
      if (set.length !== 1) {
        throw new GroveError(
          "DeployHealthCheckInvalid",
          `${showPath(path)} sets ${set.length === 0 ? "none" : set.join(" and ")} of \`command\`, \`tcp\`, \`http\`; it needs exactly one.`,
          { path },
        );
      }
      const kind = set[0]!;
      const target = o[kind]!;
      if (kind === "tcp" && hostPort(target) === undefined) {
        throw new GroveError(
          "DeployHealthCheckInvalid",
          `${showPath([...path, "tcp"])} is not \`host:port\`.`,
          {
            path: [...path, "tcp"],
          },
        );
      }
      if (kind === "http" && !/^https?:\/\/./.test(target)) {
        throw new GroveError(
          "DeployHealthCheckInvalid",
          `${showPath([...path, "http"])} is not an http(s) URL.`,
          {
            path: [...path, "http"],
          },
        );
      }
      return { name, kind, target, timeout: o.timeout };
    });
}

function hostPort(text: string): { host: string; port: number } | undefined {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(text);
  const port = Number(m?.[2]);
  return m === null || port < 1 || port > 65535 ? undefined : { host: m[1]!, port };
}

/** Whether `host:port` accepts a connection within `ms`; the reason when not. */
function tcpOnce(target: string, ms: number): Promise<string | null> {
  const { host, port } = hostPort(target)!;
  return new Promise((done) => {
    const socket = connect({ host, port, timeout: ms });
    socket.once("connect", () => {
      socket.destroy();
      done(null);
    });
    socket.once("timeout", () => {
      socket.destroy();
      done("timed out");
    });
    socket.once("error", (e) => done(e.message));
  });
}

/** Whether the URL answers 2xx within `ms` (redirects are not followed: a 3xx is not 2xx). */
async function httpOnce(url: string, ms: number): Promise<string | null> {
  try {
    const r = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(ms) });
    await r.body?.cancel();
    return r.status >= 200 && r.status < 300 ? null : `answered ${r.status}`;
  } catch (e) {
    return e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
  }
}

/**
 * Runs one check, again every second until it passes or its timeout is up; returns whether it
 * passed. `command` runs a command check on the target with a limit in seconds (null: it passed,
 * else why not); `log` is told every failed attempt's reason once it changes, and the outcome.
 */
export async function runHealthCheck(
  check: HealthCheck,
  command: (text: string, seconds: number) => Promise<string | null>,
  log: (line: string) => void,
): Promise<boolean> {
  const deadline = Date.now() + check.timeout * 1000;
  let last: string | null = null;
  for (;;) {
    const left = Math.max(1, deadline - Date.now());
    const reason =
      check.kind === "command"
        ? await command(check.target, Math.ceil(left / 1000))
        : check.kind === "tcp"
          ? await tcpOnce(check.target, left)
          : await httpOnce(check.target, left);
    if (reason === null) {
      log(`health ${check.name} (${check.kind} ${check.target}): passed`);
      return true;
    }
    if (reason !== last) log(`health ${check.name} (${check.kind} ${check.target}): ${reason}`);
    last = reason;
    if (Date.now() + 1000 >= deadline) {
      log(`health ${check.name}: failed within ${check.timeout} s`);
      return false;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}
