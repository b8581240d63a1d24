/**
 * `linux.cgroupsPath` semantics as runc's cgroupfs drivers
 * (opencontainers/cgroups fs/paths.go, fs2/defaultpath.go; config-linux.md
 * "Cgroups path"):
 * - absolute: relative to each hierarchy's mountpoint;
 * - relative: relative to the caller's own cgroup in that hierarchy (on v2,
 *   to its parent, which has no processes, so controllers can be enabled);
 * - empty: the container id, as a relative path.
 * The path is cleaned first so "../" can never climb out of the hierarchy.
 */
import path from 'node:path';
import { CgroupError } from './errors.ts';
import { ownDir, type Detection } from './detect.ts';

/** runc utils.CleanPath: a relative path cannot escape with "..". */
export function cleanPath(p: string): string {
  if (p === '') return '';
  let c = path.posix.normalize(p);
  if (!path.posix.isAbsolute(c)) {
    c = path.posix.normalize('/' + c);
    c = path.posix.relative('/', c);
  }
  return c === '' ? '.' : c.replace(/\/+$/, '') || '/';
}

/** The inner path for a container: cleaned cgroupsPath, or its id. */
export function innerPath(id: string, cgroupsPath?: string): string {
  const inner = cleanPath(cgroupsPath ?? '') || cleanPath(id);
  if (inner === '' || inner === '.' || inner === '/') {
    throw new CgroupError('EPATH', `cgroups: cgroupsPath ${JSON.stringify(cgroupsPath ?? '')} (id ${JSON.stringify(id)}) names the root cgroup`);
  }
  return inner;
}

/** Mountpoint-joined directory of `inner` in one v1 hierarchy. */
export function v1Path(d: Detection, controller: string, inner: string): string | undefined {
  const m = d.v1[controller];
  if (!m) return undefined;
  if (path.posix.isAbsolute(inner)) return path.join(m.mountpoint, inner);
  // dind-like placement: nest under the caller's own cgroup (runc subsysPath).
  return path.join(ownDir(m, d.own[controller] ?? '/'), inner);
}

/**
 * Directory of `inner` in the cgroup2 hierarchy. On pure v2 a relative path
 * goes under the parent of the caller's cgroup (the caller's own cgroup has
 * processes, so by the "no internal processes" rule its children could get
 * no controllers; cgroup-v2.rst). In hybrid mode no controller is enabled
 * there, and it sits beside the v1 placement: under the caller's own cgroup.
 */
export function v2Path(d: Detection, inner: string): string | undefined {
  const m = d.unified;
  if (!m) return undefined;
  if (path.posix.isAbsolute(inner)) return path.join(m.mountpoint, inner);
  const own = d.own[''] ?? '/';
  return path.join(ownDir(m, d.mode === 'v2' ? path.posix.dirname(own) : own), inner);
}
