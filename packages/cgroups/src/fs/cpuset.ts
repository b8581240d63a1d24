/**
 * v1 cpuset controller (cgroup-v1/cpusets.rst). A new cpuset cgroup starts
 * with empty cpus and mems and refuses tasks until both are set, so every
 * directory from the mountpoint down inherits its parent's values first
 * (runc fs/cpuset.go ensureParent/copyIfNeeded).
 */
import path from 'node:path';
import type { V1Controller } from './controller.ts';
import { readFile, readOptional, writeFile } from '../file.ts';
import { parseList } from '../stats.ts';

export const cpuset: V1Controller = {
  name: 'cpuset',
  init(dir, mountpoint) {
    const chain: string[] = [];
    for (let d = dir; d.length > mountpoint.length && d.startsWith(mountpoint); d = path.dirname(d)) chain.unshift(d);
    for (const d of chain) {
      const parent = path.dirname(d);
      for (const f of ['cpuset.cpus', 'cpuset.mems']) {
        if (readFile(d, f) === '') writeFile(d, f, readFile(parent, f), `cpu.${f.slice(7)}`);
      }
    }
  },
  wants: (r) => !!(r.cpu?.cpus || r.cpu?.mems),
  set(dir, r, j) {
    if (r.cpu?.cpus) j.write(dir, 'cpuset.cpus', r.cpu.cpus, 'cpu.cpus');
    if (r.cpu?.mems) j.write(dir, 'cpuset.mems', r.cpu.mems, 'cpu.mems');
  },
  stats(dir, s) {
    s.cpuset = { cpus: parseList(readOptional(dir, 'cpuset.cpus') ?? ''), mems: parseList(readOptional(dir, 'cpuset.mems') ?? '') };
  },
};
