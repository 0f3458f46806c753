import { randomBytes } from "node:crypto";
import { lstat, open, readdir, rm } from "node:fs/promises";
import { join } from "node:path";

async function overwrite(path: string): Promise<void> {
  const handle = await open(path, "r+").catch(() => undefined);
  if (!handle) return; // already gone: nothing to overwrite
  try {
    const { size } = await handle.stat();
    await handle.write(randomBytes(size), 0, size, 0);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function overwriteAll(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await overwriteAll(p);
    else if (e.isFile()) await overwrite(p);
  }
}

/**
 * Overwrites a file (or every file under a folder) with random bytes, then removes it, so that
 * plaintext does not stay on disk.
 *
 * @example
 * await shred("/tmp/grove-edit-1234/secret.txt");
 */
export async function shred(path: string): Promise<void> {
  const st = await lstat(path).catch(() => undefined);
  if (st?.isDirectory()) await overwriteAll(path);
  else if (st?.isFile()) await overwrite(path);
  await rm(path, { recursive: true, force: true });
}
