/** The real `nix-instantiate`, run on files in a temporary folder, with nixpkgs' `lib` on hand. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";

const REPO = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
/** The reference copy of nixpkgs' `lib` (a sibling of the repository, as the tracker lays it out). */
export const NIXPKGS_LIB = process.env.GROVE_NIXPKGS_LIB ?? resolve(REPO, "../shared/nixpkgs-lib/lib");

/** A folder of files for one test; `files` maps relative names to contents. */
export class NixDir {
  readonly dir = mkdtempSync(join(tmpdir(), "grove-nix-"));

  write(files: Record<string, string>): this {
    for (const [name, text] of Object.entries(files)) {
      const p = join(this.dir, name);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, text);
    }
    return this;
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** `nix-instantiate --parse` of a file: resolves when it parses, rejects with Nix's message. */
  async parse(name: string): Promise<void> {
    await run(["--parse", this.path(name)]);
  }

  /** Evaluates a file (strictly) and returns its JSON, parsed. `<nixpkgs-lib>` is nixpkgs' lib. */
  async eval(name: string): Promise<unknown> {
    const { stdout } = await run(["--eval", "--strict", "--json", this.path(name)]);
    return JSON.parse(stdout);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function run(args: string[]) {
  return execa("nix-instantiate", ["--readonly-mode", "-I", `nixpkgs-lib=${NIXPKGS_LIB}`, ...args], {
    maxBuffer: 1 << 28,
  });
}
