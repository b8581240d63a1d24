/** v1 net_cls and net_prio controllers (cgroup-v1/net_cls.rst, net_prio.rst). */
import type { V1Controller } from './controller.ts';

export const netCls: V1Controller = {
  name: 'net_cls',
  wants: (r) => r.network?.classID !== undefined && r.network.classID !== null,
  set(dir, r, j) {
    if (r.network?.classID !== undefined && r.network.classID !== null) j.write(dir, 'net_cls.classid', String(r.network.classID), 'network.classID');
  },
};

export const netPrio: V1Controller = {
  name: 'net_prio',
  wants: (r) => !!r.network?.priorities?.length,
  set(dir, r, j) {
    // One "ifname prio" line per write; ifpriomap reads back as a table, so no undo.
    for (const p of r.network?.priorities ?? []) j.write(dir, 'net_prio.ifpriomap', `${p.name} ${p.priority}`, 'network.priorities', { undo: false });
  },
};
