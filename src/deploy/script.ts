/**
 * The POSIX `sh` program that activates a home generation on a target which has neither Node, Nix
 * nor Grove: it only needs `sh`, `tar` and the usual file tools. Generated here (pure), sent on the
 * SSH connection's standard input and run as `sh -s -- <mode> …`. See docs/deploy.md.
 */
import { GroveError } from "../errors.js";

/** What the generated program needs to know about one home. */
export interface ScriptInput {
  /** The home directory on the target; null means the login's `$HOME`. */
  home: string | null;
  /** The generation's hash: its folder is `<state>/store/<hash>`. */
  hash: string;
  /** Every home path the generation links, relative to the home. */
  leaves: readonly string[];
}

/** Quotes a string for a POSIX shell, so it reaches the command as exactly these bytes. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

const leavesEnd = "GROVE_LEAVES_END";

/**
 * The activation program. Modes (first argument):
 * - `plan`: print `previous=<hash>`, `present=yes|no`, then `+ path` (would link), `- path` (would
 *   remove), `! path` (in the way, not Grove's); changes nothing.
 * - `lock HOLDER` / `unlock HOLDER`: take the deploy lock (exit 4 naming the holder when taken) or
 *   release it if HOLDER still holds it.
 * - `activate`: refuse (exit 3, nothing changed) when a path is in the way; else point `current` at
 *   the generation, remove the previous generation's links it no longer has, link the new ones.
 * - `check`: every linked path resolves to a file of the live generation.
 * - `rollback PREVIOUS`: make PREVIOUS live again (or, when empty, remove this generation's links).
 */
