/**
 * Every v2 file group, in the order `set` applies them. Devices come last:
 * replacing the device program cannot be undone, so nothing may fail after
 * it (a failure earlier rolls back the files already written).
 */
import type { V2Group } from './group.ts';
import { cpuset } from './cpuset.ts';
import { memory } from './memory.ts';
import { cpu } from './cpu.ts';
import { pids } from './pids.ts';
import { io } from './io.ts';
import { hugetlb } from './hugetlb.ts';
import { rdma } from './rdma.ts';
import { unified } from './unified.ts';
import { devices } from './devices.ts';

export const v2Groups: readonly V2Group[] = [cpuset, memory, cpu, pids, io, hugetlb, rdma, unified, devices];
export type { V2Group };
