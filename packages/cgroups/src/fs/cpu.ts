/**
 * v1 cpu controller (Documentation/scheduler/sched-bwc.rst for CFS quota,
 * sched-rt-group.rst for realtime). Write order as runc fs/cpu.go: a period
 * smaller than the current one can be rejected (EINVAL) while the old quota
 * is in place, so it is retried after the quota.
 */
import type { V1Controller } from './controller.ts';
import { readFile, readOptional } from '../file.ts';
import { CgroupError } from '../errors.ts';
import { parseKeyValues } from '../stats.ts';

export const cpu: V1Controller = {
  name: 'cpu',
  wants: (r) => r.cpu !== undefined && [r.cpu.shares, r.cpu.quota, r.cpu.period, r.cpu.burst, r.cpu.realtimePeriod, r.cpu.realtimeRuntime, r.cpu.idle].some((v) => v !== undefined && v !== null),
  set(dir, r, j) {
    const c = r.cpu;
    if (!c) return;
    if (c.shares) {
      j.write(dir, 'cpu.shares', String(c.shares), 'cpu.shares');
      // The kernel clamps shares to [2, 262144] silently; say so (runc does).
      const got = Number(readFile(dir, 'cpu.shares'));
      if (got !== Number(c.shares)) {
        throw new CgroupError('EINVALID', `cgroups: cpu.shares: ${c.shares} is out of range, the kernel set ${got} (allowed 2..262144)`, { resource: 'cpu.shares', file: `${dir}/cpu.shares`, value: String(c.shares) });
      }
    }
    let periodPending = false;
    if (c.period) {
      try {
        j.write(dir, 'cpu.cfs_period_us', String(c.period), 'cpu.period');
      } catch (err) {
        if ((err as CgroupError).errno !== 22 || !c.quota) throw err;
        periodPending = true;
      }
    }
    let burstPending = false;
    if (c.burst !== undefined && c.burst !== null) {
      try {
        j.write(dir, 'cpu.cfs_burst_us', String(c.burst), 'cpu.burst');
      } catch (err) {
        if ((err as CgroupError).errno !== 22 || !c.quota) throw err;
        burstPending = true;
      }
    }
    if (c.quota) {
      j.write(dir, 'cpu.cfs_quota_us', String(c.quota), 'cpu.quota');
      if (periodPending) j.write(dir, 'cpu.cfs_period_us', String(c.period), 'cpu.period');
      if (burstPending) j.write(dir, 'cpu.cfs_burst_us', String(c.burst), 'cpu.burst');
    }
    if (c.idle !== undefined && c.idle !== null) j.write(dir, 'cpu.idle', String(c.idle), 'cpu.idle');
    if (c.realtimePeriod) j.write(dir, 'cpu.rt_period_us', String(c.realtimePeriod), 'cpu.realtimePeriod');
    if (c.realtimeRuntime) j.write(dir, 'cpu.rt_runtime_us', String(c.realtimeRuntime), 'cpu.realtimeRuntime');
  },
  stats(dir, s) {
    const st = parseKeyValues(readOptional(dir, 'cpu.stat') ?? '');
    s.cpu.throttling = { periods: st.nr_periods ?? 0, throttledPeriods: st.nr_throttled ?? 0, throttledTime: st.throttled_time ?? 0 };
  },
};
