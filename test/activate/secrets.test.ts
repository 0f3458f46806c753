import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rollback } from "../../src/activate/index.js";
import { read, type Sandbox, sandbox, snapshot } from "./helpers.js";

let s: Sandbox;
beforeEach(() => {
  s = sandbox();
});
afterEach(() => s.dispose());

/** Every file's bytes under a folder, links not followed. */
function allBytes(dir: string): string {
  let out = "";
  for (const d of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (d.isFile()) out += readFileSync(join(d.parentPath, d.name), "latin1");
  }
  return out;
}

describe("secrets", () => {
  const plaintext = "ghp_s3cr3t-token-value";

  it("are decrypted into a private runtime folder with mode 0400 and linked, never stored", async () => {
    const runtimeDir = join(s.root, "run");
    let calls = 0;
    const spec = {
      files: {
        ".config/gh/token": {
          secret: "gh-token",
          provide: () => {
            calls++;
            return plaintext;
          },
        },
      },
    };
    const gen = s.build(spec);
    expect(calls).toBe(0);
    await s.switchTo(spec, { runtimeDir });
    expect(read(join(s.home, ".config/gh/token"))).toBe(plaintext);
    const real = readlinkSync(join(s.stateDir, "secrets"));
    expect(real.startsWith(runtimeDir)).toBe(true);
    expect(statSync(join(real, "gh-token")).mode & 0o777).toBe(0o400);
    expect(statSync(runtimeDir).mode & 0o777).toBe(0o700);
    expect(statSync(real).mode & 0o777).toBe(0o700);
    expect(allBytes(gen.path)).not.toContain(plaintext);
    expect(allBytes(s.stateDir)).not.toContain(plaintext);
    expect(JSON.stringify(gen.manifest)).not.toContain(plaintext);
  });

  it("are replaced when they change and the old plaintext is deleted", async () => {
    const runtimeDir = join(s.root, "run");
    const spec = (v: string) => ({ files: { ".token": { secret: "t", provide: () => Buffer.from(v) } } });
    await s.switchTo(spec("one"), { runtimeDir });
    const first = readdirSync(runtimeDir);
    await s.switchTo(spec("one"), { runtimeDir });
    expect(readdirSync(runtimeDir)).toEqual(first);
    await s.switchTo(spec("two"), { runtimeDir });
    expect(read(join(s.home, ".token"))).toBe("two");
    expect(readdirSync(runtimeDir)).toHaveLength(1);
    expect(readdirSync(runtimeDir)).not.toEqual(first);
    await s.switchTo({ files: {} }, { runtimeDir });
    expect(readdirSync(runtimeDir)).toEqual([]);
    expect(lstatSync(join(s.home, ".token"), { throwIfNoEntry: false })).toBeUndefined();
  });

  it("stay as last decrypted on a rollback", async () => {
    const runtimeDir = join(s.root, "run");
    await s.switchTo({ files: { ".token": { secret: "t", provide: () => "v1" } } }, { runtimeDir });
    await s.switchTo(
      { files: { ".token": { secret: "t", provide: () => "v2" }, ".x": { text: "x" } } },
      { runtimeDir },
    );
    await rollback(s.options({ runtimeDir }));
    expect(read(join(s.home, ".token"))).toBe("v2");
  });

  it("leave the home untouched when a provider fails, without quoting it", async () => {
    await s.switchTo({ files: { ".a": { text: "a" } } });
    const before = snapshot(s.home);
    const e = await s
      .switchTo({
        files: {
          ".a": { text: "b" },
          ".token": {
            secret: "t",
            provide: () => {
              throw new Error(`decryption failed near ${plaintext}`);
            },
          },
        },
      })
      .catch((err: unknown) => err);
    expect(e).toMatchObject({ code: "HomeSecretFailed" });
    expect((e as Error).message).not.toContain(plaintext);
    expect(snapshot(s.home)).toEqual(before);
  });
});
