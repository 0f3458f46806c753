import { describe, expect, it } from "vitest";
import { catalogue, GroveError, showPath } from "../src/errors.js";

describe("GroveError", () => {
  it("carries code, path, file and the catalogue hint", () => {
    const e = new GroveError("NoValue", "no value", { path: ["a", "b"], file: "m.ts" });
    expect(e.code).toBe("NoValue");
    expect(e.hint).toBe(catalogue.NoValue.hint);
    expect(e.path).toEqual(["a", "b"]);
    expect(e.file).toBe("m.ts");
    expect(e).toBeInstanceOf(Error);
  });

  it("quotes path segments that are not identifiers", () => {
    expect(showPath(["a", "b c", "d"])).toBe('a."b c".d');
  });
});
