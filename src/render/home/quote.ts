/**
 * Quoting for the shell files Grove writes: POSIX sh (also read by bash and zsh) and fish. Each
 * function returns one word that the shell reads back as exactly the given text, except where a
 * function says it expands variable references.
 */

/**
 * One POSIX shell word that stands for `text` verbatim: single quotes, with each `'` written as
 * `'\''`.
 *
 * @example
 * shSingleQuoted("it's") // 'it'\''s'
 */
export function shSingleQuoted(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * One fish word that stands for `text` verbatim: single quotes, in which fish gives meaning only to
 * `\'` and `\\`.
 *
 * @example
 * fishSingleQuoted("it's") // 'it\'s'
 */
export function fishSingleQuoted(text: string): string {
  return `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

/** A piece of a value: literal text, or a reference to another environment variable. */
export type ValuePart = { text: string } | { variable: string };

const reference = /\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\})/g;

/**
 * Splits a session variable's value into literal text and the variable references `$NAME` and
 * `${NAME}` it holds. Any other `$` is literal text.
 *
 * @example
 * splitReferences("$HOME/bin:${PATH}") // [{ variable: "HOME" }, { text: "/bin:" }, { variable: "PATH" }]
 */
export function splitReferences(value: string): ValuePart[] {
  const parts: ValuePart[] = [];
  let last = 0;
  for (const m of value.matchAll(reference)) {
    if (m.index > last) parts.push({ text: value.slice(last, m.index) });
    parts.push({ variable: (m[1] ?? m[2])! });
    last = m.index + m[0].length;
  }
  if (last < value.length) parts.push({ text: value.slice(last) });
  return parts;
}

/**
 * A double-quoted POSIX shell word for a session variable's value: `$NAME` and `${NAME}` expand (as
 * `${NAME}`, which zsh cannot mistake for a subscript); every other character — `"`, `\`, `` ` ``,
 * any other `$`, newlines — stands for itself, so no command ever runs.
 *
 * @example
 * shValue('$HOME/bin "x" $(id)') // "${HOME}/bin \"x\" \$(id)"
 */
export function shValue(value: string): string {
  let out = "";
  for (const part of splitReferences(value)) {
    out += "variable" in part ? `\${${part.variable}}` : part.text.replace(/[\\"`$]/g, (c) => `\\${c}`);
  }
  return `"${out}"`;
}

/**
 * The fish counterpart of {@link shValue}: one double-quoted fish word in which `$NAME` and
 * `${NAME}` expand to one string (a list variable joins with spaces, or with `:` for `…PATH`
 * variables) and every other character stands for itself.
 *
 * @example
 * fishValue("${HOME}_x") // "$HOME""_x"
 */
export function fishValue(value: string): string {
  let out = "";
  let afterReference = false;
  for (const part of splitReferences(value)) {
    if ("variable" in part) {
      out += `$${part.variable}`;
      afterReference = true;
      continue;
    }
    // A name character or `[` right after `$NAME` would extend or index it: close and reopen the quotes.
    if (afterReference && /^[A-Za-z0-9_[]/.test(part.text)) out += '""';
    out += part.text.replace(/[\\"$]/g, (c) => `\\${c}`);
    afterReference = false;
  }
  return `"${out}"`;
}
