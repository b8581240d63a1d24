/**
 * Stats in the shape `runc events --stats` prints under "data"
 * (runc types/events.go). Numbers are JS numbers: counters beyond 2^53 lose
 * precision (only "unlimited" sentinels get that large).
 */
export interface CpuUsage {
  total: number;
  percpu?: number[];
  percpu_kernel?: number[];
  percpu_user?: number[];
  kernel: number;
  user: number;
}
export interface Throttling {
  periods?: number;
  throttledPeriods?: number;
  throttledTime?: number;
}
/** One line of a cgroup v2 pressure file (PSI; Documentation/accounting/psi.rst). */
export interface PSIData {
  avg10: number;
  avg60: number;
  avg300: number;
  /** Microseconds of stall in total. */
  total: number;
}
/** cpu.pressure, memory.pressure, io.pressure: "some" and "full" stall (runc PSIStats). */
export interface PSIStats {
  some?: PSIData;
  full?: PSIData;
}
export interface Cpu {
  usage: CpuUsage;
  throttling: Throttling;
  /** v2 cpu.pressure. */
  psi?: PSIStats;
}
export interface CPUSet {
  cpus?: number[];
  mems?: number[];
}
export interface MemoryEntry {
  limit: number;
  usage?: number;
  max?: number;
  failcnt: number;
}
export interface Memory {
  cache?: number;
  usage: MemoryEntry;
  swap: MemoryEntry;
  kernel: MemoryEntry;
  kernelTCP: MemoryEntry;
  raw?: Record<string, number>;
  /** v2 memory.pressure. */
  psi?: PSIStats;
  /** v2 memory.events (runc MemoryEventCount, same JSON names). */
  event_count?: MemoryEventCount;
}
export interface MemoryEventCount {
  /** Reclaims while under memory.low (the protection was breached). */
  reclaim_low: number;
  /** Reclaims because memory.high was exceeded. */
  reclaim_high: number;
  /** Times the usage was about to go over memory.max. */
  max: number;
  /** Times an allocation was about to fail at the limit. */
  oom: number;
  /** Processes OOM-killed. */
  oom_kill: number;
}
export interface Pids {
  current?: number;
  limit?: number;
}
export interface BlkioEntry {
  major: number;
  minor: number;
  op?: string;
  value: number;
}
export interface Blkio {
  ioServiceBytesRecursive?: BlkioEntry[];
  ioServicedRecursive?: BlkioEntry[];
  ioQueuedRecursive?: BlkioEntry[];
  ioServiceTimeRecursive?: BlkioEntry[];
  ioWaitTimeRecursive?: BlkioEntry[];
  ioMergedRecursive?: BlkioEntry[];
  ioTimeRecursive?: BlkioEntry[];
  sectorsRecursive?: BlkioEntry[];
  /** v2 io.pressure. */
  psi?: PSIStats;
}
export interface Hugetlb {
  usage?: number;
  max?: number;
  failcnt: number;
}
export interface Stats {
  cpu: Cpu;
  cpuset: CPUSet;
  memory: Memory;
  pids: Pids;
  blkio: Blkio;
  hugetlb: Record<string, Hugetlb>;
  /** OOM kills seen in this cgroup (v1 memory.oom_control oom_kill, v2 memory.events oom_kill). */
  oomKills?: number;
}

export function emptyStats(): Stats {
  const entry = (): MemoryEntry => ({ limit: 0, failcnt: 0 });
  return {
    cpu: { usage: { total: 0, kernel: 0, user: 0 }, throttling: {} },
    cpuset: {},
    memory: { usage: entry(), swap: entry(), kernel: entry(), kernelTCP: entry() },
    pids: {},
    blkio: {},
    hugetlb: {},
  };
}

/** Parses "1-3,5" (cpuset list format, cpuset(7)) into [1,2,3,5]. */
export function parseList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    if (!part) continue;
    const [a, b] = part.split('-');
    const lo = Number(a);
    const hi = b === undefined ? lo : Number(b);
    for (let i = lo; i <= hi; i++) out.push(i);
  }
  return out;
}

/** Parses "key value" lines (memory.stat, cpu.stat, ...) into a record. */
export function parseKeyValues(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) out[k] = parseUint(v);
  }
  return out;
}

/** "max" (v2) and the v1 unlimited sentinel both read as the largest value. */
export function parseUint(text: string): number {
  const t = text.trim();
  if (t === 'max') return Number.MAX_SAFE_INTEGER;
  const n = Number(t);
  return Number.isFinite(n) ? n : 0;
}

/**
 * Parses a pressure file ("some avg10=0.00 avg60=0.00 avg300=0.00 total=0",
 * and a "full" line); undefined when absent or PSI is off (reading fails
 * with EOPNOTSUPP then; runc ignores it too).
 */
export function parsePSI(text: string | undefined): PSIStats | undefined {
  if (!text) return undefined;
  const out: PSIStats = {};
  for (const line of text.split('\n')) {
    const [kind, ...kvs] = line.trim().split(/\s+/);
    if (kind !== 'some' && kind !== 'full') continue;
    const kv = Object.fromEntries(kvs.map((p) => p.split('=')));
    out[kind] = { avg10: Number(kv.avg10 ?? 0), avg60: Number(kv.avg60 ?? 0), avg300: Number(kv.avg300 ?? 0), total: Number(kv.total ?? 0) };
  }
  return out.some || out.full ? out : undefined;
}
