/**
 * `pause` / `resume` (runc pause/resume): freeze or thaw every process of the
 * container through its freezer cgroup (@oci/cgroups freeze/thaw; v1
 * freezer.state, v2 cgroup.freeze). The status "paused" is derived from the
 * freezer (container.ts), so nothing else is recorded.
 */
import { statusOf } from './container.ts';
import { cgroups } from './deps.ts';
import { OciError } from './errors.ts';
import type { StateStore } from './state.ts';

export interface FreezerManager { freeze(): Promise<void>; thaw(): Promise<void> }

export async function loadCgroups(paths: Record<string, string>): Promise<any> {
  if (!paths || Object.keys(paths).length === 0) throw new OciError('ENOCGROUP', 'the container has no cgroups (no linux.resources / cgroupsPath in its config)');
  return (await cgroups()).loadManager(paths);
}

export async function pause(store: StateStore, id: string): Promise<void> {
  const release = await store.lock(id);
  try {
    const s = store.read(id);
    const status = statusOf(store, s);
    // runc: only a running or created container can be paused (ErrNotRunning otherwise).
    if (status !== 'running' && status !== 'created') throw new OciError('ENOTRUNNING', 'container not running');
    await (await loadCgroups(s.cgroupPaths) as FreezerManager).freeze();
  } finally {
    release();
  }
}

export async function resume(store: StateStore, id: string): Promise<void> {
  const release = await store.lock(id);
  try {
    const s = store.read(id);
    if (statusOf(store, s) !== 'paused') throw new OciError('ENOTPAUSED', 'container not paused');
    await (await loadCgroups(s.cgroupPaths) as FreezerManager).thaw();
  } finally {
    release();
  }
}
