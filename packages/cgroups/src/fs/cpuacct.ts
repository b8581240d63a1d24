/** v1 cpuacct controller: usage only (cgroup-v1/cpuacct.rst). */
import type { V1Controller } from './controller.ts';
import { readOptional } from '../file.ts';
import { parseKeyValues } from '../stats.ts';

/** cpuacct.stat counts USER_HZ ticks (100 per second on Linux, proc(5)); runc reports ns. */
const NS_PER_TICK = 1e9 / 100;

const nums = (t: string | undefined) => (t ?? '').split(/\s+/).filter(Boolean).map(Number);

export const cpuacct: V1Controller = {
  name: 'cpuacct',
  wants: () => false,
  set() {},
  stats(dir, s) {
    s.cpu.usage.total = Number(readOptional(dir, 'cpuacct.usage') ?? 0);
    const percpu = nums(readOptional(dir, 'cpuacct.usage_percpu'));
    if (percpu.length) s.cpu.usage.percpu = percpu;
    const user = nums(readOptional(dir, 'cpuacct.usage_percpu_user'));
    const sys = nums(readOptional(dir, 'cpuacct.usage_percpu_sys'));
    if (user.length) s.cpu.usage.percpu_user = user;
    if (sys.length) s.cpu.usage.percpu_kernel = sys;
    const st = parseKeyValues(readOptional(dir, 'cpuacct.stat') ?? '');
    s.cpu.usage.user = (st.user ?? 0) * NS_PER_TICK;
    s.cpu.usage.kernel = (st.system ?? 0) * NS_PER_TICK;
  },
};
