/**
 * `events [--stats] [--interval D] ID` (runc events): JSON lines
 * {"type":"stats","id":...,"data":{...}} (the shape of runc's types/events.go,
 * from @oci/cgroups stats()) every interval, and {"type":"oom","id":...} as
 * OOM kills happen (@oci/cgroups watchOOM). The stream ends when the
 * container stops.
 */
import { statusOf } from './container.ts';
import { OciError } from './errors.ts';
import { loadCgroups } from './pause.ts';
import { sleep } from './proc.ts';
import type { StateStore } from './state.ts';

export interface Event { type: 'stats' | 'oom'; id: string; data?: unknown }

/** Go time.ParseDuration for the units runc's --interval takes ("5s", "100ms", "1m30s"). */
export function parseDuration(v: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = v.trim();
  if (!rest) throw new OciError('EUSAGE', `invalid duration "${v}"`);
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (!m) throw new OciError('EUSAGE', `time: invalid duration "${v}"`);
    total += Number(m[1]) * units[m[2]];
    rest = rest.slice(m[0].length);
  }
  if (total <= 0) throw new OciError('EUSAGE', 'duration interval must be greater than 0');
  return total;
}

async function manager(store: StateStore, id: string) {
  const s = store.read(id);
  if (statusOf(store, s) === 'stopped') throw new OciError('ENOTRUNNING', 'container not running');
  return { s, m: await loadCgroups(s.cgroupPaths) };
}

export function statsData(m: { stats(): Record<string, unknown> }): Record<string, unknown> {
  const { oomKills: _o, ...data } = m.stats();
  return data;
}

export async function statsEvent(store: StateStore, id: string): Promise<Event> {
  const { m } = await manager(store, id);
  return { type: 'stats', id, data: statsData(m) };
}

/** Streams events to `emit` until the container stops or `signal` aborts. */
export async function streamEvents(store: StateStore, id: string, intervalMs: number, emit: (e: Event) => void, signal?: AbortSignal): Promise<void> {
  const { s, m } = await manager(store, id);
  const watch = m.watchOOM(() => emit({ type: 'oom', id }));
  try {
    let next = 0;
    while (!signal?.aborted) {
      if (statusOf(store, s) === 'stopped') return;
      if (Date.now() >= next) {
        try { emit({ type: 'stats', id, data: statsData(m) }); } catch { return; /* cgroup gone: the container was deleted */ }
        next = Date.now() + intervalMs;
      }
      await sleep(Math.min(100, intervalMs));
    }
  } finally {
    watch.close();
  }
}
