/**
 * Lazy attribute sets: objects whose names are known up front and whose values are computed on
 * first read. They are what `config`, `options` and merged attribute sets are made of.
 *
 * A proxy over a small source object, with one shared handler, costs a fraction of defining a
 * getter per property (which turns every object into a slow dictionary): a machine's
 * configuration holds thousands of such values. Listing names (`Object.keys`, spread,
 * `JSON.stringify`) never computes a value it does not return.
 */

/** What a lazy attribute set reads from. */
export interface AttrsSource {
  /** The names, in order. */
  names(): readonly string[];
  /** The names sorted by UTF-16 code unit when the source keeps them (shared by many sets). */
  sortedNames?(): readonly string[] | undefined;
  has(name: string): boolean;
  /** The value of a name that `has` said exists; memoised by the source. */
  value(name: string): unknown;
}

const sourceOf: unique symbol = Symbol("grove.attrsSource");

function readOnly(): boolean {
  return false;
}

const handler: ProxyHandler<AttrsSource> = {
  get(source, key) {
    if (typeof key === "string") return source.has(key) ? source.value(key) : undefined;
    if (key === sourceOf) return source;
    return undefined;
  },
  has(source, key) {
    return typeof key === "string" && source.has(key);
  },
  ownKeys(source) {
    return source.names() as string[];
  },
  getOwnPropertyDescriptor(source, key) {
    if (typeof key !== "string" || !source.has(key)) return undefined;
    return { get: () => source.value(key), enumerable: true, configurable: true };
  },
  getPrototypeOf() {
    return Object.prototype;
  },
  set: readOnly,
  defineProperty: readOnly,
  deleteProperty: readOnly,
  setPrototypeOf: readOnly,
  preventExtensions: readOnly,
};

/** An object over `source`: `obj.name` is `source.value(name)`. */
export function lazyAttrs(source: AttrsSource): Record<string, any> {
  return new Proxy(source, handler) as unknown as Record<string, any>;
}

/** The source behind a lazy attribute set, or undefined for any other value. */
export function attrsSourceOf(v: unknown): AttrsSource | undefined {
  return typeof v === "object" && v !== null
    ? ((v as { [sourceOf]?: AttrsSource })[sourceOf] ?? undefined)
    : undefined;
}

const unset = Symbol("unset");

/** A source over a list of names and a function computing each value once. */
export class ComputedAttrs implements AttrsSource {
  #index: Map<string, number> | undefined;
  readonly #values: unknown[];

  constructor(
    readonly list: readonly string[],
    readonly compute: (name: string, index: number) => unknown,
  ) {
    this.#values = new Array(list.length).fill(unset);
  }

  /** Where `name` is in the list, or -1; short lists (most) are searched, long ones indexed. */
  #find(name: string): number {
    if (this.list.length <= 8) return this.list.indexOf(name);
    this.#index ??= new Map(this.list.map((n, i) => [n, i]));
    return this.#index.get(name) ?? -1;
  }

  names(): readonly string[] {
    return this.list;
  }

  has(name: string): boolean {
    return this.#find(name) >= 0;
  }

  value(name: string): unknown {
    const i = this.#find(name);
    let v = this.#values[i];
    if (v === unset) {
      v = this.compute(name, i);
      this.#values[i] = v;
    }
    return v;
  }
}
