import { describe, expect, it } from "vitest";
import { renderError } from "../../src/cli/render-error.js";
import { GroveError } from "../../src/errors.js";

describe("renderError", () => {
  it("renders a GroveError as one message with file, path and hint, exit 1, no stack", () => {
    const r = renderError(
      new GroveError("SecretTampered", "Bad value.", { file: "s.yaml", path: ["a", "b c"] }),
    );
    expect(r.exitCode).toBe(1);
    expect(r.text).toMatch(
      /^error\[SecretTampered\]: Bad value\.\n {2}--> s\.yaml\n {2}at: a\."b c"\n {2}hint: /,
    );
    expect(r.text).not.toContain("    at ");
  });

  it("shows the stack with --trace", () => {
    expect(renderError(new GroveError("Usage", "x"), { trace: true }).text).toContain("at ");
  });

  it("treats anything else as a bug: exit 2 and a request to report it", () => {
    const r = renderError(new TypeError("boom"));
    expect(r.exitCode).toBe(2);
    expect(r.text).toMatch(/^error\[Internal\]: boom\n.*report/);
  });

  it("turns citty's usage errors into Usage errors without colours", () => {
    const e = Object.assign(new Error("Unknown command \u001b[36mx\u001b[39m"), { name: "CLIError" });
    expect(renderError(e).text).toMatch(/^error\[Usage\]: Unknown command x\n/);
  });
});
