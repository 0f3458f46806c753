/**
 * Package references: `pkgs.ripgrep`, `pkgs.stable.fd`, `pkgs.python3Packages.numpy` are values
 * naming a package (and the channel it comes from), not packages. Nix builds them; Grove prints
 * them as `{ "$package": "fd", "channel": "stable" }` in JSON and `pkgs.stable.fd` in Nix.
 */

/** A reference to a package by attribute path, optionally from a named channel. */
export class PackageRef {
  readonly _type = "package";
  constructor(
    readonly name: string,
    readonly channel?: string,
  ) {}

  toJSON(): { $package: string; channel?: string } {
    return this.channel === undefined
      ? { $package: this.name }
      : { $package: this.name, channel: this.channel };
  }

  toString(): string {
    return this.channel === undefined ? `pkgs.${this.name}` : `pkgs.${this.channel}.${this.name}`;
  }
}

/** Property names that mean the reference itself, never a nested package. */
const own = new Set<PropertyKey>([
  "_type",
  "name",
  "channel",
  "toJSON",
  "toString",
  "valueOf",
  "constructor",
  "then",
]);

function refProxy(ref: PackageRef): PackageRef {
  return new Proxy(ref, {
    get(target, key, receiver) {
      if (typeof key !== "string" || own.has(key)) return Reflect.get(target, key, receiver);
      return refProxy(new PackageRef(`${target.name}.${key}`, target.channel));
    },
  });
}

export type Pkgs = Record<string, any>;

/**
 * The `pkgs` argument: any attribute is a package reference; an attribute named after a channel
 * gives that channel's packages.
 *
 * @example
 * const pkgs = packageSet(["stable"]);
 * pkgs.stable.fd.toJSON(); // { $package: "fd", channel: "stable" }
 */
export function packageSet(channels: readonly string[] = []): Pkgs {
  const byChannel = new Map<string, Pkgs>();
  const set = (channel?: string): Pkgs =>
    new Proxy(
      {},
      {
        get(_t, key) {
          if (typeof key !== "string" || key === "then" || key === "toJSON") return undefined;
          if (channel === undefined && channels.includes(key)) {
            let c = byChannel.get(key);
            if (!c) byChannel.set(key, (c = set(key)));
            return c;
          }
          return refProxy(new PackageRef(key, channel));
        },
      },
    );
  return set();
}

export function isPackageRef(v: unknown): v is PackageRef {
  return v instanceof PackageRef;
}
