/**
 * The POSIX `sh` programs a deploy runs on its targets, which have neither Node nor Grove: a home's
 * needs only `sh`, `tar` and the usual file tools (plus `age` when the home has secrets), a
 * machine's the tools NixOS or nix-darwin brings. Generated here (pure), sent on the SSH
 * connection's standard input and run as `sh -s -- <mode> …`; the upload step also installs a copy
 * as `<state>/deploy.sh`, which the watchdog runs once the connection may be gone. See
 * docs/deploy.md.
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
  /** The home's secrets: plain file names and octal modes, both checked by the generation build. */
  secrets: readonly { name: string; mode: string }[];
}

/** A machine's class: which activation command its system closure has. */
export type SystemClass = "nixos" | "darwin";

/** Quotes a string for a POSIX shell, so it reaches the command as exactly these bytes. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

const leavesEnd = "GROVE_LEAVES_END";

/** The shell lines that set `S`, a home's deploy state folder on the target. */
export function homeState(home: string | null): string {
  return `H=${home === null ? '"$HOME"' : shellQuote(home)}\nS="$H/.local/state/grove/deploy"`;
}

/** The shell line that sets `S`, a machine's deploy state folder (the login's, usually root's). */
export const systemState = `S="\${XDG_STATE_HOME:-$HOME/.local/state}/grove/system"`;

/** The profile NixOS and nix-darwin boot and switch from. */
export const systemProfile = "/nix/var/nix/profiles/system";

/**
 * What every target program has, around the kind's `live_state`, `go_to` and `prune`: the lock, the
 * record of the previous generation, the watchdog and its confirmation, health commands, rollback.
 */
const commonFunctions = `
save_previous() {
  if [ -f "$S/previous" ]; then mv -f "$S/previous" "$S/previous.before"; else rm -f "$S/previous.before"; fi
  printf '%s\\n' "$1" >"$S/previous"
}

# After a failed deploy: the previous generation again, and the one before it as the previous one.
back() {
  # shellcheck disable=SC2046 # the record is words: a hash and a secret set, or a store path
  go_to $(cat "$S/previous")
  if [ -f "$S/previous.before" ]; then mv -f "$S/previous.before" "$S/previous"; else rm -f "$S/previous"; fi
}

unlock_if() {
  if [ "$(cat "$L/holder" 2>/dev/null || true)" = "$1" ]; then rm -rf "$L"; fi
}

# Whoever renames \`pending\` away first decides: the deployer (confirm, abort) or the watchdog.
claim() {
  mv "$S/pending" "$S/pending.$$" 2>/dev/null || return 1
  if [ "$(cat "$S/pending.$$")" = "$1" ]; then rm -f "$S/pending.$$"; return 0; fi
  mv -f "$S/pending.$$" "$S/pending"
  return 1
}

# Detached (new session, no terminal, own output), so it outlives the connection.
arm() {
  printf '%s\\n' "$1" >"$S/pending"
  detach=
  if command -v setsid >/dev/null 2>&1; then detach=setsid; fi
  nohup $detach sh "$S/deploy.sh" watchdog "$1" "$2" "$3" </dev/null >>"$S/watchdog.log" 2>&1 &
  echo $! >"$S/watchdog.pid"
  echo "watchdog armed: rolls back in $2 s unless confirmed"
}

disarm() {
  pid=$(cat "$S/watchdog.pid" 2>/dev/null || true)
  if [ -n "$pid" ]; then kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; fi
  rm -f "$S/watchdog.pid"
}
`;

const commonModes = `lock)
  mkdir -p "$(dirname "$L")"
  if mkdir "$L" 2>/dev/null; then
    printf '%s\\n' "$2" >"$L/holder"
  else
    echo "locked by $(cat "$L/holder" 2>/dev/null || echo 'an unknown deploy') ($L)" >&2
    exit 4
  fi
  ;;
unlock)
  unlock_if "$2"
  ;;
health)
  if command -v timeout >/dev/null 2>&1; then exec timeout "$2" sh -c "$3" </dev/null; fi
  exec sh -c "$3" </dev/null
  ;;
confirm)
  if claim "$2"; then
    disarm
    rm -f "$S/previous.before"
    prune
    unlock_if "$3"
    echo confirmed
  else
    echo "too late: the target rolled back by itself (see $S/watchdog.log)" >&2
    exit 5
  fi
  ;;
abort)
  if claim "$2"; then
    disarm
    back
  else
    echo "the target had already rolled back by itself"
  fi
  ;;
watchdog)
  sleep "$3"
  if claim "$2"; then
    echo "$(date): not confirmed within $3 s: rolling back"
    back
    unlock_if "$4"
  fi
  ;;
rollback)
  # shellcheck disable=SC2046
  set -- $(cat "$S/previous" 2>/dev/null || true)
  if [ $# -eq 0 ]; then
    echo "there is no previous generation to go back to" >&2
    exit 7
  fi
  now=$(live_state)
  go_to "$@"
  printf '%s\\n' "$now" >"$S/previous"
  ;;
*)
  echo "unknown mode $mode" >&2
  exit 2
  ;;
esac
`;

