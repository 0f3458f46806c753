/**
 * The document model shared by every SOPS store: an ordered tree whose maps keep their key order and
 * whose comments are items of their own, exactly where SOPS keeps them (comments are encrypted with
 * the path of the map or list that holds them).
 *
 * Scalars carry their SOPS type in their JavaScript type, so that a round trip keeps it:
 * `string` → `str`, `bigint` → `int`, `number` → `float`, `boolean` → `bool`, `Uint8Array` → `bytes`,
 * `null` → left alone.
 */

/** A comment line; `text` is what follows the `#`, leading space included. */
export class Comment {
  constructor(readonly text: string) {}
}

export type Scalar = string | bigint | number | boolean | null | Uint8Array;

/** One item of a map: a key and its value, or a comment between keys. */
export type MapItem = { readonly key: string; readonly value: Value } | Comment;

/** An ordered map. */
export class Branch {
  constructor(readonly items: MapItem[] = []) {}

  /** The value under `key`, if any (comments are skipped). */
  get(key: string): Value | undefined {
    for (const item of this.items) if (!(item instanceof Comment) && item.key === key) return item.value;
    return undefined;
  }
}

export type ListItem = Value | Comment;
export type Value = Scalar | Branch | ListItem[];

/** The additional data SOPS binds an encrypted value to: its map-key path joined with `:`, plus `:`. */
export function aadOf(path: readonly string[]): string {
  return `${path.join(":")}:`;
}

export function isScalar(v: Value): v is Scalar {
  return !(v instanceof Branch) && !Array.isArray(v);
}
