/** v2 cpuset files (cgroup-v2.rst "Cpuset"). */
import type { V2Group } from './group.ts';
import { readOptional } from '../file.ts';
import { parseList } from '../stats.ts';

export const cpuset: V2Group = {
  name: 'cpuset',
  controller: 'cpuset',
  wants: (r) => !!(r.cpu?.cpus || r.cpu?.mems),
  set(dir, r, j) {
    if (r.cpu?.cpus) j.write(dir, 'cpuset.cpus', r.cpu.cpus, 'cpu.cpus');
    if (r.cpu?.mems) j.write(dir, 'cpuset.mems', r.cpu.mems, 'cpu.mems');
  },
  stats(dir, s) {
    s.cpuset = { cpus: parseList(readOptional(dir, 'cpuset.cpus.effective') ?? ''), mems: parseList(readOptional(dir, 'cpuset.mems.effective') ?? '') };
  },
};
