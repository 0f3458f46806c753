import { GroveError, showPath } from "../errors.js";
import { attrsSourceOf } from "./lazy-attrs.js";

/**
 * A memoised lazy value: what a Nix thunk is. Created by `lazy(() => v)` in user code, and by the
 * module system for every definition it has not needed to read yet (a getter's value stays unread
 * until an option asks for it).
 */
export class Lazy {
  #fn: (() => unknown) | undefined;
  #holder: object | undefined;
  #key: PropertyKey | undefined;
  #state = 0; // 0 unforced, 1 forcing, 2 done
  #value: unknown;

  private constructor(fn: (() => unknown) | undefined, holder?: object, key?: PropertyKey) {
    this.#fn = fn;
    this.#holder = holder;
    this.#key = key;
  }

  /**
   * Whether `v` is a lazy value. A private-field brand check: unlike `instanceof`, it never runs
   * a proxy's traps (most configuration values are proxies).
   */
  static is(v: unknown): v is Lazy {
    return typeof v === "object" && v !== null && #state in v;
  }

  static of(fn: () => unknown): Lazy {
    return new Lazy(fn);
  }

  /** A lazy read of `holder[key]`: a getter there runs only when the value is forced. */
  static ref(holder: object, key: PropertyKey): Lazy {
    return new Lazy(undefined, holder, key);
  }

  force(): unknown {
    if (this.#state === 2) return this.#value;
    if (this.#state === 1) throw recursionError([]);
    this.#state = 1;
    try {
      let v = this.#fn
        ? this.#fn()
        : (this.#holder as Record<PropertyKey, unknown>)[this.#key as PropertyKey];
      while (Lazy.is(v)) v = v.force();
      this.#value = v;
      this.#state = 2;
      this.#fn = undefined;
      this.#holder = undefined;
      return v;
    } catch (e) {
      this.#state = 0;
      throw e;
    }
  }

  /** Serialising a lazy value serialises what it stands for. */
  toJSON(): unknown {
    return this.force();
  }
}

/**
 * Defers a value until the module system needs it, so it may read `config`.
 *
 * @example
 * ({ config }) => ({ networking: { hostName: lazy(() => config.machine.name) } })
 */
export function lazy<T>(fn: () => T): T {
  return Lazy.of(fn) as T;
}

/**
 * The mark of functions that force their argument only where they use it, as a Nix function
 * does. A property, not a `WeakSet`: such functions are made in every evaluation, and weak
 * entries made that often cost the garbage collector dearly.
 */
const lazyArgument: unique symbol = Symbol("grove.lazyArgument");

/**
 * Marks `fn` as taking its argument lazily: the module system may then pass a thunk (an `apply`
 * gets its option's value unmerged until it reads it), which `fn` must `force` where it uses it.
 */
export function takesLazyArgument<F extends (arg: any) => unknown>(fn: F): F {
  (fn as F & { [lazyArgument]?: true })[lazyArgument] = true;
  return fn;
}

/** Whether `fn` was marked by {@link takesLazyArgument}. */
export function acceptsLazyArgument(fn: (arg: any) => unknown): boolean {
  return (fn as { [lazyArgument]?: true })[lazyArgument] === true;
}

/** Weak head normal form: unwraps lazy values until a real one appears. */
export function force(v: unknown): unknown {
  while (Lazy.is(v)) v = v.force();
  return v;
}

const lazyItems: ProxyHandler<unknown[]> = {
  get(items, key, receiver) {
    return force(Reflect.get(items, key, receiver));
  },
  getOwnPropertyDescriptor(items, key) {
    const d = Reflect.getOwnPropertyDescriptor(items, key);
    if (d && "value" in d) d.value = force(d.value);
    return d;
  },
};

/**
 * A list whose lazy items (some of `items`) are computed when first read (by index, iteration, `map`, JSON…), as
 * Nix's list items are: an item that fails fails only the code that reads it.
 */
export function lazyList(items: unknown[]): unknown[] {
  return new Proxy(items, lazyItems);
}

/**
 * Forces a value and everything inside it (lists, attribute sets, getters); with `order`, the
 * attributes of each set in that order (which of several errors is met first depends on it).
 */
export function deepForce(
  v: unknown,
  seen: Set<object> = new Set(),
  order?: (a: string, b: string) => number,
): unknown {
  v = force(v);
  if (v === null || typeof v !== "object") return v;
  if (seen.has(v)) throw new GroveError("BadValue", "The value contains a cycle.");
  seen.add(v);
  try {
    if (Array.isArray(v)) return v.map((x) => deepForce(x, seen, order));
    const sorted = (names: readonly string[]) => (order ? [...names].sort(order) : names);
    const source = attrsSourceOf(v);
    if (source) {
      // A lazy attribute set: read names and values from its source, not through the proxy.
      const out: Record<string, unknown> = {};
      for (const k of sorted(source.names())) out[k] = deepForce(source.value(k), seen, order);
      return out;
    }
    if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) return v;
    const out: Record<string, unknown> = {};
    for (const k of sorted(Object.keys(v)))
      out[k] = deepForce((v as Record<string, unknown>)[k], seen, order);
    return out;
  } finally {
    seen.delete(v);
  }
}

/** The option paths being evaluated right now, innermost last: the trail of a recursion. */
const evaluating: { readonly loc: readonly string[] }[] = [];

export function enterOption(node: { readonly loc: readonly string[] }): void {
  evaluating.push(node);
}

export function leaveOption(): void {
  evaluating.pop();
}

/** The `InfiniteRecursion` error for a cycle that re-entered `node` (or an anonymous value). */
export function recursionError(
  path: readonly string[],
  node?: { readonly loc: readonly string[] },
): GroveError {
  const at = node === undefined ? -1 : evaluating.lastIndexOf(node);
  const cycle = at >= 0 ? [...evaluating.slice(at), node!] : evaluating.slice(-6);
  const trail = cycle.length > 0 ? `\nCycle: ${cycle.map((n) => `\`${showPath(n.loc)}'`).join(" -> ")}` : "";
  return new GroveError("InfiniteRecursion", `infinite recursion encountered${trail}`, {
    path: path.length > 0 ? path : undefined,
  });
}

/** Turns the engine's own stack overflow into the error a user can act on. */
export function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}
