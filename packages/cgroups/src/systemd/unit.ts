/**
 * `linux.cgroupsPath` for the systemd driver (config-linux.md "Cgroups
 * path": "slice:prefix:name", as runc's specconv parses it) and systemd's
 * slice naming (systemd.slice(5): "foo-bar.slice" is a slice inside
 * "foo.slice"; runc's ExpandSlice).
 */
import path from 'node:path';
import { CgroupError } from '../errors.ts';

export const EXPECTED_FORM = '"slice:prefix:name"';
/** runc's default parent slice for a system (not rootless) container. */
export const DEFAULT_SLICE = 'system.slice';
/** The prefix when cgroupsPath is empty (runc uses "runc", crun "crun", runsc "runsc"). */
export const DEFAULT_PREFIX = 'oci-ts';

export interface SystemdPlacement {
  /** The parent slice (Slice= of a scope, Wants= of a slice). */
  slice: string;
  /** The unit to create: "<prefix>-<name>.scope", or "<name>" when it ends in ".slice". */
  unit: string;
  /** The unit's cgroup relative to the cgroup2 mountpoint ("/system.slice/docker-1.scope"). */
  cgroup: string;
}

// systemd's unit name alphabet (systemd.unit(5) "Description"): ASCII letters,
// digits, ":", "-", "_", ".", "\"; "@" only in templates, which transient
// scopes are not. ":" separates the fields here, so it cannot occur either.
const UNIT_CHARS = /^[A-Za-z0-9_.\\-]+$/;
const MAX_UNIT = 255;

/** runc ExpandSlice: "a-b-c.slice" → "/a.slice/a-b.slice/a-b-c.slice", "-.slice" → "/". */
export function expandSlice(slice: string): string {
  const suffix = '.slice';
  const bad = () => new CgroupError('EPATH', `cgroups: invalid slice name: ${slice}`, { value: slice });
  if (slice.length < suffix.length || !slice.endsWith(suffix) || slice.includes('/')) throw bad();
  const base = slice.slice(0, -suffix.length);
  if (base === '-') return '/';
  let out = '';
  let prefix = '';
  for (const part of base.split('-')) {
    if (part === '') throw bad();
    out += `/${prefix}${part}${suffix}`;
    prefix += `${part}-`;
  }
  return out;
}

/**
 * Parses cgroupsPath for --systemd-cgroup. Empty: `system.slice`, prefix
 * "oci-ts", the container id as the name. Otherwise exactly three
 * colon-separated fields; an empty slice means system.slice.
 */
export function parseSystemdPath(id: string, cgroupsPath?: string): SystemdPlacement {
  let slice = DEFAULT_SLICE;
  let prefix = DEFAULT_PREFIX;
  let name = id;
  if (cgroupsPath) {
    const parts = cgroupsPath.split(':');
    if (parts.length !== 3) {
      throw new CgroupError('EPATH', `cgroups: expected cgroupsPath to be of format ${EXPECTED_FORM} for systemd cgroups, got ${JSON.stringify(cgroupsPath)} instead`, { resource: 'cgroupsPath', value: cgroupsPath });
    }
    [slice, prefix, name] = parts;
    if (slice === '') slice = DEFAULT_SLICE;
    if (name === '') {
      throw new CgroupError('EPATH', `cgroups: cgroupsPath ${JSON.stringify(cgroupsPath)}: the name (third field of ${EXPECTED_FORM}) is empty`, { resource: 'cgroupsPath', value: cgroupsPath });
    }
  }
  for (const [what, v] of [['slice', slice], ['prefix', prefix], ['name', name]] as const) {
    if (v !== '' && !UNIT_CHARS.test(v)) {
      throw new CgroupError('EPATH', `cgroups: cgroupsPath ${JSON.stringify(cgroupsPath ?? '')}: the ${what} ${JSON.stringify(v)} has a character systemd does not allow in a unit name (expected ${EXPECTED_FORM}, each of letters, digits, "_", ".", "-", "\\")`, { resource: 'cgroupsPath', value: cgroupsPath ?? '' });
    }
  }
  const parent = expandSlice(slice);
  // runc getUnitName: a scope unless the name itself is a slice.
  const isSlice = name.endsWith('.slice');
  const unit = isSlice ? name : `${prefix}-${name}.scope`;
  if (unit.length > MAX_UNIT) {
    throw new CgroupError('EPATH', `cgroups: unit name ${unit.slice(0, 40)}... is longer than systemd's ${MAX_UNIT} characters`, { resource: 'cgroupsPath', value: cgroupsPath ?? '' });
  }
  // A slice's place in the tree follows from its own name (systemd.slice(5)),
  // whatever its Wants= says; a scope sits in its Slice=.
  const cgroup = isSlice ? expandSlice(name) : path.posix.join(parent, unit);
  return { slice, unit, cgroup };
}

export function isSliceUnit(unit: string): boolean {
  return unit.endsWith('.slice');
}
