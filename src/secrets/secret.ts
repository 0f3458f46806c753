import { inspect } from "node:util";

const REDACTED = "[secret redacted]";

/**
 * A decrypted value that cannot leak by accident: printing, string interpolation and `inspect`
 * show `[secret redacted]`, and `JSON.stringify` throws. Only {@link Secret.reveal} gives the value.
 *
 * @example
 * const s = new Secret("hunter2");
 * `${s}`;        // "[secret redacted]"
 * s.reveal();    // "hunter2"
 */
export class Secret<T> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  /** The plaintext. Call it only where the plaintext is meant to go (stdout of `get`, a private file). */
  reveal(): T {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): never {
    // Throwing (rather than redacting) makes a secret accidentally serialised into a file fail loudly.
    throw new TypeError("A secret value cannot be serialised to JSON; call reveal() where that is intended.");
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`;
  }
}
