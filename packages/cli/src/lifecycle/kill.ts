/** `kill ID [SIGNAL] [--all]` (runtime.md "Operations: Kill", runc kill). */
import { statusOf } from '../container.ts';
import { OciError } from '../errors.ts';
import { isSameLiveProcess } from '../proc.ts';
import type { StateStore } from '../state.ts';
import { cgroupPids } from './cgroup.ts';

export function kill(store: StateStore, id: string, signal: number, all = false): void {
  const s = store.read(id);
  const status = statusOf(store, s);
  if (status === 'stopped') throw new OciError('ENOTRUNNING', 'container not running');
  if (all && Object.keys(s.cgroupPaths ?? {}).length) {
    const pids = cgroupPids(s.cgroupPaths);
    for (const pid of pids) {
      try { process.kill(pid, signal); } catch { /* exited meanwhile */ }
    }
    if (pids.length) return;
  }
  // Re-check right before signalling: the recorded pid may have been reused.
  if (!isSameLiveProcess(s.pid, s.pidStartTime)) throw new OciError('ENOTRUNNING', 'container not running');
  try {
    process.kill(s.pid, signal);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') throw new OciError('ESRCH', 'no such process', { errno: 3, cause: e });
    throw new OciError(code ?? 'EKILL', `kill: ${(e as Error).message}`, { cause: e });
  }
}
