/**
 * `ps [--format table|json] ID [-- PS ARGS]` (runc ps): the container's pids
 * from its cgroup; table runs the host's ps(1) (default `-ef`) and keeps the
 * header and the lines whose PID column is one of them.
 */
import { spawnSync } from 'node:child_process';
import { statusOf } from './container.ts';
import { OciError } from './errors.ts';
import { cgroupPids } from './lifecycle/cgroup.ts';
import type { StateStore } from './state.ts';

/** The container's pids; none once it stopped (runc lists an empty cgroup: the header alone, or JSON null). */
export function containerPids(store: StateStore, id: string): number[] {
  const s = store.read(id);
  if (statusOf(store, s) === 'stopped') return [];
  const pids = cgroupPids(s.cgroupPaths ?? {});
  return pids.length ? pids : [s.pid];
}

export function psTable(pids: number[], psArgs: string[] = []): string {
  const args = psArgs.length ? psArgs : ['-ef'];
  const r = spawnSync('ps', args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new OciError('EPS', `ps ${args.join(' ')}: ${r.error?.message ?? r.stderr.trim()}`, { cause: r.error });
  const lines = r.stdout.split('\n');
  const col = lines[0].trim().split(/\s+/).indexOf('PID');
  if (col < 0) throw new OciError('EPS', "couldn't find PID field in ps output");
  const want = new Set(pids);
  const out = [lines[0]];
  for (const l of lines.slice(1)) {
    const f = l.trim().split(/\s+/);
    if (f.length > col && want.has(Number(f[col]))) out.push(l);
  }
  return out.join('\n') + '\n';
}
