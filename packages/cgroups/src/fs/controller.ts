/** One cgroup v1 controller (opencontainers/cgroups fs.subsystem). */
import type { LinuxResources } from '../types.ts';
import type { Stats } from '../stats.ts';
import type { Journal } from '../file.ts';

export interface V1Controller {
  /** Hierarchy name as in /proc/self/cgroup ("memory", "net_cls", ...). */
  readonly name: string;
  /** Prepares a new directory before a process joins (cpuset inherits cpus/mems). */
  init?(dir: string, mountpoint: string): void;
  /** Whether `r` asks for anything this controller sets. */
  wants(r: LinuxResources): boolean;
  /** Writes the resources this controller owns. */
  set(dir: string, r: LinuxResources, j: Journal): void;
  stats?(dir: string, s: Stats): void;
}
