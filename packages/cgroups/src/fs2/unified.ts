/**
 * linux.resources.unified: cgroup v2 files written as given
 * (config-linux.md "Unified"). Keys are file names in the container's own
 * cgroup: a key with "/" or naming a core cgroup.* interface file that moves
 * processes or changes the tree is refused, so a config cannot escape its
 * cgroup.
 */
import type { V2Group } from './group.ts';
import { CgroupError } from '../errors.ts';

const REFUSED = new Set(['cgroup.procs', 'cgroup.threads', 'cgroup.subtree_control', 'cgroup.kill', 'cgroup.freeze', 'cgroup.type']);

export function checkUnifiedKey(key: string): void {
  if (key === '' || key.includes('/') || key === '.' || key === '..' || REFUSED.has(key)) {
    throw new CgroupError('EINVALID', `cgroups: unified: key ${JSON.stringify(key)} is not a settable cgroup v2 file`, { resource: `unified.${key}`, value: key });
  }
}

export const unified: V2Group = {
  name: 'unified',
  wants: (r) => !!r.unified && Object.keys(r.unified).length > 0,
  set(dir, r, j) {
    for (const [k, v] of Object.entries(r.unified ?? {})) {
      checkUnifiedKey(k);
      j.write(dir, k, v, `unified.${k}`);
    }
  },
};
