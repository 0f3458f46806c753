/**
 * The `vars` module argument: each generator's files with their paths and, for public files,
 * their values, read from the repository only when a configuration reads them. Evaluating
 * never runs a generator.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GroveError } from "../../errors.js";
import { nearest } from "../../lib/show.js";
import { deployedPath, storedFile } from "./layout.js";
import type { Generator } from "./spec.js";

/** Reads a repository file (path relative to the fleet root); undefined when it does not exist. */
export interface VarsReader {
  read(path: string): string | undefined;
}

/**
 * Reads repository files relative to `root`, synchronously (evaluation is synchronous).
 *
 * @example
 * fileReader("/srv/fleet").read("vars/per-machine/a/ssh/ed25519.pub/value");
 */
export function fileReader(root: string): VarsReader {
  return {
    read(path) {
      try {
        return readFileSync(join(root, path), "utf8");
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw e;
      }
    },
  };
}

export interface VarFileView {
  /** On the machine: `/run/secrets/vars/<gen>/<file>` for secrets; the repository path for public files. */
  readonly path: string;
  readonly secret: boolean;
  /** Whether the file has been generated (public files only: secrets are not read at evaluation). */
  readonly exists: boolean;
  /** The content of a public file; an error for a secret file or one not generated yet. */
  readonly value: string;
}

export interface GeneratorView {
  readonly files: Readonly<Record<string, VarFileView>>;
}

/** A machine's vars: `vars.<generator>.files.<file>.{path,value}`. */
export type VarsView = Readonly<Record<string, GeneratorView>>;

function strict<T extends object>(target: T, what: (key: string) => GroveError): T {
  return new Proxy(target, {
    get(t, key, receiver) {
      if (typeof key === "string" && !Object.hasOwn(t, key) && !(key in Object.prototype) && key !== "then")
        throw what(key);
      return Reflect.get(t, key, receiver);
    },
  });
}

/**
 * The vars of one machine.
 *
 * @example
 * const vars = varsView("cinnabar", generators, { read: (p) => readIfExists(join(root, p)) });
 * vars["ssh-host-key"].files["ed25519.pub"].value;
 */
export function varsView(
  machine: string,
  generators: ReadonlyMap<string, Generator>,
  reader: VarsReader,
): VarsView {
  const out: Record<string, GeneratorView> = {};
  for (const [name, gen] of generators) {
    const owner = gen.share ? null : machine;
    const files: Record<string, VarFileView> = {};
    for (const [file, spec] of Object.entries(gen.files)) {
      const stored = storedFile(name, owner, file, spec.secret);
      files[file] = {
        path: spec.secret ? deployedPath(name, file, spec.neededFor) : stored,
        secret: spec.secret,
        get exists() {
          return !spec.secret && reader.read(stored) !== undefined;
        },
        get value() {
          if (spec.secret)
            throw new GroveError(
              "VarsSecretValue",
              `${machine} reads the value of the secret file \`${name}/${file}', which is never read at evaluation.`,
            );
          const text = reader.read(stored);
          if (text === undefined)
            throw new GroveError(
              "VarsMissing",
              `The var \`${name}/${file}' of machine \`${machine}' has not been generated.`,
              { file: stored, hint: `Run \`grove vars generate ${machine}\`.` },
            );
          return text;
        },
      };
    }
    out[name] = {
      files: strict(files, (key) =>
        unknownVar(`The generator \`${name}' of machine \`${machine}' has no file \`${key}'.`, key, files),
      ),
    };
  }
  return strict(out, (key) =>
    unknownVar(`Machine \`${machine}' uses no generator \`${key}'.`, key, out, `grove vars list ${machine}`),
  );
}

function unknownVar(message: string, key: string, known: object, list?: string): GroveError {
  const near = nearest(key, Object.keys(known), 1);
  return new GroveError("VarsUnknown", message, {
    hint:
      near.length > 0
        ? `Did you mean \`${near[0]}'?`
        : `Declare it in the generator (or give the machine the generator)${list ? `; \`${list}\` lists its vars` : ""}.`,
  });
}