export function activationScript(input: ScriptInput): string {
  for (const rel of input.leaves) {
    if (rel.includes("\n") || rel === leavesEnd) {
      throw new GroveError("DeployUnsupported", `The home path ${JSON.stringify(rel)} cannot be deployed.`, {
        hint: "Rename it: home paths sent to a target cannot contain line breaks.",
      });
    }
  }
  const home = input.home === null ? '"$HOME"' : shellQuote(input.home);
  return `set -eu
H=${home}
S="$H/.local/state/grove/deploy"
L="$H/.local/state/grove/deploy.lock"
NEW=${shellQuote(input.hash)}
LINKS="$S/current/files"
mode=$1

new_leaves() {
  cat <<'${leavesEnd}'
${input.leaves.map((l) => `${l}\n`).join("")}${leavesEnd}
}

# A path is Grove's when it is a link into the live generation: the link text alone says so.
owned() {
  [ -L "$1" ] || return 1
  case "$(readlink "$1")" in "$LINKS/"*) return 0 ;; esac
  return 1
}

in_the_way() {
  while IFS= read -r rel; do
    [ -n "$rel" ] || continue
    p="$H/$rel"
    if { [ -e "$p" ] || [ -L "$p" ]; } && ! owned "$p"; then printf '%s\\n' "$rel"; fi
  done
}

live() {
  if [ -L "$S/current" ]; then basename "$(readlink "$S/current")"; fi
}

# Not atomic (POSIX mv would move into the folder the link names), but only between two lines.
set_current() {
  rm -f "$S/current"
  ln -s "store/$1" "$S/current"
}

link_all() {
  while IFS= read -r rel; do
    [ -n "$rel" ] || continue
    p="$H/$rel"
    want="$LINKS/$rel"
    if [ -L "$p" ] && [ "$(readlink "$p")" = "$want" ]; then continue; fi
    mkdir -p "$(dirname "$p")"
    rm -f "$p"
    ln -s "$want" "$p"
    printf 'linked %s\\n' "$rel"
  done <"$1"
}

# Links of the generation in $1 that the one in $2 does not have.
unlink_stale() {
  [ -f "$1" ] || return 0
  while IFS= read -r rel; do
    [ -n "$rel" ] || continue
    if ! grep -Fqx -- "$rel" "$2" && owned "$H/$rel"; then
      rm -f "$H/$rel"
      printf 'removed %s\\n' "$rel"
    fi
  done <"$1"
}

record_leaves() {
  mkdir -p "$S/leaves"
  new_leaves >"$S/leaves/$NEW.tmp"
  mv -f "$S/leaves/$NEW.tmp" "$S/leaves/$NEW"
}

case "$mode" in
plan)
  prev=$(live)
  printf 'previous=%s\\n' "$prev"
  if [ -d "$S/store/$NEW" ]; then echo present=yes; else echo present=no; fi
  new_leaves | in_the_way | sed 's/^/! /'
  new_leaves | while IFS= read -r rel; do
    [ -n "$rel" ] || continue
    [ "$(readlink "$H/$rel" 2>/dev/null || true)" = "$LINKS/$rel" ] || printf '+ %s\\n' "$rel"
  done
  if [ -n "$prev" ] && [ -f "$S/leaves/$prev" ]; then
    new_leaves >"\${TMPDIR:-/tmp}/grove-plan.$$"
    while IFS= read -r rel; do
      grep -Fqx -- "$rel" "\${TMPDIR:-/tmp}/grove-plan.$$" || printf -- '- %s\\n' "$rel"
    done <"$S/leaves/$prev"
    rm -f "\${TMPDIR:-/tmp}/grove-plan.$$"
  fi
  ;;
lock)
  mkdir -p "$(dirname "$L")"
  if mkdir "$L" 2>/dev/null; then
    printf '%s\\n' "$2" >"$L/holder"
  else
    echo "locked by $(cat "$L/holder" 2>/dev/null || echo 'an unknown deploy')" >&2
    exit 4
  fi
  ;;
unlock)
  if [ "$(cat "$L/holder" 2>/dev/null || true)" = "$2" ]; then rm -rf "$L"; fi
  ;;
activate)
  [ -d "$S/store/$NEW" ] || { echo "generation $NEW is not on the target" >&2; exit 1; }
  record_leaves
  way=$(in_the_way <"$S/leaves/$NEW")
  if [ -n "$way" ]; then
    echo "refusing to replace files Grove does not own:" >&2
    printf '%s\\n' "$way" >&2
    exit 3
  fi
  prev=$(live)
  set_current "$NEW"
  echo "current -> store/$NEW"
  if [ -n "$prev" ] && [ "$prev" != "$NEW" ]; then unlink_stale "$S/leaves/$prev" "$S/leaves/$NEW"; fi
  link_all "$S/leaves/$NEW"
  ;;
check)
  bad=0
  while IFS= read -r rel; do
    [ -n "$rel" ] || continue
    if ! owned "$H/$rel" || [ ! -e "$H/$rel" ]; then echo "not linked: $rel" >&2; bad=1; fi
  done <"$S/leaves/$NEW"
  [ "$(live)" = "$NEW" ] || { echo "current is not $NEW" >&2; bad=1; }
  exit $bad
  ;;
rollback)
  if [ -n "$2" ]; then
    set_current "$2"
    echo "current -> store/$2"
    unlink_stale "$S/leaves/$NEW" "$S/leaves/$2"
    link_all "$S/leaves/$2"
  else
    while IFS= read -r rel; do
      if [ -n "$rel" ] && owned "$H/$rel"; then rm -f "$H/$rel"; printf 'removed %s\\n' "$rel"; fi
    done <"$S/leaves/$NEW"
    rm -f "$S/current"
  fi
  ;;
*)
  echo "unknown mode $mode" >&2
  exit 2
  ;;
esac
`;
}

/**
 * The remote command that unpacks an uploaded `store/<hash>` (a tar stream on standard input) into
 * the target's state folder, through a temporary folder so a broken upload leaves no half store.
 */
export function unpackCommand(home: string | null, hash: string): string {
  const h = home === null ? '"$HOME"' : shellQuote(home);
  const q = shellQuote(hash);
  return [
    `S=${h}/.local/state/grove/deploy`,
    `T="$S/.incoming.$$"`,
    `mkdir -p "$S/store" "$T"`,
    `tar -xf - -C "$T"`,
    `if [ -d "$S/store/"${q} ]; then chmod -R u+w "$T"; rm -rf "$T"; else mv "$T/store/"${q} "$S/store/"${q} && rm -rf "$T"; fi`,
  ].join(" && ");
}
