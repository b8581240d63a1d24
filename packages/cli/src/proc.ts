/** /proc helpers: process liveness that survives pid reuse (proc(5) /proc/[pid]/stat). */
import fs from 'node:fs';

export interface ProcStat { state: string; startTime: string; ppid: number }

export function procStat(pid: number): ProcStat | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  let text: string;
  try { text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { return undefined; }
  // comm (field 2) may contain spaces and ')': split after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); starttime is field 22 → rest[19].
  return { state: rest[0], ppid: Number(rest[1]), startTime: rest[19] };
}

/** Alive and the same process as recorded (not a zombie, not a reused pid). */
export function isSameLiveProcess(pid: number, startTime: string | undefined): boolean {
  const st = procStat(pid);
  if (!st) return false;
  if (st.state === 'Z' || st.state === 'X') return false;
  return !startTime || st.startTime === startTime;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Waits until the process is gone (or a zombie) or `timeoutMs` passes. */
export async function waitGone(pid: number, startTime: string | undefined, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let d = 1; ; d = Math.min(d * 2, 25)) {
    if (!isSameLiveProcess(pid, startTime)) return true;
    if (Date.now() > deadline) return false;
    await sleep(d);
  }
}
