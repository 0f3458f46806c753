import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { Secret } from "../../src/secrets/secret.js";

describe("Secret", () => {
  const s = new Secret("hunter2-canary");

  it("redacts in strings, templates and inspect", () => {
    expect(String(s)).not.toContain("hunter2");
    expect(`${s}`).not.toContain("hunter2");
    expect(inspect(s)).not.toContain("hunter2");
    expect(inspect({ nested: [s] }, { depth: 10 })).not.toContain("hunter2");
  });

  it("refuses JSON serialisation", () => {
    expect(() => JSON.stringify({ password: s })).toThrow(TypeError);
  });

  it("gives the value only through reveal()", () => {
    expect(s.reveal()).toBe("hunter2-canary");
    expect(Object.keys(s)).toEqual([]);
  });
});
