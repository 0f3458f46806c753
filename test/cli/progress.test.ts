/**
 * `grove deploy`'s progress: when live rows are drawn, the plain lines, and the listr2 rows as a
 * terminal receives them (a fake terminal stream; listr2's own renderer, spinner and all).
 */
import { Writable } from "node:stream";
import { stripVTControlCharacters } from "node:util";
import { ProcessOutput } from "listr2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ending, liveProgress, plainProgress, wantsLive } from "../../src/cli/progress.js";
import type { Outcome } from "../../src/deploy/index.js";

const outcome =
  (status: Outcome["status"]) =>
  (name: string, step?: string): Outcome => ({
    name,
    status,
    lines: [],
    ...(step === undefined ? {} : { step }),
  });
const ok = outcome("ok");
const failed = outcome("failed");
const rolledBack = outcome("rolled back");
const skipped = outcome("skipped");

describe("wantsLive", () => {
  const tty = { isTTY: true };
  it("draws live rows on a terminal only, and not in CI, on a dumb terminal or when turned off", () => {
    expect(wantsLive(tty, {}, true)).toBe(true);
    expect(wantsLive(tty, { CI: "false" }, true)).toBe(true);
    expect(wantsLive({ isTTY: false }, {}, true)).toBe(false);
    expect(wantsLive({}, {}, true)).toBe(false);
    expect(wantsLive(tty, { CI: "true" }, true)).toBe(false);
    expect(wantsLive(tty, { CI: "1" }, true)).toBe(false);
    expect(wantsLive(tty, { TERM: "dumb" }, true)).toBe(false);
    expect(wantsLive(tty, {}, false)).toBe(false);
  });
});

describe("plainProgress", () => {
  it("writes `target: step` as steps come, then how each target ended", async () => {
    const lines: string[] = [];
    const p = plainProgress((l) => lines.push(l));
    p.step("a@one", "connect");
    p.step("b@two", "connect");
    p.step("a@one", "plan");
    p.done(rolledBack("a@one", "activate"));
    p.done(skipped("c", "no deploy target"));
    p.done(failed("b@two", "lock"));
    await p.end();
    expect(lines).toEqual([
      "a@one: connect",
      "b@two: connect",
      "a@one: plan",
      "a@one: rolled back at activate",
      "c: skipped: no deploy target",
      "b@two: failed at lock",
    ]);
  });
});

describe("liveProgress on a terminal", () => {
  // listr2 picks its live renderer only when process.stdout is a terminal, as the CLI checks.
  let wasTTY: boolean | undefined;
  beforeEach(() => {
    wasTTY = process.stdout.isTTY;
    process.stdout.isTTY = true;
  });
  afterEach(() => {
    process.stdout.isTTY = wasTTY as boolean;
  });

  /** A terminal of 100 columns that keeps what it is sent: each write of listr2 is a frame. */
  function terminal() {
    const writes: string[] = [];
    const stream = Object.assign(
      new Writable({
        write(chunk, _, done) {
          writes.push(stripVTControlCharacters(String(chunk)));
          done();
        },
      }),
      { isTTY: true, columns: 100, rows: 40 },
    );
    const frame = () => (writes.findLast((w) => w.trim() !== "") ?? "").trimEnd();
    /** Waits (at most 2 s) until the latest frame matches. */
    const until = async (pattern: RegExp) => {
      for (let i = 0; i < 200 && !pattern.test(frame()); i++) await new Promise((r) => setTimeout(r, 10));
      expect(frame()).toMatch(pattern);
    };
    return { output: new ProcessOutput(stream as never, stream as never), writes, frame, until };
  }

  it("shows each target's current step, rows beyond --jobs waiting, then how each ended", async () => {
    const t = terminal();
    const p = liveProgress(["alice@one", "bob@two", "plain"], { jobs: 1, output: t.output });
    await t.until(/alice@one {2}starting/);
    p.step("alice@one", "connect");
    p.step("alice@one", "upload");
    // The running row has a spinner; the others wait their turn.
    expect(t.frame()).toMatch(/^. alice@one {2}upload\n◼ bob@two {4}waiting\n◼ plain {6}waiting$/);
    p.done(ok("alice@one"));
    await t.until(/bob@two {4}starting/);
    expect(t.frame()).toMatch(/^✔ alice@one {2}ok\n/);
    p.step("bob@two", "lock");
    expect(t.frame()).toMatch(/\n. bob@two {4}lock\n/);
    p.done(failed("bob@two", "lock"));
    p.done(skipped("plain", "no deploy target"));
    await p.end();
    // The last frame stays on the terminal.
    expect(t.writes.join("")).toMatch(
      /✔ alice@one {2}ok\n✖ bob@two {4}failed at lock\n↓ plain {6}skipped: no deploy target\n*$/,
    );
  });

  it("a rolled-back target fails its row; rows not done when it ends fail at their step", async () => {
    const t = terminal();
    const p = liveProgress(["a", "b", "c"], { jobs: 2, output: t.output });
    await t.until(/^. a {2}starting\n. b {2}starting\n◼ c {2}waiting$/);
    p.step("a", "activate");
    p.step("b", "plan");
    p.done(rolledBack("a", "activate"));
    await t.until(/c {2}starting/);
    // As when deploy() throws: end() must not wait for b and c forever.
    await p.end();
    expect(t.writes.join("")).toMatch(
      /✖ a {2}rolled back at activate\n✖ b {2}failed at plan\n✖ c {2}failed at start\n*$/,
    );
  });

  it("says the same as the summary", () => {
    expect(ending(ok("a"))).toBe("ok");
    expect(ending(outcome("planned")("a"))).toBe("planned");
    expect(ending(rolledBack("a", "check"))).toBe("rolled back at check");
  });
});
