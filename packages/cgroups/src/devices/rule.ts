/**
 * Device cgroup rules (config-linux.md "Allowed Device list"): evaluated in
 * order, the last matching rule wins; no match means deny on v2 (a program
 * with no allow) and the cgroup's inherited behaviour on v1.
 */
import { CgroupError } from '../errors.ts';
import type { Int64, LinuxDeviceCgroup } from '../types.ts';
import { devNum } from '../convert.ts';

export type DeviceType = 'a' | 'b' | 'c';

export interface DeviceRule {
  allow: boolean;
  type: DeviceType;
  /** -1 matches any. */
  major: number;
  minor: number;
  /** Subset of "rwm", never empty. */
  access: string;
}

export function normalizeRule(d: LinuxDeviceCgroup, index = 0): DeviceRule {
  const type = (d.type ?? 'a') as DeviceType;
  if (type !== 'a' && type !== 'b' && type !== 'c') {
    throw new CgroupError('EINVALID', `cgroups: devices[${index}].type: ${JSON.stringify(d.type)} is not a, b or c`, { resource: 'devices', value: String(d.type) });
  }
  const access = d.access === undefined || d.access === '' ? 'rwm' : d.access;
  // Letters other than r, w, m are ignored as runc ignores them ("rwa" is "rw"); a rule with none of them is refused.
  if (!/^[a-z]+$/.test(access) || !/[rwm]/.test(access)) {
    throw new CgroupError('EINVALID', `cgroups: devices[${index}].access: ${JSON.stringify(d.access)} is not a subset of "rwm"`, { resource: 'devices', value: String(d.access) });
  }
  const num = (big: Int64 | null | undefined, what: string) => {
    if (big === undefined || big === null) return -1;
    const n = Number(big);
    if (n === -1) return -1;
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
      throw new CgroupError('EINVALID', `cgroups: devices[${index}].${what}: ${n} is not a device number`, { resource: 'devices', value: String(n) });
    }
    return n;
  };
  // Keep "rwm" order canonical and without duplicates.
  const canon = ['r', 'w', 'm'].filter((c) => access.includes(c)).join('');
  return { allow: !!d.allow, type, major: num(d.major, 'major'), minor: num(d.minor, 'minor'), access: canon };
}

/** A rule that matches every device with every access. */
export function isWildcard(r: DeviceRule): boolean {
  return r.type === 'a' && r.major === -1 && r.minor === -1 && r.access === 'rwm';
}

/** The devices.allow/devices.deny line: "c 1:3 rwm", "a" for everything. */
export function v1Line(r: DeviceRule): string {
  if (r.type === 'a') return 'a';
  return `${r.type} ${devNum(r.major)}:${devNum(r.minor)} ${r.access}`;
}
