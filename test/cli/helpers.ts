import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** A fleet in a new folder under `parent`, from a map of file paths to contents. */
export function writeFleet(parent: string, files: Record<string, string>): string {
  const root = mkdtempSync(join(parent, "fleet-"));
  writeFileSync(join(root, "package.json"), '{ "type": "module" }\n');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}
