/**
 * v1 memory controller (Documentation/admin-guide/cgroup-v1/memory.rst).
 * memory.memsw.limit_in_bytes must stay >= memory.limit_in_bytes, so the
 * order of the two writes depends on the direction of the change (runc
 * fs/memory.go setMemoryAndSwap).
 */
import type { V1Controller } from './controller.ts';
import type { LinuxResources } from '../types.ts';
import type { Journal } from '../file.ts';
import { exists, readFile, readOptional } from '../file.ts';
import { CgroupError } from '../errors.ts';
import { parseKeyValues, parseUint, type MemoryEntry, type Stats } from '../stats.ts';
import { isMinusOne, isSet } from '../convert.ts';
import type { Int64 } from '../types.ts';

const LIMIT = 'memory.limit_in_bytes';
const SWAP = 'memory.memsw.limit_in_bytes';

function setMemoryAndSwap(dir: string, limit: Int64 | undefined, swap: Int64 | undefined, j: Journal): void {
  // An unlimited memory with swap unset means unlimited swap too (runc).
  if (isMinusOne(limit) && !isSet(swap)) swap = exists(dir, SWAP) ? -1 : undefined;
  const writeLimit = () => {
    if (isSet(limit)) j.write(dir, LIMIT, String(limit), 'memory.limit');
  };
  const writeSwap = () => {
    if (isSet(swap)) {
      if (!exists(dir, SWAP)) {
        throw new CgroupError('ENOTSUPPORTED', 'cgroups: memory.swap: this kernel has no swap accounting (memory.memsw.limit_in_bytes)', { resource: 'memory.swap', value: String(swap) });
      }
      j.write(dir, SWAP, String(swap), 'memory.swap');
    }
  };
  if (isSet(limit) && isSet(swap)) {
    const cur = parseUint(readFile(dir, LIMIT));
    // Raising: swap (memory+swap) first so limit <= memsw holds throughout.
    if (isMinusOne(swap) || cur < swap) {
      writeSwap();
      writeLimit();
      return;
    }
  }
  writeLimit();
  writeSwap();
}

export const memory: V1Controller = {
  name: 'memory',
  wants: (r: LinuxResources) => r.memory !== undefined,
  set(dir, r, j) {
    const m = r.memory;
    if (!m) return;
    if (m.checkBeforeUpdate && m.limit !== undefined && m.limit > 0) {
      const usage = parseUint(readFile(dir, 'memory.usage_in_bytes'));
      if (m.limit < usage) {
        throw new CgroupError('ECHECKBEFOREUPDATE', `cgroups: memory.limit: ${m.limit} is below the current usage ${usage} (memory.checkBeforeUpdate)`, { resource: 'memory.limit', file: LIMIT, value: String(m.limit) });
      }
    }
    setMemoryAndSwap(dir, m.limit, m.swap, j);
    if (isSet(m.reservation)) j.write(dir, 'memory.soft_limit_in_bytes', String(m.reservation), 'memory.reservation');
    if (isSet(m.kernelTCP)) j.write(dir, 'memory.kmem.tcp.limit_in_bytes', String(m.kernelTCP), 'memory.kernelTCP');
    // memory.kernel: kmem limits are deprecated and ignored since Linux 5.16
    // (runc ignores them too); nothing to write. The manager warns.
    if (m.disableOOMKiller) {
      const before = /oom_kill_disable\s+1/.test(readOptional(dir, 'memory.oom_control') ?? '') ? '1' : '0';
      j.write(dir, 'memory.oom_control', '1', 'memory.disableOOMKiller', { undo: false });
      if (before === '0') j.onRollback(() => j.write(dir, 'memory.oom_control', '0', 'memory.disableOOMKiller', { undo: false }));
    }
    if (m.swappiness !== undefined && m.swappiness !== null) {
      const sw = Number(m.swappiness);
      if (!Number.isInteger(sw) || sw < 0 || sw > 100) {
        throw new CgroupError('EINVALID', `cgroups: memory.swappiness: ${m.swappiness} is not in 0..100`, { resource: 'memory.swappiness', value: String(m.swappiness) });
      }
      j.write(dir, 'memory.swappiness', String(m.swappiness), 'memory.swappiness');
    }
    if (m.useHierarchy !== undefined) j.write(dir, 'memory.use_hierarchy', m.useHierarchy ? '1' : '0', 'memory.useHierarchy');
  },
  stats(dir, s) {
    const entry = (prefix: string): MemoryEntry => {
      const r = (f: string) => parseUint(readOptional(dir, `${prefix}.${f}`) ?? '0');
      return { usage: r('usage_in_bytes'), max: r('max_usage_in_bytes'), failcnt: r('failcnt'), limit: r('limit_in_bytes') };
    };
    const raw = parseKeyValues(readOptional(dir, 'memory.stat') ?? '');
    s.memory.raw = raw;
    s.memory.cache = raw.total_cache ?? raw.cache ?? 0;
    s.memory.usage = entry('memory');
    if (exists(dir, SWAP)) s.memory.swap = entry('memory.memsw');
    if (exists(dir, 'memory.kmem.usage_in_bytes')) s.memory.kernel = entry('memory.kmem');
    if (exists(dir, 'memory.kmem.tcp.usage_in_bytes')) s.memory.kernelTCP = entry('memory.kmem.tcp');
    const oom = parseKeyValues(readOptional(dir, 'memory.oom_control') ?? '');
    s.oomKills = oom.oom_kill ?? 0;
  },
};
