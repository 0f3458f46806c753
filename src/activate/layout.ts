/**
 * Where everything lives under the state folder. Links in the home point at
 * `<state>/current/home/<target>`: `current` is the one stable indirection, so flipping it switches every
 * unchanged target at once, and a link is recognised as Grove's by its first hop alone.
 */
import { join, sep } from "node:path";

/** Paths of the state folder (`$XDG_STATE_HOME/grove/home` by default). */
export interface StateLayout {
  dir: string;
  /** Content-addressed generation folders: `store/<hash>/{manifest.json,files/…}`. */
  store: string;
  /** Numbered generations: `generations/<n>/{generation.json,home}`. */
  generations: string;
  /** Link to the live `generations/<n>`. */
  current: string;
  /** The intended changes of a switch in progress, written before the first change. */
  journal: string;
  /** Files set aside during a switch, restored if it fails, deleted when it succeeds. */
  txn: string;
  /** Held while a switch, rollback or expiry runs. */
  lock: string;
  /** Link to the live set of decrypted secrets in the runtime folder. */
  secrets: string;
}

/**
 * The paths of a state folder.
 *
 * @example
 * layoutOf("/home/alice/.local/state/grove/home").current // ".../grove/home/current"
 */
export function layoutOf(stateDir: string): StateLayout {
  return {
    dir: stateDir,
    store: join(stateDir, "store"),
    generations: join(stateDir, "generations"),
    current: join(stateDir, "current"),
    journal: join(stateDir, "journal.json"),
    txn: join(stateDir, "txn"),
    lock: join(stateDir, "lock"),
    secrets: join(stateDir, "secrets"),
  };
}

/** The text of the link Grove puts at `<home>/<rel>`. */
export function linkText(stateDir: string, rel: string): string {
  // Plain concatenation: called once per target on every switch, and both parts are already clean.
  return `${stateDir}${sep}current${sep}home${sep}${rel}`;
}

/** Whether a link's text points into Grove's state folder — the ownership mark. */
export function isGroveLink(stateDir: string, text: string): boolean {
  return text.startsWith(stateDir + sep);
}
