/**
 * v2 memory files (cgroup-v2.rst "Memory"): memory.max, memory.low,
 * memory.swap.max (swap alone, converted from OCI memory+swap), memory.stat
 * and memory.events. Swap is written first, as runc fs2/memory.go does.
 */
import type { V2Group } from './group.ts';
import { exists, readFile, readOptional } from '../file.ts';
import { CgroupError } from '../errors.ts';
import { isMinusOne, isSet, limitToV2, memorySwapToV2 } from '../convert.ts';
import { parseKeyValues, parsePSI, parseUint } from '../stats.ts';

export const memory: V2Group = {
  name: 'memory',
  controller: 'memory',
  wants: (r) => r.memory !== undefined,
  set(dir, r, j) {
    const m = r.memory;
    if (!m) return;
    if (m.checkBeforeUpdate && m.limit !== undefined && m.limit > 0) {
      const usage = parseUint(readFile(dir, 'memory.current'));
      if (m.limit < usage) {
        throw new CgroupError('ECHECKBEFOREUPDATE', `cgroups: memory.limit: ${m.limit} is below the current usage ${usage} (memory.checkBeforeUpdate)`, { resource: 'memory.limit', file: `${dir}/memory.max`, value: String(m.limit) });
      }
    }
    // A swap limit alone (`update --memory-swap`) converts against the
    // memory limit in force, as v1's memsw needs no conversion at all.
    let limit = m.limit;
    if (!isSet(limit) && isSet(m.swap) && !isMinusOne(m.swap)) {
      const cur = readOptional(dir, 'memory.max');
      if (cur !== undefined && /^\d+$/.test(cur)) limit = BigInt(cur);
    }
    const swap = memorySwapToV2(m.swap, limit);
    if (swap !== undefined) {
      if (!exists(dir, 'memory.swap.max')) {
        if (swap !== '0' && swap !== 'max') throw new CgroupError('ENOTSUPPORTED', 'cgroups: memory.swap: this kernel has no swap accounting (memory.swap.max)', { resource: 'memory.swap', value: swap });
      } else j.write(dir, 'memory.swap.max', swap, 'memory.swap');
    }
    if (isSet(m.limit)) j.write(dir, 'memory.max', limitToV2(m.limit), 'memory.limit');
    if (isSet(m.reservation)) j.write(dir, 'memory.low', limitToV2(m.reservation), 'memory.reservation');
    // kernel, kernelTCP, swappiness, disableOOMKiller and useHierarchy have no
    // v2 file (the v2 hierarchy is always hierarchical); runc ignores them too.
  },
  stats(dir, s) {
    const raw = parseKeyValues(readOptional(dir, 'memory.stat') ?? '');
    s.memory.raw = raw;
    s.memory.cache = raw.file ?? 0;
    const usage = parseUint(readOptional(dir, 'memory.current') ?? '0');
    const events = parseKeyValues(readOptional(dir, 'memory.events') ?? '');
    s.memory.usage = { usage, max: parseUint(readOptional(dir, 'memory.peak') ?? '0'), limit: parseUint(readOptional(dir, 'memory.max') ?? 'max'), failcnt: events.max ?? 0 };
    const swapCur = readOptional(dir, 'memory.swap.current');
    if (swapCur !== undefined) {
      // runc reports swap as memory+swap, as v1's memsw did: usage and, when
      // both are limited, the limit (opencontainers/cgroups fs2 statMemory).
      // memory.swap.events "fail" counts failed swap allocations.
      const swapMax = parseUint(readOptional(dir, 'memory.swap.max') ?? 'max');
      const memMax = s.memory.usage.limit;
      const limit = swapMax === Number.MAX_SAFE_INTEGER || memMax === Number.MAX_SAFE_INTEGER ? Number.MAX_SAFE_INTEGER : swapMax + memMax;
      const swapEvents = parseKeyValues(readOptional(dir, 'memory.swap.events') ?? '');
      s.memory.swap = { usage: parseUint(swapCur) + usage, max: parseUint(readOptional(dir, 'memory.swap.peak') ?? '0'), limit, failcnt: swapEvents.fail ?? 0 };
    }
    s.oomKills = events.oom_kill ?? 0;
    if (Object.keys(events).length) s.memory.event_count = { reclaim_low: events.low ?? 0, reclaim_high: events.high ?? 0, max: events.max ?? 0, oom: events.oom ?? 0, oom_kill: events.oom_kill ?? 0 };
    const psi = parsePSI(readOptional(dir, 'memory.pressure'));
    if (psi) s.memory.psi = psi;
  },
};