function program(state: string, functions: string, modes: string): string {
  return `set -eu
umask 077
${state}
L="$S.lock"
mode=$1
${functions}${commonFunctions}
case "$mode" in
${modes}${commonModes}`;
}

/**
 * A home's program. Its own modes (first argument):
 * - `plan`: print `previous=<hash>`, `present=yes|no`, then `+ path` (would link), `- path` (would
 *   remove), `! path` (in the way, not Grove's), `* secret name (mode 0400)` (decrypted anew);
 *   changes nothing.
 *   Exit 6 when the home has secrets and the target lacks `age` or `age-keygen`.
 * - `identity`: create the target's age identity when it has none; print `recipient=age1…`.
 * - `activate TOKEN SECONDS HOLDER [SET]`: refuse (exit 3, nothing changed) when a path is in the way
 *   or the secrets of SET cannot be decrypted; else record the previous generation, arm the
 *   watchdog and make the generation live (with the secret set SET).
 * - `check`: every linked path resolves into the live generation.
 *
 * And every target's: `lock`/`unlock HOLDER`, `health SECONDS COMMAND`, `confirm TOKEN HOLDER`
 * (also releases the lock), `abort TOKEN` (roll back after a failure), `rollback` (on demand: swap
 * live and previous).
 */
export function activationScript(input: ScriptInput): string {
  for (const rel of input.leaves) {
    if (rel.includes("\n") || rel === leavesEnd) {
      throw new GroveError("DeployUnsupported", `The home path ${JSON.stringify(rel)} cannot be deployed.`, {
        hint: "Rename it: home paths sent to a target cannot contain line breaks.",
      });
    }
  }
  const modeCases = input.secrets
    .map((s) => `    ${shellQuote(s.name)}) echo ${shellQuote(s.mode)} ;;\n`)
    .join("");
  const functions = `NEW=${shellQuote(input.hash)}
LINKS="$S/current/files"
SECRETS=${shellQuote(input.secrets.map((s) => s.name).join(" "))}

# Each secret's file mode: checked octal, quoted all the same.
secret_mode() {
  case "$1" in
${modeCases}  esac
}

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

live_set() {
  if [ -L "$S/secrets" ]; then basename "$(readlink "$S/secrets")"; fi
}

live_state() {
  printf '%s %s\\n' "$(live)" "$(live_set)"
}

# Not atomic (POSIX mv would move into the folder the link names), but only between two lines.
set_current() {
  rm -f "$S/current"
  ln -s "store/$1" "$S/current"
}

# The generation's secret links point at $S/secrets/<name>; this link picks the decrypted set.
set_secrets() {
  rm -f "$S/secrets"
  if [ -n "$1" ]; then ln -s "runtime/$1" "$S/secrets"; fi
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

remove_links() {
  while IFS= read -r rel; do
    if [ -n "$rel" ] && owned "$H/$rel"; then rm -f "$H/$rel"; printf 'removed %s\\n' "$rel"; fi
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

# Makes generation $1 with secret set $2 live; without $1, removes the live generation's links.
go_to() {
  from=$(live)
  if [ -z "\${1:-}" ]; then
    if [ -n "$from" ]; then remove_links "$S/leaves/$from"; fi
    rm -f "$S/current" "$S/secrets"
    return 0
  fi
  set_current "$1"
  set_secrets "\${2:-}"
  echo "current -> store/$1"
  if [ -n "$from" ] && [ "$from" != "$1" ]; then unlink_stale "$S/leaves/$from" "$S/leaves/$1"; fi
  link_all "$S/leaves/$1"
}

record_leaves() {
  mkdir -p "$S/leaves"
  new_leaves >"$S/leaves/$NEW.tmp"
  mv -f "$S/leaves/$NEW.tmp" "$S/leaves/$NEW"
}

# Decrypts the sealed secrets of set $1 with the target's identity: folders 0700, files their mode.
open_secrets() {
  R="$S/runtime/$1"
  mkdir -p "$S/runtime"
  chmod 700 "$S/runtime"
  rm -rf "$R"
  mkdir "$R"
  for name in $SECRETS; do
    if ! age -d -i "$S/identity" -o "$R/$name" "$S/sealed/$1/$name.age" </dev/null; then
      rm -rf "$R"
      return 1
    fi
    chmod "$(secret_mode "$name")" "$R/$name"
  done
  echo "decrypted into runtime/$1: $SECRETS"
}

# Keeps the secret sets of the live and the previous generation; removes older ones.
# Keeps what the live and the previous deploy use: their generations, leaves and secret sets.
prune() {
  keep=" $(live_set) $(cut -d' ' -f2 "$S/previous" 2>/dev/null || true) "
  for d in "$S/runtime"/* "$S/sealed"/*; do
    [ -d "$d" ] || continue
    case "$keep" in *" $(basename "$d") "*) ;; *) rm -rf "$d" ;; esac
  done
  keep=" $(live) $(cut -d' ' -f1 "$S/previous" 2>/dev/null || true) "
  for d in "$S/store"/*; do
    [ -d "$d" ] || continue
    case "$keep" in
    *" $(basename "$d") "*) ;;
    *)
      # Generations are read-only, as the engine builds them.
      chmod -R u+w "$d"
      rm -rf "$d" "$S/leaves/$(basename "$d")"
      ;;
    esac
  done
}
`;
  const modes = `plan)
  if [ -n "$SECRETS" ]; then
    for tool in age age-keygen; do
      if ! command -v "$tool" >/dev/null 2>&1; then
        echo "the home has secrets, but the target has no \\\`$tool' on its PATH" >&2
        exit 6
      fi
    done
  fi
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
  for name in $SECRETS; do printf '* secret %s (mode %s)\\n' "$name" "$(secret_mode "$name")"; done
  ;;
identity)
  if [ ! -f "$S/identity" ]; then
    mkdir -p "$S"
    age-keygen -o "$S/identity.tmp" 2>/dev/null
    mv -f "$S/identity.tmp" "$S/identity"
  fi
  printf 'recipient=%s\\n' "$(age-keygen -y "$S/identity")"
  ;;
activate)
  [ -d "$S/store/$NEW" ] || { echo "generation $NEW is not on the target" >&2; exit 3; }
  [ -f "$S/deploy.sh" ] || { echo "the deploy program is not on the target" >&2; exit 3; }
  record_leaves
  way=$(in_the_way <"$S/leaves/$NEW")
  if [ -n "$way" ]; then
    echo "refusing to replace files Grove does not own:" >&2
    printf '%s\\n' "$way" >&2
    exit 3
  fi
  set=\${5:-}
  if [ -n "$set" ] && ! open_secrets "$set"; then
    echo "cannot decrypt the secrets; nothing was changed" >&2
    exit 3
  fi
  save_previous "$(live_state)"
  arm "$2" "$3" "$4"
  go_to "$NEW" "$set"
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
`;
  return program(homeState(input.home), functions, modes);
}

