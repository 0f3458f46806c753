/** Whether process `pid` exists (EPERM: it does, under another user). Locks ask it of their holder. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
