/**
 * Cgroup glue for the lifecycle: whether a config needs a cgroup manager,
 * and destroying a container's cgroups from the saved paths.
 */
import fs from 'node:fs';
import { cgroups, loadSystemdCgroups } from '../deps.ts';
import type { SystemdSaved } from '../deps.ts';
import { sleep } from '../proc.ts';
import type { Spec } from '@oci/spec';

export function needsCgroups(spec: Spec): boolean {
  const r = spec.linux?.resources;
  return !!spec.linux?.cgroupsPath || (!!r && Object.keys(r).length > 0);
}

/** Removes the container's cgroup directories (ours only: the saved paths). */
export async function destroyCgroups(paths: Record<string, string>, created: string[] = [], systemd?: SystemdSaved): Promise<void> {
  if (!paths || Object.keys(paths).length === 0) return;
  // A unit: systemd stops it (and kills what is left), then its cgroup goes.
  // No fallback: removing the directory behind systemd's back would leave the unit.
  if (systemd) return (await loadSystemdCgroups(paths, systemd)).destroy();
  const { loadManager } = await cgroups();
  // `created`: the parents create made for a nested cgroupsPath, so they go too.
  try { await loadManager(paths, { created }).destroy(); return; } catch { /* fall back to rmdir below */ }
  // rmdir(2) on a cgroup directory removes it once it has no tasks; retry briefly while the last task exits.
  for (const dir of new Set(Object.values(paths))) {
    for (let i = 0; i < 50; i++) {
      try { fs.rmdirSync(dir); break; } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (code !== 'EBUSY' || i === 49) throw e;
        await sleep(10);
      }
    }
  }
}

/** Pids in the container's cgroup (for kill --all), from whichever controller is saved. */
export function cgroupPids(paths: Record<string, string>): number[] {
  const order = ['pids', 'freezer', 'memory', 'devices', 'cpu', '', 'unified'];
  const keys = [...order.filter((k) => k in paths), ...Object.keys(paths)];
  for (const k of keys) {
    try {
      return fs.readFileSync(`${paths[k]}/cgroup.procs`, 'utf8').split('\n').filter(Boolean).map(Number);
    } catch { /* try the next */ }
  }
  return [];
}

type DeviceRule = { allow: boolean; type?: string; major?: number; minor?: number; access?: string };

/**
 * The device rules the cgroup gets: the config's own, then runc's default
 * allow list (specconv AllowedDevices): mknod of anything, the default
 * devices, the ptys and /dev/net/tun. Without these the executor could not
 * create /dev/null under the default config's "deny all".
 *
 * linux.devices entries get NO allow rule of their own: as in runc, a node
 * the config creates is usable only when linux.resources.devices allows it
 * (podman, Docker and containerd add that rule themselves). And, as runc's
 * createDevices does, a default device whose path linux.devices redefines
 * loses its default rule: the config's node takes its place.
 */
const DEFAULT_RULES: Array<DeviceRule & { path?: string }> = [
  { allow: true, type: 'c', access: 'm' },
  { allow: true, type: 'b', access: 'm' },
  { path: '/dev/null', allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
  { path: '/dev/random', allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' },
  { path: '/dev/full', allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' },
  { path: '/dev/tty', allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' },
  { path: '/dev/zero', allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },
  { path: '/dev/urandom', allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' },
  { allow: true, type: 'c', major: 136, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' },
  { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' },
];

export function cgroupResources(spec: Spec): Record<string, unknown> | undefined {
  const r = spec.linux?.resources as Record<string, unknown> | undefined;
  if (!r) return r;
  const redefined = new Set((spec.linux?.devices ?? []).map((d) => d.path));
  const rules: DeviceRule[] = [...((r.devices as DeviceRule[] | undefined) ?? [])];
  for (const { path, ...rule } of DEFAULT_RULES) if (!path || !redefined.has(path)) rules.push(rule);
  return { ...r, devices: rules };
}
