/** Runs real shells and tools on rendered files, so tests check what they read back, not our reading of it. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";

/** A temporary folder for rendered files, removed by `dispose`. */
export function scratch() {
  const dir = mkdtempSync(join(tmpdir(), "grove-render-"));
  return {
    dir,
    write(name: string, text: string): string {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs a command with a clean environment plus `env`, failing the test on a non-zero exit. */
export async function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  const r = await execa(cmd, args, {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    extendEnv: false,
    reject: false,
    stdin: "ignore",
  });
  if (r.exitCode !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.exitCode}: ${r.stderr}`);
  return r.stdout;
}
