/**
 * Which leaves SOPS encrypts. A file carries at most one rule in its metadata; without one, readers
 * assume `unencrypted_suffix: _unencrypted`. Each rule is tested against every key on the path,
 * ancestors included, so a `tls_unencrypted:` map stays clear text all the way down.
 */
import { GroveError } from "../errors.js";

export const RULE_KINDS = [
  "unencrypted_suffix",
  "encrypted_suffix",
  "unencrypted_regex",
  "encrypted_regex",
  "unencrypted_comment_regex",
  "encrypted_comment_regex",
] as const;

export type RuleKind = (typeof RULE_KINDS)[number];

export interface EncryptionRule {
  readonly kind: RuleKind;
  readonly value: string;
}

export const DEFAULT_RULE: EncryptionRule = { kind: "unencrypted_suffix", value: "_unencrypted" };

/**
 * Decides for one leaf. `comments` holds, per enclosing collection, the comment lines directly above
 * the item being visited (what SOPS's comment rules look at).
 */
export type Selector = (
  path: readonly string[],
  comments: readonly (readonly string[])[],
  isComment: boolean,
) => boolean;

/**
 * Go's RE2 syntax is close enough to JavaScript's for the patterns people write (`^(data|stringData)$`),
 * except for leading inline flags such as `(?i)`, which JavaScript only takes as regex flags.
 */
export function compileGoRegex(source: string, file?: string): RegExp {
  const m = /^\(\?([imsU]+)\)/.exec(source);
  const flags = m ? [...new Set(m[1]!.replace("U", ""))].join("") : "";
  try {
    return new RegExp(m ? source.slice(m[0].length) : source, flags);
  } catch {
    throw new GroveError(
      "SecretMalformed",
      `The encryption rule regex \`${source}\` is not a valid regular expression.`,
      {
        file,
      },
    );
  }
}

/** The selector for a rule. */
export function selectorFor(rule: EncryptionRule, file?: string): Selector {
  switch (rule.kind) {
    case "unencrypted_suffix":
      return (path) => !path.some((p) => p.endsWith(rule.value));
    case "encrypted_suffix":
      return (path) => path.some((p) => p.endsWith(rule.value));
    case "unencrypted_regex": {
      const re = compileGoRegex(rule.value, file);
      return (path) => !path.some((p) => re.test(p));
    }
    case "encrypted_regex": {
      const re = compileGoRegex(rule.value, file);
      return (path) => path.some((p) => re.test(p));
    }
    case "unencrypted_comment_regex": {
      const re = compileGoRegex(rule.value, file);
      return (_path, comments) => !comments.some((frame) => frame.some((c) => re.test(c)));
    }
    case "encrypted_comment_regex": {
      const re = compileGoRegex(rule.value, file);
      return (_path, comments, isComment) =>
        comments.some((frame, i) =>
          frame.some((c, j) => {
            // A comment does not select itself: skip it when it is the one being visited.
            if (isComment && i === comments.length - 1 && j === frame.length - 1) return false;
            return re.test(c);
          }),
        );
    }
  }
}
