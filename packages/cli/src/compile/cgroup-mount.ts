/**
 * The `cgroup` mount (config.md "Mounts", type cgroup). On a v1 or hybrid
 * host a single `mount -t cgroup` cannot show the container its own cgroups,
 * so, like runc's mountCgroupV1 (libcontainer/rootfs_linux.go), it becomes a
 * tmpfs at the destination with one bind mount per hierarchy of the
 * container's own cgroup directory (/sys/fs/cgroup/memory → the host's
 * /sys/fs/cgroup/memory/<cgroupsPath>), each remounted with the mount's flags
 * (read-only by default), and the tmpfs remounted read-only last.
 * On a v2 host it is a cgroup2 mount (inside a cgroup namespace the kernel
 * shows the container's cgroup as its root) or, without one, a bind of the
 * container's cgroup directory.
 */
import path from 'node:path';
import type { MountOp } from '@oci/core/program';
import { MS } from './constants.ts';

export interface CgroupHost {
  mode: 'v1' | 'v2' | 'hybrid';
  /** Manager.paths(): controller → the container's cgroup directory ("" = cgroup2). */
  paths: Record<string, string>;
  /** Host cgroup mountpoints (cgroup and cgroup2) from /proc/self/mountinfo. */
  mountpoints: string[];
}

const BIND_REMOUNT = MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.NOATIME | MS.NODIRATIME | MS.RELATIME | MS.STRICTATIME;

export function expandCgroupMounts(mounts: MountOp[], host: CgroupHost | undefined, hasCgroupNs: boolean): { mounts: MountOp[]; readonly: string[] } {
  const out: MountOp[] = [];
  const readonly: string[] = [];
  for (const m of mounts) {
    if (m.fstype !== 'cgroup' && m.fstype !== 'cgroup2') { out.push(m); continue; }
    if (host?.mode === 'v2') {
      const dir = host.paths[''];
      if (hasCgroupNs || !dir) out.push({ ...m, fstype: 'cgroup2', source: 'cgroup', data: '' });
      else out.push({ ...m, source: dir, fstype: 'bind', flags: MS.BIND, remountFlags: (m.flags & BIND_REMOUNT) ? MS.BIND | MS.REMOUNT | (m.flags & BIND_REMOUNT) : 0, createAs: 'dir' });
      continue;
    }
    // v1 / hybrid (or unknown: an empty tmpfs, never the host's whole hierarchy).
    out.push({ source: 'tmpfs', destination: m.destination, fstype: 'tmpfs', flags: m.flags & ~MS.RDONLY, propagation: [], data: 'mode=755', remountFlags: 0, createAs: 'dir' });
    const seen = new Set<string>();
    // A plain code-unit order: localeCompare would load ICU's collator (~10 ms on the first call).
    for (const [key, dir] of Object.entries(host?.paths ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const mp = host!.mountpoints.filter((p) => dir === p || dir.startsWith(p + '/')).sort((a, b) => b.length - a.length)[0];
      if (!mp) continue;
      const name = path.posix.basename(mp) || key || 'unified';
      if (seen.has(name)) continue;
      seen.add(name);
      out.push({
        source: dir,
        destination: path.posix.join(m.destination, name),
        fstype: 'bind',
        flags: MS.BIND,
        propagation: [],
        data: '',
        remountFlags: MS.BIND | MS.REMOUNT | (m.flags & BIND_REMOUNT),
        createAs: 'dir',
      });
    }
    // The tmpfs itself goes read-only last: a bind remount of just that mount
    // (not a recursive bind over it, which would duplicate every hierarchy).
    if (m.flags & MS.RDONLY) {
      out.push({ source: '', destination: m.destination, fstype: '', flags: MS.BIND | MS.REMOUNT | (m.flags & BIND_REMOUNT), propagation: [], data: '', remountFlags: 0, createAs: 'dir' });
    }
  }
  return { mounts: out, readonly };
}

/** cgroup and cgroup2 mountpoints of the calling process (proc(5) /proc/[pid]/mountinfo). */
export function cgroupMountpoints(mountinfo: string): string[] {
  const out: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const fstype = line.slice(sep + 3).split(' ')[0];
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const mp = line.slice(0, sep).split(' ')[4];
    out.push(mp.replace(/\\(\d{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8))));
  }
  return out;
}
