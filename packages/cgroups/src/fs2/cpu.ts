/**
 * v2 cpu files (cgroup-v2.rst "CPU"): cpu.weight from OCI shares, cpu.max
 * "$QUOTA $PERIOD", cpu.max.burst, cpu.idle. Realtime has no v2 interface.
 */
import type { V2Group } from './group.ts';
import { readOptional, writeFile } from '../file.ts';
import { CgroupError } from '../errors.ts';
import { isSet, sharesToWeight } from '../convert.ts';
import type { Int64 } from '../types.ts';
import { parseKeyValues, parsePSI } from '../stats.ts';

/**
 * The cpu.max text for an OCI quota/period, or undefined to leave it (runc
 * fs2/cpu.go). cpu.max holds both, so a period alone keeps the quota in
 * `current` (v1 has a file for each, and `update --cpu-period` must not
 * lift the quota on v2 only); a quota alone is written alone, and the
 * kernel keeps the period (cgroup-v2.rst "cpu.max").
 */
export function cpuMax(quota: Int64 | undefined, period: Int64 | undefined, current?: string): string | undefined {
  if (!isSet(quota) && !isSet(period)) return undefined;
  let s = isSet(quota) ? (quota > 0 ? String(quota) : 'max') : current?.split(/\s+/)[0] || 'max';
  if (isSet(period)) s += ` ${period}`;
  return s;
}

export const cpu: V2Group = {
  name: 'cpu',
  controller: 'cpu',
  wants: (r) => r.cpu !== undefined && [r.cpu.shares, r.cpu.quota, r.cpu.period, r.cpu.burst, r.cpu.idle, r.cpu.realtimePeriod, r.cpu.realtimeRuntime].some((v) => v !== undefined && v !== null),
  set(dir, r, j, warn) {
    const c = r.cpu;
    if (!c) return;
    if (c.realtimePeriod || c.realtimeRuntime) {
      throw new CgroupError('ENOTSUPPORTED', 'cgroups: cpu.realtimeRuntime/realtimePeriod: realtime scheduling has no cgroup v2 interface', { resource: 'cpu.realtimeRuntime', value: String(c.realtimeRuntime ?? c.realtimePeriod) });
    }
    if (c.shares && (c.shares < 2 || c.shares > 262144)) throw new CgroupError('EINVALID', `cgroups: cpu.shares: ${c.shares} is not in 2..262144`, { resource: 'cpu.shares', value: String(c.shares) });
    if (c.idle !== undefined && c.idle !== null) {
      // The kernel resets the weight when cpu.idle changes (idle: the
      // minimum, SCHED_IDLE's; back to 0: the default 100; sched_group_set_idle
      // in kernel/sched/fair.c), so undoing idle must restore the weight too.
      const oldIdle = readOptional(dir, 'cpu.idle');
      const oldWeight = readOptional(dir, 'cpu.weight');
      j.write(dir, 'cpu.idle', String(c.idle), 'cpu.idle', { undo: false });
      if (oldIdle !== undefined && oldIdle !== String(c.idle)) {
        j.onRollback(() => {
          writeFile(dir, 'cpu.idle', oldIdle, 'cpu.idle');
          if (oldIdle === '0' && oldWeight !== undefined) writeFile(dir, 'cpu.weight', oldWeight, 'cpu.shares');
        });
      }
    }
    if (c.shares) {
      const idle = c.idle ?? Number(readOptional(dir, 'cpu.idle') ?? '0');
      // An idle group has no weight of its own: writing cpu.weight is EINVAL
      // (sched_group_set_shares), so shares are skipped with a warning.
      if (Number(idle) !== 0) warn(`cgroups: cpu.shares ${c.shares} is ignored: the cgroup is idle (cpu.idle 1) and has the minimum weight`);
      else j.write(dir, 'cpu.weight', String(sharesToWeight(c.shares)), 'cpu.shares');
    }
    let burstPending = false;
    if (c.burst !== undefined && c.burst !== null) {
      try {
        j.write(dir, 'cpu.max.burst', String(c.burst), 'cpu.burst');
      } catch (err) {
        // A burst above the old quota is EINVAL until the new quota is in.
        if ((err as CgroupError).errno !== 22 || !c.quota) throw err;
        burstPending = true;
      }
    }
    const max = cpuMax(c.quota, c.period, readOptional(dir, 'cpu.max'));
    if (max !== undefined) j.write(dir, 'cpu.max', max, 'cpu.quota');
    if (burstPending) j.write(dir, 'cpu.max.burst', String(c.burst), 'cpu.burst');
  },
  stats(dir, s) {
    const st = parseKeyValues(readOptional(dir, 'cpu.stat') ?? '');
    s.cpu.usage.total = (st.usage_usec ?? 0) * 1000;
    s.cpu.usage.user = (st.user_usec ?? 0) * 1000;
    s.cpu.usage.kernel = (st.system_usec ?? 0) * 1000;
    s.cpu.throttling = { periods: st.nr_periods ?? 0, throttledPeriods: st.nr_throttled ?? 0, throttledTime: (st.throttled_usec ?? 0) * 1000 };
    const psi = parsePSI(readOptional(dir, 'cpu.pressure'));
    if (psi) s.cpu.psi = psi;
  },
};
