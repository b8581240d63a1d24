/**
 * Default devices, linux.devices and the /dev symlinks (config-linux.md
 * "Devices" and "Default Devices", runtime.md; runc libcontainer/rootfs_linux.go).
 */
import type { DeviceOp, SymlinkOp } from '@oci/core/program';
import type { Spec } from '@oci/spec';
import { CompileError } from './error.ts';

/** config-linux.md "Default Devices": always provided. */
export const DEFAULT_DEVICES: Array<Pick<DeviceOp, 'path' | 'major' | 'minor'>> = [
  { path: '/dev/null', major: 1, minor: 3 },
  { path: '/dev/zero', major: 1, minor: 5 },
  { path: '/dev/full', major: 1, minor: 7 },
  { path: '/dev/random', major: 1, minor: 8 },
  { path: '/dev/urandom', major: 1, minor: 9 },
  { path: '/dev/tty', major: 5, minor: 0 },
];

export const DEFAULT_SYMLINKS: SymlinkOp[] = [
  { target: '/proc/self/fd', linkpath: '/dev/fd' },
  { target: '/proc/self/fd/0', linkpath: '/dev/stdin' },
  { target: '/proc/self/fd/1', linkpath: '/dev/stdout' },
  { target: '/proc/self/fd/2', linkpath: '/dev/stderr' },
  // /dev/ptmx points at the container's own devpts instance (devpts(4), runc setupPtmx).
  { target: 'pts/ptmx', linkpath: '/dev/ptmx' },
];

export function compileDevices(spec: Spec, inUserNs: boolean): DeviceOp[] {
  const out = new Map<string, DeviceOp>();
  // mknod(2) is refused inside a user namespace: bind the host's nodes there.
  for (const d of DEFAULT_DEVICES) {
    out.set(d.path, { ...d, type: 'c', fileMode: 0o666, uid: 0, gid: 0, bindFromHost: inUserNs });
  }
  (spec.linux?.devices ?? []).forEach((d, i) => {
    const p = `/linux/devices/${i}`;
    if (typeof d.path !== 'string' || !d.path.startsWith('/dev/')) throw new CompileError(`${p}/path`, `device path must be under /dev: "${d.path}"`);
    if (!['c', 'b', 'p', 'u'].includes(d.type)) throw new CompileError(`${p}/type`, `unknown device type "${d.type}"`);
    if (d.type !== 'p' && (!Number.isInteger(d.major) || !Number.isInteger(d.minor))) {
      throw new CompileError(`${p}/major`, 'character and block devices need major and minor');
    }
    out.set(d.path, {
      path: d.path,
      type: d.type as DeviceOp['type'],
      major: Number(d.major ?? 0),
      minor: Number(d.minor ?? 0),
      fileMode: d.fileMode ?? 0o666,
      uid: d.uid ?? 0,
      gid: d.gid ?? 0,
      bindFromHost: inUserNs,
    });
  });
  return [...out.values()];
}

export function compileSymlinks(spec: Spec): SymlinkOp[] {
  const devices = new Set((spec.linux?.devices ?? []).map((d) => d.path));
  return DEFAULT_SYMLINKS.filter((s) => !devices.has(s.linkpath));
}
