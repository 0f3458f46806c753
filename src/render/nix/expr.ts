/**
 * Raw Nix expressions: text the emitter copies verbatim, for what Grove values cannot say
 * (`import ../homes/alice.nix`, `inputs.self`, a path literal).
 */
import { GroveError } from "../../errors.js";
import { quotedString } from "./strings.js";

/** A variable or attribute selection (`lib.mkForce`, `pkgs."1password"`), a path, or a number. */
const operand =
  /^(?:[A-Za-z_][A-Za-z0-9_'-]*(?:\.(?:[A-Za-z_][A-Za-z0-9_'-]*|"(?:[^"\\$]|\\.)*"))*|[A-Za-z0-9._+-]*(?:\/[A-Za-z0-9._+-]+)+|[0-9]+(?:\.[0-9]+)?)$/;

/**
 * A piece of Nix source, written out as is. Build one with {@link nixExpr} or {@link nixPath}.
 *
 * @example
 * nixExpr("inputs.self").needsParens           // false
 * nixExpr("import ./x.nix").needsParens        // true
 */
export class NixExpr {
  /** Whether the text must be parenthesised where an operand is expected (list element, argument). */
  readonly needsParens: boolean;

  constructor(readonly text: string) {
    this.needsParens = !operand.test(text);
  }
}

/**
 * Raw Nix source, emitted verbatim wherever a value goes (parenthesised inside lists and as a
 * function argument unless it is a plain name, selection, path or number). Its lines are not
 * re-indented: re-indenting could change a multi-line string inside it.
 *
 * @example
 * toNix({ users: { alice: nixExpr("import ../homes/alice.nix") } })
 * // { users.alice = import ../homes/alice.nix; }
 */
export function nixExpr(text: string): NixExpr {
  return new NixExpr(text);
}

/** What a path literal may contain, per Nix's lexer. */
const pathLiteral = /^\.{1,2}(?:\/[A-Za-z0-9._+-]+)+$/;

/**
 * A path relative to the generated file (`./files/x`, `../secrets/web1.yaml`): a literal when
 * Nix's lexer allows one, else `./. + "/…"` so that any file name works. Nix copies the file into
 * the store, so it must lie inside the flake (and be tracked by git). Absolute locations on the
 * target machine are strings, not paths.
 *
 * @example
 * nixPath("../secrets/web1.yaml")  // ../secrets/web1.yaml
 * nixPath("./files/my notes.txt")  // ./. + "/files/my notes.txt"
 */
export function nixPath(relative: string): NixExpr {
  if (!/^\.{1,2}\//.test(relative) || relative.endsWith("/")) {
    throw new GroveError(
      "NixUnrepresentable",
      `Cannot write ${JSON.stringify(relative)} as a Nix path: it must start with ./ or ../ and name a file.`,
      {
        hint: "Give the path relative to the generated file, e.g. `./files/motd` or `../secrets/web1.yaml`.",
      },
    );
  }
  if (pathLiteral.test(relative)) return new NixExpr(relative);
  return new NixExpr(`./. + ${quotedString(relative.startsWith("./") ? relative.slice(1) : `/${relative}`)}`);
}
