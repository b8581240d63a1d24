/** v1 pids controller (cgroup-v1/pids.rst): pids.max, "max" for no limit. */
import type { V1Controller } from './controller.ts';
import { readOptional } from '../file.ts';
import { parseUint } from '../stats.ts';
import type { Int64 } from '../types.ts';

/** runtime-spec pids.limit: > 0 a limit, <= 0 unlimited (runc writes "max"). */
export function pidsValue(limit: Int64): string {
  return limit > 0 ? String(limit) : 'max';
}

export const pids: V1Controller = {
  name: 'pids',
  wants: (r) => r.pids?.limit !== undefined && r.pids.limit !== null,
  set(dir, r, j) {
    if (r.pids?.limit !== undefined && r.pids.limit !== null) j.write(dir, 'pids.max', pidsValue(r.pids.limit), 'pids.limit');
  },
  stats(dir, s) {
    const max = readOptional(dir, 'pids.max') ?? 'max';
    s.pids = { current: parseUint(readOptional(dir, 'pids.current') ?? '0'), limit: max === 'max' ? 0 : parseUint(max) };
  },
};
