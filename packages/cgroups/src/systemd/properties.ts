/**
 * OCI `linux.resources` → systemd unit properties
 * (systemd.resource-control(5)), as runc's systemd driver converts them
 * (libcontainer/cgroups/systemd common.go, v2.go, devices/systemd.go).
 * systemd writes these to the unit's cgroup itself; the cgroup v2 manager
 * then writes every file again, and the ones systemd has no property for.
 */
import { CgroupError } from '../errors.ts';
import { blkioWeightToIoWeight, isMinusOne, isSet, memorySwapToV2, sharesToWeight, toBig } from '../convert.ts';
import { emulate } from '../devices/v1.ts';
import { normalizeRule } from '../devices/rule.ts';
import type { Int64, LinuxDeviceCgroup, LinuxResources } from '../types.ts';
import type { Variant } from './dbus/marshal.ts';

/** One entry of StartTransientUnit's / SetUnitProperties' a(sv). */
export type Property = [name: string, value: Variant];

/** USEC_INFINITY / CGROUP_LIMIT_MAX: (uint64)-1. */
export const INFINITY = 2n ** 64n - 1n;
/** The kernel's default cpu.max period (sched-bwc.rst), as runc's defCPUQuotaPeriod. */
const DEFAULT_PERIOD = 100_000n;

const t = (name: string, v: bigint): Property => [name, ['t', v]];

/** A uint64 property value from an OCI limit: -1 → infinity. */
function u64(x: Int64, resource: string): bigint {
  if (isMinusOne(x)) return INFINITY;
  const v = toBig(x, resource);
  if (v < 0n) throw new CgroupError('EINVALID', `cgroups: ${resource}: ${x} is negative`, { resource, value: String(x) });
  return v;
}

/**
 * runc RangeToBits: a cpuset list ("0-3,8") → the byte array systemd's
 * AllowedCPUs= takes (bit n of the mask is bit n%8 of byte n/8).
 */
