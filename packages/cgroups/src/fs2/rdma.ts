/** v2 rdma.max (cgroup-v2.rst "RDMA"), same lines as v1. */
import type { V2Group } from './group.ts';
import { rdmaLines } from '../fs/rdma.ts';

export const rdma: V2Group = {
  name: 'rdma',
  controller: 'rdma',
  wants: (r) => rdmaLines(r.rdma).length > 0,
  set(dir, r, j) {
    for (const line of rdmaLines(r.rdma)) j.write(dir, 'rdma.max', line, 'rdma', { undo: false });
  },
};
