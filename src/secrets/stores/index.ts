/** The stores by format, and the format sops picks for a file name. */
import { binaryStore } from "./binary.js";
import { dotenvStore } from "./dotenv.js";
import { iniStore } from "./ini.js";
import { jsonStore } from "./json.js";
import type { Format, SopsStore } from "./store.js";
import { yamlStore } from "./yaml.js";

export { FORMATS, type Format, type SopsStore } from "./store.js";

const STORES: Record<Format, SopsStore> = {
  yaml: yamlStore,
  json: jsonStore,
  dotenv: dotenvStore,
  ini: iniStore,
  binary: binaryStore,
};

/** The store for a format. */
export function storeFor(format: Format): SopsStore {
  return STORES[format];
}

/**
 * The format sops chooses from a file name: `.yaml`/`.yml`, `.json`, `.env`, `.ini`; anything else
 * is binary.
 *
 * @example
 * formatForPath("secrets/db.enc.yaml"); // "yaml"
 */
export function formatForPath(path: string): Format {
  const m = /\.([^./\\]+)$/.exec(path);
  switch (m?.[1]?.toLowerCase()) {
    case "yaml":
    case "yml":
      return "yaml";
    case "json":
      return "json";
    case "env":
      return "dotenv";
    case "ini":
      return "ini";
    default:
      return "binary";
  }
}