/**
 * A machine's program (NixOS or nix-darwin). Its own modes:
 * - `plan`: print `previous=<store path>` (the live system); exit 6 without `nix`/`nix-env`.
 * - `realise DRV`: build a copied derivation on the target (`--build-on target`).
 * - `dry-activate SYSTEM`: what switching to SYSTEM would do (`switch-to-configuration
 *   dry-activate`: units to start, stop, restart); nix-darwin has no such thing and says so.
 * - `activate TOKEN SECONDS HOLDER SYSTEM`: record the live system, arm the watchdog, set the
 *   system profile to SYSTEM and switch to it.
 *
 * And every target's modes (see {@link activationScript}). Going to a system is `nix-env -p <profile>
 * --set <path>` then its `bin/switch-to-configuration switch` (NixOS) or `activate` (nix-darwin),
 * as `nixos-rebuild switch` and `darwin-rebuild switch` do; going back is the same with the previous
 * system's path, so it is exact even when the deploy changed nothing.
 */
export function systemScript(cls: SystemClass): string {
  const switchTo = cls === "nixos" ? '"$1/bin/switch-to-configuration" switch' : '"$1/activate"';
  // nix-darwin has no dry activation: a dry run can only name the system it would switch to.
  const dryActivate =
    cls === "nixos"
      ? '"$2/bin/switch-to-configuration" dry-activate </dev/null'
      : 'echo "nix-darwin cannot dry-activate: switching would run $2/activate"';
  const functions = `P=${systemProfile}

live_state() {
  nix --extra-experimental-features nix-command path-info "$P" </dev/null 2>/dev/null || true
}

go_to() {
  if [ -z "\${1:-}" ]; then
    echo "there is no previous system to go back to" >&2
    return 1
  fi
  nix-env -p "$P" --set "$1" </dev/null
  ${switchTo} </dev/null
}

prune() { :; }
`;
  const modes = `plan)
  for tool in nix nix-env; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "the target has no \\\`$tool' on its PATH (is it a ${cls === "nixos" ? "NixOS" : "nix-darwin"} machine?)" >&2
      exit 6
    fi
  done
  printf 'previous=%s\\n' "$(live_state)"
  ;;
realise)
  nix-store --realise "$2" </dev/null
  ;;
dry-activate)
  [ -e "$2" ] || { echo "$2 is not on the target" >&2; exit 3; }
  ${dryActivate}
  ;;
activate)
  [ -e "$5" ] || { echo "$5 is not on the target" >&2; exit 3; }
  [ -f "$S/deploy.sh" ] || { echo "the deploy program is not on the target" >&2; exit 3; }
  save_previous "$(live_state)"
  arm "$2" "$3" "$4"
  go_to "$5"
  ;;
`;
  return program(systemState, functions, modes);
}

