/**
 * `update` (runc update): change a running container's cgroup limits live
 * (@oci/cgroups Manager.update on the saved paths). The resources come from
 * --resources FILE|- (a runtime-spec linux.resources JSON) and/or runc's flags.
 */
import { statusOf } from './container.ts';
import { OciError } from './errors.ts';
import { loadSystemdCgroups } from './deps.ts';
import { loadCgroups } from './pause.ts';
import type { StateStore } from './state.ts';
import { UPDATE_FLAGS } from './update-flags.ts';

export { UPDATE_FLAGS };

type Resources = Record<string, any>;


const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** docker/go-units RAMInBytes as runc uses it: "512m", "1GiB", "-1" (unlimited); binary units. */
export function parseBytes(v: string): number {
  if (v === '-1') return -1;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?$/i.exec(v.trim());
  if (!m) throw new OciError('EUSAGE', `invalid size: '${v}'`);
  return Math.floor(Number(m[1]) * UNITS[m[2].toLowerCase()]);
}

export function resourcesFromFlags(argv: Record<string, unknown>, base: Resources = {}): Resources {
  const r: Resources = structuredClone(base);
  for (const [flag, { path: [group, key], kind }] of Object.entries(UPDATE_FLAGS)) {
    const v = argv[flag];
    if (v === undefined || v === '') continue;
    const s = String(v);
    let val: number | string;
    if (kind === 'bytes') val = parseBytes(s);
    else if (kind === 'int') {
      if (!/^-?\d+$/.test(s)) throw new OciError('EUSAGE', `invalid value for --${flag}: ${s}`);
      val = Number(s);
    } else val = s;
    r[group] = { ...(r[group] ?? {}), [key]: val };
  }
  for (const f of ['l3-cache-schema', 'mem-bw-schema']) {
    if (argv[f]) throw new OciError('EUNSUPPORTED', `--${f}: Intel RDT is not supported by oci-ts`);
  }
  return r;
}

export async function update(store: StateStore, id: string, resources: Resources): Promise<string[]> {
  const release = await store.lock(id);
  try {
    const s = store.read(id);
    if (statusOf(store, s) === 'stopped') throw new OciError('ENOTRUNNING', 'container not running');
    // --systemd-cgroup: SetUnitProperties, then the files (runc unifiedManager.Set).
    const m = s.cgroupSystemd ? await loadSystemdCgroups(s.cgroupPaths, s.cgroupSystemd) : await loadCgroups(s.cgroupPaths);
    // runc update never touches the device rules (update.go copies only the
    // memory, cpu, blkio, pids, hugetlb, network and unified fields), and
    // containerd's CRI sends its whole LinuxResources, devices included: a
    // devices list here would replace the rules made at create (runc's
    // allowed defaults among them) and cut the container off /dev/null.
    const { devices: _ignored, ...live } = resources;
    await m.update(live);
    return [...(m.warnings ?? [])];
  } finally {
    release();
  }
}
