/**
 * Shell start-up files from `programs.zsh`, `programs.bash` and `programs.fish`: session variables
 * sourced where every session reads them, aliases, starship's init line and the user's own lines
 * where interactive shells read them.
 */
import { header, invalid, sortedKeys } from "./generated.js";
import { fishSingleQuoted, shSingleQuoted } from "./quote.js";

/** One shell's options, as evaluated. */
export interface ShellOptions {
  enable: boolean;
  shellAliases: Readonly<Record<string, string>>;
  initExtra: string;
}

/** What the shell files are made from. */
export interface ShellsInput {
  zsh: ShellOptions;
  bash: ShellOptions;
  fish: ShellOptions;
  /** Whether `programs.starship` is enabled: each enabled shell then starts it. */
  starship: boolean;
  /** The POSIX session-variables file, relative to the home. */
  sessionVars: string;
}

/** Characters that would end or change an alias name in one of the shells. */
const badAliasName = /[\s='"`$\\;&|<>()/*?[\]{}#~!]|^-|^$/;

function aliases(
  shell: "zsh" | "bash" | "fish",
  options: ShellOptions,
  line: (name: string, value: string) => string,
) {
  return sortedKeys(options.shellAliases).map((name) => {
    if (badAliasName.test(name)) {
      throw invalid(
        ["programs", shell, "shellAliases", name],
        `\`${name}\` cannot be an alias name: it is empty, starts with \`-\`, or holds a character that a shell reads specially (space, quote, \`=\`, \`$\`, \`/\`, …).`,
      );
    }
    return line(name, options.shellAliases[name]!);
  });
}

function block(lines: readonly string[]): string {
  return lines.length === 0 ? "" : `\n${lines.join("")}`;
}

function withNewline(text: string): string {
  return text === "" || text.endsWith("\n") ? text : `${text}\n`;
}

function extra(text: string): string {
  return text === "" ? "" : `\n${withNewline(text)}`;
}

function sourceSessionVars(path: string): string {
  return `if [ -r "$HOME/${path}" ]; then\n  . "$HOME/${path}"\nfi\n`;
}

function zshFiles(input: ShellsInput): Record<string, string> {
  const o = input.zsh;
  const starship = input.starship
    ? [`if [[ $TERM != "dumb" ]] && (( $+commands[starship] )); then\n  eval "$(starship init zsh)"\nfi\n`]
    : [];
  return {
    // zsh reads .zshenv in every shell, interactive or not: the place for the environment.
    ".zshenv": header("#", "programs.zsh") + sourceSessionVars(input.sessionVars),
    ".zshrc":
      header("#", "programs.zsh") +
      block(aliases("zsh", o, (n, v) => `alias -- ${n}=${shSingleQuoted(v)}\n`)) +
      block(starship) +
      extra(o.initExtra),
  };
}

function bashFiles(input: ShellsInput): Record<string, string> {
  const o = input.bash;
  const starship = input.starship
    ? [
        `if [[ $TERM != "dumb" ]] && command -v starship >/dev/null 2>&1; then\n  eval "$(starship init bash --print-full-init)"\nfi\n`,
      ]
    : [];
  return {
    // Login shells read .bash_profile and skip .profile when it exists, so it hands over to both.
    ".bash_profile":
      header("#", "programs.bash") +
      'if [ -f "$HOME/.profile" ]; then\n  . "$HOME/.profile"\nfi\n' +
      'if [ -f "$HOME/.bashrc" ]; then\n  . "$HOME/.bashrc"\nfi\n',
    ".profile": header("#", "programs.bash") + sourceSessionVars(input.sessionVars),
    ".bashrc":
      header("#", "programs.bash") +
      sourceSessionVars(input.sessionVars) +
      "\n# The rest is for interactive shells only.\n[[ $- == *i* ]] || return\n" +
      block(aliases("bash", o, (n, v) => `alias -- ${n}=${shSingleQuoted(v)}\n`)) +
      block(starship) +
      extra(o.initExtra),
  };
}

function fishFiles(input: ShellsInput, configDir: string): Record<string, string> {
  const o = input.fish;
  const inner =
    aliases("fish", o, (n, v) => `    alias -- ${n} ${fishSingleQuoted(v)}\n`).join("") +
    (input.starship
      ? '    if test "$TERM" != "dumb"; and command -q starship\n        starship init fish | source\n    end\n'
      : "") +
    withNewline(o.initExtra);
  // Session variables come from conf.d/, which fish reads before this file.
  return {
    [`${configDir}/fish/config.fish`]:
      header("#", "programs.fish") + (inner === "" ? "" : `\nif status is-interactive\n${inner}end\n`),
  };
}

/**
 * The start-up files of every enabled shell, keyed by their path relative to the home:
 * zsh → `.zshenv`, `.zshrc`; bash → `.bash_profile`, `.profile`, `.bashrc`; fish →
 * `<configDir>/fish/config.fish`.
 *
 * @example
 * const off = { enable: false, shellAliases: {}, initExtra: "" };
 * renderShellFiles({ zsh: { ...off, enable: true, shellAliases: { ll: "ls -l" } }, bash: off, fish: off,
 *   starship: false, sessionVars: ".config/grove/session-vars.sh" }, ".config")[".zshrc"]
 * // …alias -- ll='ls -l'…
 */
export function renderShellFiles(input: ShellsInput, configDir: string): Record<string, string> {
  return {
    ...(input.zsh.enable ? zshFiles(input) : {}),
    ...(input.bash.enable ? bashFiles(input) : {}),
    ...(input.fish.enable ? fishFiles(input, configDir) : {}),
  };
}
