/** `kill ID [SIGNAL] [--all]` (runtime.md "Operations: Kill", runc kill). */
import { statusOf } from '../container.ts';
import { core } from '../deps.ts';
import { OciError } from '../errors.ts';
import { isSameLiveProcess } from '../proc.ts';
import type { StateStore } from '../state.ts';
import { cgroupPids } from './cgroup.ts';

type Core = { pidfdOpen?: (pid: number) => number; pidfdSendSignal?: (fd: number, sig: number) => void; close?: (fd: number) => void };

export async function kill(store: StateStore, id: string, signal: number, all = false): Promise<void> {
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
  // pidfd_open(2) pins the process; checking the start time after opening it
  // proves the pidfd refers to our init and not to a process that reused its
  // pid, and pidfd_send_signal(2) then cannot hit anything else.
  let c: Core = {};
  try { c = (await core()) as Core; } catch { /* fall back to kill(2) after the start-time check */ }
  let pidfd = -1;
  try {
    if (c.pidfdOpen && c.pidfdSendSignal) pidfd = c.pidfdOpen(s.pid);
  } catch (e) {
    if ((e as { code?: string }).code === 'ESRCH') throw new OciError('ENOTRUNNING', 'container not running', { cause: e });
  }
  try {
    if (!isSameLiveProcess(s.pid, s.pidStartTime)) throw new OciError('ENOTRUNNING', 'container not running');
    if (pidfd >= 0) c.pidfdSendSignal!(pidfd, signal);
    else process.kill(s.pid, signal);
  } catch (e) {
    if (e instanceof OciError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') throw new OciError('ESRCH', 'no such process', { errno: 3, cause: e });
    throw new OciError(code ?? 'EKILL', `kill: ${(e as Error).message}`, { cause: e });
  } finally {
    if (pidfd >= 0) { try { c.close?.(pidfd); } catch { /* ignore */ } }
  }
}
