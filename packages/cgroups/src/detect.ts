/**
 * Which cgroup hierarchies this host has (proc(5) /proc/self/mountinfo and
 * statfs(2) f_type), and the caller's own cgroups (/proc/self/cgroup).
 *
 * - v2: /sys/fs/cgroup is itself cgroup2 (CGROUP2_SUPER_MAGIC).
 * - hybrid: v1 controller hierarchies plus a cgroup2 mount (systemd puts it
 *   at /sys/fs/cgroup/unified); processes belong to both.
 * - v1: controller hierarchies only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CgroupError } from './errors.ts';

export const CGROUP2_SUPER_MAGIC = 0x63677270;
export const CGROUP_SUPER_MAGIC = 0x27e0eb;

export type CgroupMode = 'v1' | 'v2' | 'hybrid';

export interface Mountpoint {
  /** Where the hierarchy is mounted. */
  mountpoint: string;
  /** The cgroup path of the mount's root (not "/" inside a cgroupns or for a bind mount). */
  root: string;
}

export interface Detection {
  mode: CgroupMode;
  /** v1 hierarchies by controller ("cpu", "memory", "name=systemd", ...). */
  v1: Record<string, Mountpoint>;
  /** The cgroup2 mount (v2 and hybrid), if any. */
  unified?: Mountpoint;
  /** Controllers available in the cgroup2 root (its cgroup.controllers). */
  unifiedControllers: string[];
  /** The caller's cgroup per v1 controller, and "" for cgroup2 (/proc/self/cgroup). */
  own: Record<string, string>;
}

export interface DetectOptions {
  /** Text of /proc/self/mountinfo (tests). */
  mountinfo?: string;
  /** Text of /proc/self/cgroup (tests). */
  procCgroup?: string;
  /** The f_type of /sys/fs/cgroup (tests); read with statfs(2) otherwise. */
  rootFsType?: number;
  /** Where hierarchies live, /sys/fs/cgroup by default. */
  root?: string;
}

/** Undoes mountinfo's octal escapes (\040 for space, proc(5)). */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function parseMountinfo(text: string): { v1: Record<string, Mountpoint>; unified?: Mountpoint } {
  const v1: Record<string, Mountpoint> = {};
  let unified: Mountpoint | undefined;
  for (const line of text.split('\n')) {
    if (!line) continue;
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    const root = unescape(left[3] ?? '/');
    const mountpoint = unescape(left[4] ?? '');
    const fstype = right[0];
    const superOpts = (right[2] ?? '').split(',');
    if (fstype === 'cgroup2') {
      // Prefer /sys/fs/cgroup/unified or /sys/fs/cgroup over other mounts of it.
      if (!unified || mountpoint.startsWith('/sys/fs/cgroup')) unified = { mountpoint, root };
    } else if (fstype === 'cgroup') {
      for (const opt of superOpts) {
        if (opt === 'rw' || opt === 'ro' || opt.startsWith('release_agent=') || opt === 'clone_children' || opt === 'noprefix' || opt === 'xattr' || opt === 'cpuset_v2_mode') continue;
        if (!v1[opt]) v1[opt] = { mountpoint, root };
      }
    }
  }
  return unified ? { v1, unified } : { v1 };
}

/** Parses /proc/<pid>/cgroup: "id:controllers:path" lines. */
export function parseProcCgroup(text: string): Record<string, string> {
  const own: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (!line) continue;
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const controllers = line.slice(first + 1, second);
    const p = line.slice(second + 1);
    if (controllers === '') own[''] = p;
    else for (const c of controllers.split(',')) own[c] = p;
  }
  return own;
}

let cached: Detection | undefined;

/** Detects the host's cgroup layout (cached after the first call without options). */
export function detect(opts: DetectOptions = {}): Detection {
  const useCache = opts.mountinfo === undefined && opts.procCgroup === undefined && opts.rootFsType === undefined && opts.root === undefined;
  if (useCache && cached) return cached;
  const root = opts.root ?? '/sys/fs/cgroup';
  const { v1, unified } = parseMountinfo(opts.mountinfo ?? fs.readFileSync('/proc/self/mountinfo', 'utf8'));
  const own = parseProcCgroup(opts.procCgroup ?? fs.readFileSync('/proc/self/cgroup', 'utf8'));
  let fsType = opts.rootFsType;
  if (fsType === undefined) {
    try {
      fsType = Number(fs.statfsSync(root).type);
    } catch {
      fsType = 0;
    }
  }
  let mode: CgroupMode;
  if (fsType === CGROUP2_SUPER_MAGIC) mode = 'v2';
  else if (unified && Object.keys(v1).some((k) => !k.startsWith('name='))) mode = 'hybrid';
  else if (Object.keys(v1).length) mode = 'v1';
  else if (unified) mode = 'v2';
  else throw new CgroupError('ENOMOUNT', 'cgroups: no cgroup hierarchy is mounted');
  let unifiedControllers: string[] = [];
  if (unified) {
    try {
      unifiedControllers = fs.readFileSync(path.join(unified.mountpoint, 'cgroup.controllers'), 'utf8').trim().split(/\s+/).filter(Boolean);
    } catch {
      unifiedControllers = [];
    }
  }
  const d: Detection = unified ? { mode, v1, unified, unifiedControllers, own } : { mode, v1, unifiedControllers, own };
  if (useCache) cached = d;
  return d;
}

/**
 * The caller's own cgroup directory in a hierarchy: /proc/self/cgroup's path
 * made relative to the mount's root (runc getCgroupPathHelper), so it is right
 * inside a cgroup namespace or under a bind-mounted hierarchy.
 */
export function ownDir(m: Mountpoint, cgroupPath: string): string {
  let rel = cgroupPath;
  if (m.root !== '/' && (rel === m.root || rel.startsWith(m.root + '/'))) rel = rel.slice(m.root.length);
  return path.join(m.mountpoint, rel);
}
