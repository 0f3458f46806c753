import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type HealthCheck,
  type HealthCheckOptions,
  healthChecksOf,
  runHealthCheck,
} from "../../src/deploy/index.js";
import { freePort } from "./sshd.js";

const none: HealthCheckOptions = { command: null, tcp: null, http: null, timeout: 1 };
const at = ["deploy", "healthChecks"];

describe("healthChecksOf", () => {
  it("gives each check its one kind, in name order", () => {
    expect(
      healthChecksOf(
        { web: { ...none, http: "https://web1/health" }, db: { ...none, tcp: "[::1]:5432" } },
        at,
      ),
    ).toEqual([
      { name: "db", kind: "tcp", target: "[::1]:5432", timeout: 1 },
      { name: "web", kind: "http", target: "https://web1/health", timeout: 1 },
    ]);
  });

  it("refuses none or several kinds, a bad host:port and a non-http URL, naming the option", () => {
    const bad = (o: Partial<HealthCheckOptions>) => () => healthChecksOf({ x: { ...none, ...o } }, at);
    expect(bad({})).toThrow(
      expect.objectContaining({ code: "DeployHealthCheckInvalid", path: ["deploy", "healthChecks", "x"] }),
    );
    expect(bad({ command: "true", tcp: "a:1" })).toThrow("sets command and tcp");
    expect(bad({ tcp: "web1" })).toThrow(
      expect.objectContaining({ path: ["deploy", "healthChecks", "x", "tcp"] }),
    );
    expect(bad({ tcp: "web1:70000" })).toThrow("is not `host:port`");
    expect(bad({ http: "ftp://web1" })).toThrow("is not an http(s) URL");
  });
});

describe("runHealthCheck from the deploying side", () => {
  let server: Server;
  let port: number;
  let status = 200;
  beforeAll(async () => {
    server = createServer((_, res) => res.writeHead(status).end());
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => server.close());

  const run = async (check: Omit<HealthCheck, "name">) => {
    const lines: string[] = [];
    const ok = await runHealthCheck(
      { name: "c", ...check },
      async () => "not asked",
      (l) => lines.push(l),
    );
    return { ok, lines };
  };

  it("http passes on 2xx and fails on anything else, saying what it answered", async () => {
    expect((await run({ kind: "http", target: `http://127.0.0.1:${port}/`, timeout: 1 })).ok).toBe(true);
    status = 503;
    const r = await run({ kind: "http", target: `http://127.0.0.1:${port}/`, timeout: 1 });
    expect(r.ok).toBe(false);
    expect(r.lines).toContain(`health c (http http://127.0.0.1:${port}/): answered 503`);
  });

  it("tcp passes when the port accepts and fails when it refuses", async () => {
    expect((await run({ kind: "tcp", target: `127.0.0.1:${port}`, timeout: 1 })).ok).toBe(true);
    const closed = await freePort();
    const r = await run({ kind: "tcp", target: `127.0.0.1:${closed}`, timeout: 1 });
    expect(r.ok).toBe(false);
    expect(r.lines.at(-1)).toBe("health c: failed within 1 s");
  });

  it("retries until the check passes within its timeout", async () => {
    let calls = 0;
    const ok = await runHealthCheck(
      { name: "c", kind: "command", target: "true", timeout: 3 },
      async () => (++calls < 2 ? "exit 1" : null),
      () => {},
    );
    expect(ok).toBe(true);
    expect(calls).toBe(2);
  });
});
