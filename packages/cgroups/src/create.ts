/** createManager / loadManager: pick and build the right manager. */
import path from 'node:path';
import { detect, type Detection } from './detect.ts';
import { innerPath, v1Path, v2Path } from './path.ts';
import { CgroupError } from './errors.ts';
import { checkSavedPath, type LoadOptions, type Manager, type ManagerOptions } from './manager.ts';
import { checkV1Resources, V1Manager } from './fs/manager.ts';
import { V2Manager } from './fs2/manager.ts';

export function createManager(opts: ManagerOptions): Manager {
  if (opts.systemd) {
    // The systemd driver is async (D-Bus) and loaded only when asked for.
    throw new CgroupError('ESYSTEMD', "cgroups: the systemd cgroup driver is createSystemdManager() of '@oci/cgroups/systemd'");
  }
  const d = opts.detection ?? detect();
  const inner = innerPath(opts.id, opts.cgroupsPath);
  const driver = opts.driver ?? (d.mode === 'v2' ? 'v2' : 'v1');
  if (driver === 'v2') {
    const dir = v2Path(d, inner);
    if (!dir || !d.unified) throw new CgroupError('ENOMOUNT', 'cgroups: no cgroup2 hierarchy is mounted');
    return new V2Manager(dir, {
      resources: opts.resources,
      // Only a pure v2 host's hierarchy is ours to enable controllers in.
      enableControllersFrom: d.mode === 'v2' ? d.unified.mountpoint : undefined,
    });
  }
  const paths: Record<string, string> = {};
  for (const ctrl of Object.keys(d.v1)) {
    // Named hierarchies (name=systemd) carry no resources; runc joins them
    // only for systemd's sake, and there is no systemd driver yet.
    if (ctrl.startsWith('name=')) continue;
    const p = v1Path(d, ctrl, inner);
    if (p) paths[ctrl] = p;
  }
  if (!Object.keys(paths).length) throw new CgroupError('ENOMOUNT', 'cgroups: no cgroup v1 controller is mounted');
  if (d.mode === 'hybrid') {
    const u = v2Path(d, inner);
    if (u) paths[''] = u;
  }
  checkV1Resources(opts.resources, new Set(Object.keys(paths)), d.unifiedControllers ?? []);
  return new V1Manager(paths, d, { resources: opts.resources });
}

/**
 * Reattaches to a container's cgroups from the paths its state.json saved
 * (`Manager.paths()`). A map with only "" is a v2 cgroup.
 */
export function loadManager(paths: Record<string, string>, opts: LoadOptions = {}): Manager {
  const entries = Object.entries(paths ?? {});
  if (!entries.length) throw new CgroupError('EPATH', 'cgroups: no saved cgroup paths');
  for (const [k, p] of entries) {
    if (typeof p !== 'string' || !checkSavedPath(p)) throw new CgroupError('EPATH', `cgroups: saved path for ${JSON.stringify(k)} is not an absolute clean path: ${JSON.stringify(p)}`, { file: String(p) });
  }
  if (entries.length === 1 && paths[''] !== undefined) {
    const d: Detection | undefined = opts.detection ?? tryDetect();
    const from = d?.mode === 'v2' && d.unified && paths[''].startsWith(d.unified.mountpoint + path.sep) ? d.unified.mountpoint : undefined;
    return new V2Manager(paths[''], { resources: opts.resources, created: opts.created, enableControllersFrom: from });
  }
  const d = opts.detection ?? detect();
  return new V1Manager(paths, d, { resources: opts.resources, created: opts.created });
}

function tryDetect(): Detection | undefined {
  try {
    return detect();
  } catch {
    return undefined;
  }
}
