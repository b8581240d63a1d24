/** Every v1 controller this manager joins, in the order `set` applies them. */
import type { V1Controller } from './controller.ts';
import { cpuset } from './cpuset.ts';
import { devices } from './devices.ts';
import { memory } from './memory.ts';
import { cpu } from './cpu.ts';
import { cpuacct } from './cpuacct.ts';
import { pids } from './pids.ts';
import { blkio } from './blkio.ts';
import { hugetlb } from './hugetlb.ts';
import { netCls, netPrio } from './net.ts';
import { rdma } from './rdma.ts';
import { freezer } from './freezer.ts';

const perfEvent: V1Controller = { name: 'perf_event', wants: () => false, set() {} };
const misc: V1Controller = { name: 'misc', wants: () => false, set() {} };

export const v1Controllers: readonly V1Controller[] = [cpuset, devices, memory, cpu, cpuacct, pids, blkio, hugetlb, netCls, netPrio, perfEvent, freezer, rdma, misc];
export type { V1Controller };
