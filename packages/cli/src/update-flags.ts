/**
 * runc update's resource flags. Kept apart from update.ts (and free of
 * imports) because the argv fast path (parity-argv.ts) needs the names on
 * every call, and must not load the state store and cgroup glue for that.
 */
/** runc update's flags → the linux.resources field they set (runc update.go). */
export const UPDATE_FLAGS: Record<string, { path: [string, string]; kind: 'int' | 'bytes' | 'string' }> = {
  'blkio-weight': { path: ['blockIO', 'weight'], kind: 'int' },
  'cpu-period': { path: ['cpu', 'period'], kind: 'int' },
  'cpu-quota': { path: ['cpu', 'quota'], kind: 'int' },
  'cpu-share': { path: ['cpu', 'shares'], kind: 'int' },
  'cpu-rt-period': { path: ['cpu', 'realtimePeriod'], kind: 'int' },
  'cpu-rt-runtime': { path: ['cpu', 'realtimeRuntime'], kind: 'int' },
  'cpu-idle': { path: ['cpu', 'idle'], kind: 'int' },
  'cpu-burst': { path: ['cpu', 'burst'], kind: 'int' },
  'cpuset-cpus': { path: ['cpu', 'cpus'], kind: 'string' },
  'cpuset-mems': { path: ['cpu', 'mems'], kind: 'string' },
  'kernel-memory': { path: ['memory', 'kernel'], kind: 'bytes' },
  'kernel-memory-tcp': { path: ['memory', 'kernelTCP'], kind: 'bytes' },
  memory: { path: ['memory', 'limit'], kind: 'bytes' },
  'memory-reservation': { path: ['memory', 'reservation'], kind: 'bytes' },
  'memory-swap': { path: ['memory', 'swap'], kind: 'bytes' },
  'pids-limit': { path: ['pids', 'limit'], kind: 'int' },
};