/**
 * The remote command that runs the program's `plan`, then takes the target's lock for HOLDER and,
 * holding it, installs the program (standard input) as `<state>/deploy.sh`: one round trip. Until
 * the lock is taken the program runs from a temporary file, so a target whose plan fails is left
 * untouched, and a deploy refused the lock (exit 4) leaves the installed program — the one an
 * armed watchdog will run — as it was.
 */
export function planLockInstallCommand(state: string, holder: string): string {
  return [
    "umask 077",
    state.replaceAll("\n", "; "),
    `T="\${TMPDIR:-/tmp}/grove-deploy.$$"`,
    'cat >"$T"',
    `{ { sh "$T" plan && sh "$T" lock ${shellQuote(holder)}; } || { rc=$?; rm -f "$T"; exit $rc; }; }`,
    'mkdir -p "$S" && cat "$T" >"$S/deploy.sh.tmp" && mv -f "$S/deploy.sh.tmp" "$S/deploy.sh"',
    'rc=$?; rm -f "$T"; exit $rc',
  ].join("; ");
}

/**
 * The remote command that unpacks an uploaded `store/<hash>` (a tar stream on standard input) into
 * the target's state folder, through a temporary folder so a broken upload leaves no half store.
 */
export function unpackCommand(home: string | null, hash: string): string {
  const q = shellQuote(hash);
  return [
    homeState(home).replaceAll("\n", "; "),
    `T="$S/.incoming.$$"`,
    `mkdir -p "$S/store" "$T"`,
    `tar -xf - -C "$T"`,
    `if [ -d "$S/store/"${q} ]; then chmod -R u+w "$T"; rm -rf "$T"; else mv "$T/store/"${q} "$S/store/"${q} && rm -rf "$T"; fi`,
  ].join(" && ");
}

/**
 * A program that stores a home's sealed secrets — each an ASCII-armored age file, encrypted for the
 * target's own identity — as `<state>/sealed/<set>/<name>.age` (mode 0600 in 0700 folders).
 */
export function sealScript(home: string | null, set: string, sealed: ReadonlyMap<string, string>): string {
  const end = "GROVE_SEALED_END";
  const files = [...sealed].map(([name, armored]) => {
    if (armored.includes(end)) throw new Error("an armored age file never holds the heredoc marker");
    return `cat >"$T/"${shellQuote(`${name}.age`)} <<'${end}'\n${armored.trimEnd()}\n${end}\n`;
  });
  return `set -eu
umask 077
${homeState(home)}
T="$S/sealed/.incoming.$$"
mkdir -p "$S/sealed"
rm -rf "$T"
mkdir "$T"
${files.join("")}rm -rf "$S/sealed/"${shellQuote(set)}
mv "$T" "$S/sealed/"${shellQuote(set)}
`;
}
