/** `kill ID [SIGNAL] [--all]` (runtime.md "Operations: Kill", runc kill). */
import fs from 'node:fs';
import { statusOf } from '../container.ts';
import { core } from '../deps.ts';
import { OciError } from '../errors.ts';
import { isSameLiveProcess } from '../proc.ts';
import type { StateStore } from '../state.ts';
import { cgroupPids } from './cgroup.ts';

type Core = { pidfdOpen?: (pid: number) => number; pidfdSendSignal?: (fd: number, sig: number) => void; close?: (fd: number) => void };

/**
 * A frozen cgroup v1 task does not act on SIGKILL until thawed (freezer
 * cgroup docs, "cgroup-v1/freezer-subsystem"), so as runc does for a paused
 * container, SIGKILL is followed by a thaw; other signals stay pending until
 * `resume`.
 */
export async function kill(store: StateStore, id: string, signal: number, all = false): Promise<void> {
  const s = store.read(id);
  const paused = signal === 9 && statusOf(store, s) === 'paused';
  try {
    await signalContainer(store, id, signal, all);
  } finally {
    if (paused) thawFreezer(s.cgroupPaths ?? {});
  }
}

function thawFreezer(paths: Record<string, string>): void {
  try { if (paths.freezer) fs.writeFileSync(`${paths.freezer}/freezer.state`, 'THAWED'); } catch { /* gone */ }
  const v2 = paths[''] ?? paths.unified;
  try { if (v2 && !paths.freezer) fs.writeFileSync(`${v2}/cgroup.freeze`, '0'); } catch { /* gone */ }
}

async function signalContainer(store: StateStore, id: string, signal: number, all: boolean): Promise<void> {
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
