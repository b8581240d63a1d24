/** v2 cpuset files (cgroup-v2.rst "Cpuset"). */
import path from 'node:path';
import type { V2Group } from './group.ts';
import { readFile, readOptional, writeFile, type Journal } from '../file.ts';
import { parseList } from '../stats.ts';

/**
 * Writes cpuset.cpus or cpuset.mems with its own undo: the usual old value
 * of a new cgroup is "" (inherit the parent's), and a populated cgroup's
 * cpuset cannot be made empty again (the kernel refuses it: cpuset.c
 * validate_change). Then the parent's effective set, which is what "" gave,
 * is restored instead.
 */
function writeList(dir: string, file: 'cpuset.cpus' | 'cpuset.mems', value: string, resource: string, j: Journal): void {
  const old = readOptional(dir, file);
  j.write(dir, file, value, resource, { undo: false });
  if (old === undefined || old === value) return;
  j.onRollback(() => {
    try {
      writeFile(dir, file, old, resource);
    } catch (err) {
      if (old !== '') throw err;
      writeFile(dir, file, readFile(path.dirname(dir), `${file}.effective`), resource);
    }
  });
}

export const cpuset: V2Group = {
  name: 'cpuset',
  controller: 'cpuset',
  wants: (r) => !!(r.cpu?.cpus || r.cpu?.mems),
  set(dir, r, j) {
    if (r.cpu?.cpus) writeList(dir, 'cpuset.cpus', r.cpu.cpus, 'cpu.cpus', j);
    if (r.cpu?.mems) writeList(dir, 'cpuset.mems', r.cpu.mems, 'cpu.mems', j);
  },
  stats(dir, s) {
    s.cpuset = { cpus: parseList(readOptional(dir, 'cpuset.cpus.effective') ?? ''), mems: parseList(readOptional(dir, 'cpuset.mems.effective') ?? '') };
  },
};
