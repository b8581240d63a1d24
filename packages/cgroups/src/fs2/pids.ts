/** v2 pids.max (cgroup-v2.rst "PID"). */
import type { V2Group } from './group.ts';
import { readOptional } from '../file.ts';
import { parseUint } from '../stats.ts';
import { pidsValue } from '../fs/pids.ts';

export const pids: V2Group = {
  name: 'pids',
  controller: 'pids',
  wants: (r) => r.pids?.limit !== undefined && r.pids.limit !== null,
  set(dir, r, j) {
    if (r.pids?.limit !== undefined && r.pids.limit !== null) j.write(dir, 'pids.max', pidsValue(r.pids.limit), 'pids.limit');
  },
  stats(dir, s) {
    const max = readOptional(dir, 'pids.max') ?? 'max';
    s.pids = { current: parseUint(readOptional(dir, 'pids.current') ?? '0'), limit: max === 'max' ? 0 : parseUint(max) };
  },
};