export function rangeToBits(list: string, resource = 'cpu.cpus'): Buffer {
  const bits: number[] = [];
  const bad = (why: string) => new CgroupError('EINVALID', `cgroups: ${resource}: ${JSON.stringify(list)}: ${why}`, { resource, value: list });
  for (const raw of list.split(',')) {
    const r = raw.trim();
    if (r === '') continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(r);
    if (!m) throw bad(`${JSON.stringify(r)} is not a number or a range`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (lo > hi) throw bad(`invalid range ${r}`);
    if (hi >= 1 << 16) throw bad(`${hi} is beyond the largest CPU or node number`);
    for (let i = lo; i <= hi; i++) bits.push(i);
  }
  if (!bits.length) throw bad('empty value');
  const out = Buffer.alloc((Math.max(...bits) >> 3) + 1);
  for (const b of bits) out[b >> 3] |= 1 << (b & 7);
  return out;
}

/**
 * runc addCpuQuota: CPUQuotaPeriodUSec (systemd >= 242) and
 * CPUQuotaPerSecUSec. systemd keeps the quota as a percentage of a CPU, so
 * a quota that is not a whole percent is rounded up to the next 10 ms per
 * second, and the exact cpu.max is then written by the v2 manager.
 */
export function quotaProperties(quota: bigint, period: bigint, version: number): Property[] {
  const out: Property[] = [];
  if (period !== 0n && version >= 242) out.push(t('CPUQuotaPeriodUSec', period));
  if (quota !== 0n || period !== 0n) {
    let perSec = INFINITY;
    if (quota > 0n) {
      perSec = (quota * 1_000_000n) / (period === 0n ? DEFAULT_PERIOD : period);
      if (perSec % 10_000n !== 0n) perSec = (perSec / 10_000n + 1n) * 10_000n;
    }
    out.push(t('CPUQuotaPerSecUSec', perSec));
  }
  return out;
}

/**
 * runc's device properties (devices/systemd.go): an empty DeviceAllow= first
 * (it clears the rules of an existing unit), DevicePolicy=strict, then one
 * DeviceAllow entry per allowed rule of the final rule set.
 * `warnings` gets the rules systemd cannot express (they are still enforced
 * by our own eBPF program, attached by the v2 manager).
 */
export function deviceProperties(devices: LinuxDeviceCgroup[] | undefined, warnings: string[]): Property[] {
  if (!devices) return [];
  const rules = devices.map((d, i) => normalizeRule(d, i));
  const state = emulate(rules, { allowAll: false, exceptions: new Map() });
  if (state.allowAll) {
    if (state.exceptions.size === 0) {
      // "allow everything" is systemd's DevicePolicy=auto with no list.
      return [['DevicePolicy', ['s', 'auto']], ['DeviceAllow', ['a(ss)', []]]];
    }
    warnings.push('systemd does not support deny-list device rules: the unit gets deny-all; the rules are enforced by the cgroup device program');
    return [['DeviceAllow', ['a(ss)', []]], ['DevicePolicy', ['s', 'strict']]];
  }
  const allow: Array<[string, string]> = [];
  for (const [key, access] of state.exceptions) {
    const [type, nums] = key.split(' ');
    const [major, minor] = nums.split(':');
    const group = type === 'b' ? 'block-' : 'char-';
    let p: string;
    if (major === '*') {
      if (minor !== '*') {
        warnings.push(`systemd does not support "${key}" device rules (any major, one minor); enforced by the cgroup device program only`);
        continue;
      }
      p = `${group}*`;
    } else if (minor === '*') {
      p = `${group}${major}`; // systemd >= 240
    } else {
      p = `/dev/${type === 'b' ? 'block' : 'char'}/${major}:${minor}`;
    }
    allow.push([p, access]);
  }
  return [['DeviceAllow', ['a(ss)', []]], ['DevicePolicy', ['s', 'strict']], ['DeviceAllow', ['a(ss)', allow]]];
}

/** runc unifiedResToSystemdProps: the unified keys systemd has a property for. */
export function unifiedProperties(unified: Record<string, string>, version: number): Property[] {
  const out: Property[] = [];
  for (const [k, raw] of Object.entries(unified)) {
    if (k.includes('/')) throw new CgroupError('EINVALID', `cgroups: unified resource ${JSON.stringify(k)} must be a file name (no slashes)`, { resource: `unified.${k}`, value: raw });
    const v = raw.trim();
    const resource = `unified.${k}`;
    const num = (s: string) => {
      if (!/^\d+$/.test(s)) throw new CgroupError('EINVALID', `cgroups: unified resource ${JSON.stringify(k)} value ${JSON.stringify(raw)} is not a number`, { resource, value: raw });
      return BigInt(s);
    };
    switch (k) {
      case 'cpu.max': {
        const f = v.split(/\s+/);
        if (f.length < 1 || f.length > 2 || f[0] === '') throw new CgroupError('EINVALID', `cgroups: unified resource "cpu.max" value invalid: ${JSON.stringify(raw)}`, { resource, value: raw });
        const quota = f[0] === 'max' ? 0n : num(f[0]);
        const period = f.length === 2 ? num(f[1]) : DEFAULT_PERIOD;
        out.push(...quotaProperties(quota, period, version));
        break;
      }
      case 'cpu.weight':
        out.push(t('CPUWeight', num(v)));
        break;
      case 'cpuset.cpus':
      case 'cpuset.mems':
        if (version >= 244) out.push([k === 'cpuset.cpus' ? 'AllowedCPUs' : 'AllowedMemoryNodes', ['ay', rangeToBits(v, resource)]]);
        break;
      case 'memory.high': case 'memory.low': case 'memory.min': case 'memory.max': case 'memory.swap.max': {
        const name = { 'memory.high': 'MemoryHigh', 'memory.low': 'MemoryLow', 'memory.min': 'MemoryMin', 'memory.max': 'MemoryMax', 'memory.swap.max': 'MemorySwapMax' }[k];
        out.push(t(name, v === 'max' ? INFINITY : num(v)));
        break;
      }
      case 'pids.max':
        out.push(t('TasksMax', v === 'max' ? INFINITY : num(v)));
        break;
      default:
        break; // no property: written to the cgroup file by the v2 manager
    }
  }
  return out;
}

/**
 * runc genV2ResourcesProperties, plus IOWeight from blockIO.weight (systemd
 * has it since v244; the file gets the same value from the v2 manager).
 */
export function resourceProperties(r: LinuxResources | undefined, version: number, warnings: string[] = []): Property[] {
  if (!r) return [];
  const out: Property[] = [...deviceProperties(r.devices, warnings)];
  const mem = r.memory;
  if (mem) {
    if (isSet(mem.limit)) out.push(t('MemoryMax', u64(mem.limit, 'memory.limit')));
    if (isSet(mem.reservation)) out.push(t('MemoryLow', u64(mem.reservation, 'memory.reservation')));
    const swap = memorySwapToV2(mem.swap, mem.limit);
    if (swap !== undefined && swap !== '0') out.push(t('MemorySwapMax', swap === 'max' ? INFINITY : BigInt(swap)));
  }
  const cpu = r.cpu;
  if (cpu) {
    if (isSet(cpu.shares)) out.push(t('CPUWeight', BigInt(sharesToWeight(cpu.shares))));
    const quota = cpu.quota === undefined ? 0n : toBig(cpu.quota, 'cpu.quota');
    const period = cpu.period === undefined ? 0n : toBig(cpu.period, 'cpu.period');
    out.push(...quotaProperties(quota, period, version));
    if (version >= 244) {
      if (cpu.cpus) out.push(['AllowedCPUs', ['ay', rangeToBits(cpu.cpus, 'cpu.cpus')]]);
      if (cpu.mems) out.push(['AllowedMemoryNodes', ['ay', rangeToBits(cpu.mems, 'cpu.mems')]]);
    }
  }
  const pids = r.pids?.limit;
  if (pids !== undefined && (Number(pids) > 0 || isMinusOne(pids))) out.push(t('TasksMax', u64(pids, 'pids.limit')));
  const w = r.blockIO?.weight;
  if (w && version >= 244) out.push(t('IOWeight', BigInt(blkioWeightToIoWeight(w))));
  if (r.unified) out.push(...unifiedProperties(r.unified, version));
  return out;
}

export interface UnitOptions {
  unit: string;
  slice: string;
  /** The container's init; <= 0 creates the unit empty (a slice). */
  pid: number;
  name: string;
  /** `org.systemd.property.*` annotations, already parsed. */
  extra?: Property[];
}

/** The unit's own properties for StartTransientUnit (runc v2.go Apply). */
export function unitProperties(o: UnitOptions): Property[] {
  const isSlice = o.unit.endsWith('.slice');
  const out: Property[] = [['Description', ['s', `libcontainer container ${o.name}`]]];
  if (isSlice) out.push(['Wants', ['as', [o.slice]]]);
  else out.push(['Slice', ['s', o.slice]]);
  // A slice holds no processes of its own in systemd's model: the pid is
  // written to its cgroup afterwards.
  if (o.pid > 0 && !isSlice) out.push(['PIDs', ['au', [o.pid]]]);
  // Delegate=yes: the cgroup below the scope is ours (systemd.resource-control(5)).
  if (!isSlice) out.push(['Delegate', ['b', true]]);
  for (const a of ['MemoryAccounting', 'CPUAccounting', 'IOAccounting', 'TasksAccounting']) out.push([a, ['b', true]]);
  out.push(['DefaultDependencies', ['b', false]]);
  out.push(...(o.extra ?? []));
  return out;
}

/**
 * runc specconv: annotations "org.systemd.property.NAME" = a GVariant text
 * value become unit properties. The forms accepted: `true`/`false`, a quoted
 * string ('x' or "x"), a bare integer (int32, as GVariant reads it), and a
 * typed number (`uint64 123`, `int64`, `uint32`, `int32`, `uint16`, `int16`,
 * `byte`, `double`). Time properties must be given as ...USec (runc's rule).
 */
export function annotationProperties(annotations: Record<string, string> | undefined): Property[] {
  const out: Property[] = [];
  const prefix = 'org.systemd.property.';
  for (const [k, raw] of Object.entries(annotations ?? {})) {
    if (!k.startsWith(prefix)) continue;
    const name = k.slice(prefix.length);
    const bad = (why: string) => new CgroupError('EINVALID', `annotation ${k}: ${why}`, { resource: k, value: raw });
    if (!/^[A-Z][A-Za-z0-9]*$/.test(name)) throw bad('not a systemd property name');
    if (name.endsWith('Sec') && !name.endsWith('USec')) throw bad('time-related properties must have the USec suffix');
    const v = raw.trim();
    let val: Variant;
    const typed = /^(uint64|int64|uint32|int32|uint16|int16|byte|double)\s+(-?[0-9.eE+]+)$/.exec(v);
    if (v === 'true' || v === 'false') val = ['b', v === 'true'];
    else if (/^'[^']*'$/.test(v) || /^"[^"]*"$/.test(v)) val = ['s', v.slice(1, -1)];
    else if (/^-?\d+$/.test(v)) val = ['i', Number(v)];
    else if (typed) {
      const code = { uint64: 't', int64: 'x', uint32: 'u', int32: 'i', uint16: 'q', int16: 'n', byte: 'y', double: 'd' }[typed[1]]!;
      if (code === 'd') val = ['d', Number(typed[2])];
      else if (!/^-?\d+$/.test(typed[2])) throw bad(`${typed[2]} is not an integer`);
      else val = [code, code === 't' || code === 'x' ? BigInt(typed[2]) : Number(typed[2])];
    } else throw bad(`cannot parse ${JSON.stringify(raw)} as a GVariant value (e.g. "uint64 123", "'text'", "true")`);
    out.push([name, val]);
  }
  return out;
}
