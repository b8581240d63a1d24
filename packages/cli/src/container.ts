/**
 * A container as seen from its saved state: live status derived as runc does
 * (runtime.md "State"): created = init alive and exec.fifo present; running =
 * init alive, fifo gone; paused = its freezer is frozen; stopped = init gone
 * (checked against the recorded start time so a reused pid is not mistaken for it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { isSameLiveProcess } from './proc.ts';
import type { SavedState, StateStore } from './state.ts';
import type { State } from '@oci/spec';

export type Status = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

export function frozen(cgroupPaths: Record<string, string>): boolean {
  const v1 = cgroupPaths.freezer;
  try {
    if (v1) return fs.readFileSync(path.join(v1, 'freezer.state'), 'utf8').trim() !== 'THAWED';
  } catch { /* gone */ }
  const v2 = cgroupPaths[''] ?? cgroupPaths.unified;
  try {
    if (v2 && !v1) return fs.readFileSync(path.join(v2, 'cgroup.freeze'), 'utf8').trim() === '1';
  } catch { /* gone */ }
  return false;
}

export function statusOf(store: StateStore, s: SavedState): Status {
  if (!s.pid || !isSameLiveProcess(s.pid, s.pidStartTime)) return 'stopped';
  if (s.phase === 'creating') return 'creating';
  if (frozen(s.cgroupPaths ?? {})) return 'paused';
  return fs.existsSync(store.fifoPath(s.id)) ? 'created' : 'running';
}

/** runtime-spec state, what hooks get on stdin. */
export function ociState(s: SavedState, status: Status): State {
  const st: State = { ociVersion: s.ociVersion, id: s.id, status, bundle: s.bundle };
  if (status !== 'stopped' && s.pid) st.pid = s.pid;
  if (s.annotations && Object.keys(s.annotations).length) st.annotations = s.annotations;
  return st;
}

/** What `oci-ts state` prints: runc's shape (pid 0 once stopped). */
export function runcState(s: SavedState, status: Status) {
  const out: Record<string, unknown> = {
    ociVersion: s.ociVersion,
    id: s.id,
    pid: status === 'stopped' ? 0 : s.pid,
    status,
    bundle: s.bundle,
    rootfs: s.rootfs,
    created: s.created,
    owner: s.owner,
  };
  if (s.annotations && Object.keys(s.annotations).length) out.annotations = s.annotations;
  return out;
}

/** RFC 3339 with nanoseconds like Go's time.RFC3339Nano (trailing zeros trimmed). */
export function rfc3339Nano(ms = Date.now(), hr = process.hrtime.bigint()): string {
  const iso = new Date(ms).toISOString(); // ...T21:00:00.123Z
  const nanos = (BigInt(ms % 1000) * 1_000_000n + (hr % 1_000_000n)).toString().padStart(9, '0').replace(/0+$/, '');
  return iso.replace(/\.\d{3}Z$/, nanos ? `.${nanos}Z` : 'Z');
}
