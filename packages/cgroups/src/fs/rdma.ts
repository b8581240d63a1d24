/** v1 rdma controller (cgroup-v1/rdma.rst); the same rdma.max file as v2. */
import type { V1Controller } from './controller.ts';
import type { LinuxRdma } from '../types.ts';

/** "mlx4_0 hca_handle=2 hca_object=2000" lines (runc fscommon/rdma.go). */
export function rdmaLines(rdma: Record<string, LinuxRdma> | undefined): string[] {
  const out: string[] = [];
  for (const [dev, l] of Object.entries(rdma ?? {})) {
    const parts = [dev];
    if (l.hcaHandles !== undefined && l.hcaHandles !== null) parts.push(`hca_handle=${l.hcaHandles}`);
    if (l.hcaObjects !== undefined && l.hcaObjects !== null) parts.push(`hca_object=${l.hcaObjects}`);
    if (parts.length > 1) out.push(parts.join(' '));
  }
  return out;
}

export const rdma: V1Controller = {
  name: 'rdma',
  wants: (r) => rdmaLines(r.rdma).length > 0,
  set(dir, r, j) {
    for (const line of rdmaLines(r.rdma)) j.write(dir, 'rdma.max', line, 'rdma', { undo: false });
  },
};
