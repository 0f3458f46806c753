import { describe, expect, it } from "vitest";
import { renderError } from "../../src/cli/render-error.js";
import { catalogue, GroveError } from "../../src/errors.js";

describe("renderError", () => {
  it("renders a GroveError with code, file, option path and hint, exit 1", () => {
    const e = new GroveError("HomeCollision", "Two paths are in the way.", {
      file: "/home/a",
      path: ["files", ".x y"],
    });
    expect(renderError(e)).toEqual({
      text: `error[HomeCollision]: Two paths are in the way.\n  file: /home/a\n  option: files.".x y"\n  hint: ${catalogue.HomeCollision.hint}\n`,
      exitCode: 1,
    });
  });

  it("calls anything else a bug, exit 2, and adds stacks and causes with trace", () => {
    const r = renderError(new TypeError("x is undefined", { cause: new Error("root cause") }), {
      trace: true,
    });
    expect(r.exitCode).toBe(2);
    expect(r.text).toMatch(/^error\[Internal\]: x is undefined\n {2}This is a bug in Grove/);
    expect(r.text).toContain("TypeError: x is undefined\n    at ");
    expect(r.text).toContain("caused by: Error: root cause");
    expect(renderError("a string").text).toMatch(/^error\[Internal\]: a string\n/);
  });
});
