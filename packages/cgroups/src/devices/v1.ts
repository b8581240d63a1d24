/**
 * The v1 devices controller's state machine (cgroup-v1/devices.rst,
 * security/device_cgroup.c), so rules can be applied as the smallest set of
 * writes from the current state, without the "deny everything" window a
 * naive rewrite opens on a running container (runc's devices emulator does
 * the same job).
 *
 * Kernel model: a default behaviour (allow or deny) plus exceptions keyed
 * by "type major:minor" with access bits. Writing "a" to devices.allow or
 * devices.deny sets the behaviour and clears the exceptions. Writing a rule
 * that goes against the behaviour adds it as an exception (bits merged);
 * one that goes with it removes those bits from the exception with the very
 * same key. devices.list shows the exceptions when the behaviour is deny and
 * only "a *:* rwm" when it is allow.
 */
import { devNum } from '../convert.ts';
import type { DeviceRule } from './rule.ts';

export interface V1DeviceState {
  allowAll: boolean;
  /** "c 1:3" → "rw" (canonical r, w, m order). */
  exceptions: Map<string, string>;
}

const canon = (bits: Iterable<string>) => ['r', 'w', 'm'].filter((c) => [...bits].includes(c)).join('');

/**
 * v1 has no "a" type with partial access or numbers: the kernel reads any
 * line starting with "a" as all devices, all access. Such a rule is the same
 * rule for "c" and for "b".
 */
export function expandV1(rules: DeviceRule[]): DeviceRule[] {
  const out: DeviceRule[] = [];
  for (const r of rules) {
    if (r.type === 'a' && !(r.major === -1 && r.minor === -1 && r.access === 'rwm')) {
      out.push({ ...r, type: 'c' }, { ...r, type: 'b' });
    } else out.push(r);
  }
  return out;
}

const keyOf = (r: DeviceRule) => `${r.type} ${devNum(r.major)}:${devNum(r.minor)}`;

/** The state the kernel ends in after these rules are written in order to a fresh (allow-all) cgroup. */
export function emulate(rules: DeviceRule[], from: V1DeviceState = { allowAll: true, exceptions: new Map() }): V1DeviceState {
  const s: V1DeviceState = { allowAll: from.allowAll, exceptions: new Map(from.exceptions) };
  for (const r of expandV1(rules)) {
    if (r.type === 'a') {
      s.allowAll = r.allow;
      s.exceptions.clear();
      continue;
    }
    const k = keyOf(r);
    const cur = s.exceptions.get(k) ?? '';
    if (r.allow !== s.allowAll) {
      s.exceptions.set(k, canon(cur + r.access));
    } else {
      const left = canon([...cur].filter((c) => !r.access.includes(c)));
      if (left) s.exceptions.set(k, left);
      else s.exceptions.delete(k);
    }
  }
  return s;
}

/** Parses devices.list; undefined when the behaviour is allow (its exceptions are not shown). */
export function parseDevicesList(text: string): V1DeviceState | undefined {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines.includes('a *:* rwm')) return undefined;
  const exceptions = new Map<string, string>();
  for (const l of lines) {
    const [type, nums, access] = l.split(/\s+/);
    if (type && nums && access) exceptions.set(`${type} ${nums}`, canon(access));
  }
  return { allowAll: false, exceptions };
}

export interface V1Write {
  file: 'devices.allow' | 'devices.deny';
  line: string;
}

/**
 * The writes that take a cgroup from `current` to `target`. From a known
 * deny state to a deny state: grants first, then revocations, never a
 * wildcard, so a running container never loses a device it keeps. Otherwise
 * a reset ("a") followed by the exceptions.
 */
export function transition(current: V1DeviceState | undefined, target: V1DeviceState): V1Write[] {
  const out: V1Write[] = [];
  if (current && !current.allowAll && !target.allowAll) {
    for (const [k, want] of target.exceptions) {
      const have = current.exceptions.get(k) ?? '';
      const add = canon([...want].filter((c) => !have.includes(c)));
      if (add) out.push({ file: 'devices.allow', line: `${k} ${add}` });
    }
    for (const [k, have] of current.exceptions) {
      const want = target.exceptions.get(k) ?? '';
      const drop = canon([...have].filter((c) => !want.includes(c)));
      if (drop) out.push({ file: 'devices.deny', line: `${k} ${drop}` });
    }
    return out;
  }
  out.push({ file: target.allowAll ? 'devices.allow' : 'devices.deny', line: 'a' });
  for (const [k, bits] of target.exceptions) out.push({ file: target.allowAll ? 'devices.deny' : 'devices.allow', line: `${k} ${bits}` });
  return out;
}
