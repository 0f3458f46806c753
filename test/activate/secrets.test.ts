import {
  chmodSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readManifest } from "../../src/activate/generation.js";
import { rollback } from "../../src/activate/index.js";
import { parseHomeSpec } from "../../src/activate/spec.js";
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

  it("get their configured mode; a mode change alone writes a new set; a rollback restores the old mode", async () => {
    const runtimeDir = join(s.root, "run");
    const spec = (mode?: string) => ({
      files: { ".token": { secret: "t", provide: () => plaintext, ...(mode === undefined ? {} : { mode }) } },
    });
    const modeOf = () => statSync(join(readlinkSync(join(s.stateDir, "secrets")), "t")).mode & 0o7777;
    const umask = process.umask(0o077); // a strict umask must not strip the configured bits
    try {
      await s.switchTo(spec(), { runtimeDir });
      expect(modeOf()).toBe(0o400);
      const first = readdirSync(runtimeDir);
      const r = await s.switchTo(spec("0644"), { runtimeDir });
      expect(r.actions.map((a) => a.kind)).toContain("secrets");
      expect(modeOf()).toBe(0o644);
      expect(readdirSync(runtimeDir)).toHaveLength(1);
      expect(readdirSync(runtimeDir)).not.toEqual(first);
      expect(read(join(s.home, ".token"))).toBe(plaintext);
      expect((await s.switchTo(spec("0644"), { runtimeDir })).changed).toBe(false);
      await rollback(s.options({ runtimeDir }));
      expect(modeOf()).toBe(0o400);
      expect(read(join(s.home, ".token"))).toBe(plaintext);
      expect(readdirSync(runtimeDir)).toHaveLength(1);
    } finally {
      process.umask(umask);
    }
  });

  it("read as 0400 from a manifest written before modes were recorded", () => {
    const gen = s.build({ files: { ".token": { secret: "t", provide: () => plaintext } } });
    const file = join(gen.path, "manifest.json");
    const old = readFileSync(file, "utf8").replace(/,\s*"mode": "0400"/, "");
    expect(old).not.toContain('"mode"');
    chmodSync(file, 0o644);
    writeFileSync(file, old);
    expect(readManifest(s.stateDir, gen.hash).entries[0]).toMatchObject({ kind: "secret", mode: "0400" });
  });

  it("refuse a bad mode at build, naming the field", () => {
    const e = (() => {
      try {
        s.build({ files: { ".token": { secret: "t", provide: () => plaintext, mode: "0600x" } } });
      } catch (err) {
        return err;
      }
    })();
    expect(e).toMatchObject({ code: "HomeSpecInvalid", path: ["files", ".token", "mode"] });
    expect(() => parseHomeSpec({ files: { ".a": { text: "a", mode: "0400" } } }, "home.json")).toThrow(
      "`mode` is for secrets only",
    );
    const { spec } = parseHomeSpec({ files: { ".t": { secret: "t", command: "echo x", mode: "600" } } });
    expect(s.build(spec).manifest.entries[0]).toMatchObject({ kind: "secret", mode: "0600" });
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
