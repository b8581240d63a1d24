/**
 * The cgroup manager interface (opencontainers/cgroups Manager, crun's
 * cgroup-internal.h): one shape, a v1 (fs/) and a v2 (fs2/) implementation
 * behind it, picked from what the host mounts.
 */
import path from 'node:path';
import type { LinuxResources } from './types.ts';
import type { Stats } from './stats.ts';
import type { OOMEvent, OOMWatch } from './oom.ts';
import type { CgroupMode, Detection } from './detect.ts';

export type FreezerState = 'frozen' | 'thawed' | 'freezing';

export interface Manager {
  /** Which implementation: 'v1' (also used for hybrid hosts) or 'v2'. */
  readonly driver: 'v1' | 'v2';
  /** Resources named at creation, used by `set()` without an argument. */
  readonly resources: LinuxResources | undefined;
  /** Resources the host cannot apply and that were skipped, as runc does (e.g. net_cls not mounted). */
  readonly warnings: string[];
  /** Creates the cgroup directories and moves `pid` in (pid <= 0: only create). */
  apply(pid: number): void;
  /** Applies resources; on a failure restores what it had changed and throws. */
  set(resources?: LinuxResources): void;
  /** `set` for a running container (`update`). */
  update(resources: LinuxResources): void;
  /** Resolves once every process is frozen. */
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  freezerState(): FreezerState;
  /** Signals every process; with SIGKILL also waits until the cgroup is empty. */
  killAll(signal: number): Promise<void>;
  stats(): Stats;
  /** Every pid in the cgroup and its sub-cgroups. */
  pids(): number[];
  /** Kills what is left, waits for it to exit, removes every directory made. */
  destroy(): Promise<void>;
  /** Controller → directory (key "" is the cgroup2 directory); save it in state.json. */
  paths(): Record<string, string>;
  /**
   * Parent directories this manager created for a nested cgroupsPath; save
   * them too and pass them back as `loadManager(paths, { created })` so
   * destroy removes them when empty.
   */
  createdParents(): string[];
  exists(): boolean;
  /** OOM kills counted in this cgroup so far. */
  oomKills(): number;
  /** Calls `listener` on every OOM event until closed. */
  watchOOM(listener: (e: OOMEvent) => void): OOMWatch;
}

export interface ManagerOptions {
  id: string;
  cgroupsPath?: string;
  systemd?: boolean;
  resources?: LinuxResources;
  /** Override detection (tests, or a caller that detected already). */
  detection?: Detection;
  /** Force an implementation: 'v2' drives only the cgroup2 mount even on a hybrid host. */
  driver?: 'v1' | 'v2';
}

export interface LoadOptions {
  detection?: Detection;
  resources?: LinuxResources;
  /** Parent directories the original manager created (removed on destroy when empty). */
  created?: string[];
}

/** A saved path must be absolute and clean: state.json is trusted, but a hand-edited one must not point outside. */
export function checkSavedPath(p: string): boolean {
  return path.posix.isAbsolute(p) && path.posix.normalize(p) === p && !p.split('/').includes('..');
}

export type { CgroupMode };
