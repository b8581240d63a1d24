/** One group of cgroup v2 files (opencontainers/cgroups fs2: one file per group). */
import type { LinuxResources } from '../types.ts';
import type { Stats } from '../stats.ts';
import type { Journal } from '../file.ts';

export interface V2Group {
  readonly name: string;
  /** The controller that must be enabled in the parent's subtree_control. */
  readonly controller?: string;
  wants(r: LinuxResources): boolean;
  /** `warn` records a resource the host ignores (Manager.warnings). */
  set(dir: string, r: LinuxResources, j: Journal, warn: (msg: string) => void): void;
  stats?(dir: string, s: Stats): void;
}
