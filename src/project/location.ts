import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { ModuleLocation } from "../lib/index.js";

// Grove's own sources (`src/` or `dist/`): helpers of every layer (project, inventory) are skipped.
const here = fileURLToPath(new URL("..", import.meta.url));

/**
 * Where the fleet file that called a Grove helper (`aspect`, `machine`…) is: the first stack
 * frame outside Grove itself. Source maps are on for fleet files, so lines are TypeScript lines.
 */
export function callerLocation(): ModuleLocation | undefined {
  const stack = new Error().stack?.split("\n").slice(1) ?? [];
  for (const frame of stack) {
    const m = /\(?((?:file:\/\/)?\/[^():]+):(\d+):\d+\)?$/.exec(frame.trim());
    if (!m) continue;
    const file = m[1]!.startsWith("file://") ? fileURLToPath(m[1]!) : m[1]!;
    if (file.startsWith(here) || file.includes("/node_modules/")) continue;
    return { file: relative(process.cwd(), file), line: Number(m[2]) };
  }
  return undefined;
}
