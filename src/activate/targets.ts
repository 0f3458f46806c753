import { isAbsolute } from "node:path";
import { GroveError } from "../errors.js";

/**
 * Normalises a target to a clean path relative to the home: `./a//b/` → `a/b`. An absolute target is
 * accepted when it lies inside `home`. Anything escaping the home is refused at plan time, so no later
 * step can write outside it.
 *
 * @example
 * normaliseTarget("./.config//app/") // ".config/app"
 */
export function normaliseTarget(raw: string, home?: string): string {
  let rest = raw;
  if (isAbsolute(raw)) {
    const prefix = home === undefined ? undefined : `${home.replace(/\/+$/, "")}/`;
    if (prefix === undefined || !raw.startsWith(prefix)) {
      throw new GroveError(
        "HomeTargetInvalid",
        `The target \`${raw}\` is an absolute path outside the home.`,
        {
          path: ["files", raw],
        },
      );
    }
    rest = raw.slice(prefix.length);
  }
  const parts = rest.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) {
    throw new GroveError("HomeTargetInvalid", `The target \`${raw}\` contains \`..\`.`, {
      path: ["files", raw],
    });
  }
  if (parts.length === 0) {
    throw new GroveError("HomeTargetInvalid", `The target \`${raw}\` names the home directory itself.`, {
      path: ["files", raw],
    });
  }
  return parts.join("/");
}
