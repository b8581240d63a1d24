/**
 * OOM notifications. v1: an eventfd registered on memory.oom_control through
 * cgroup.event_control (cgroup-v1/memory.rst §10 "OOM Control"); the kernel
 * also signals it when the cgroup is removed. v2: memory.events changes
 * (cgroup-v2.rst: "a value change in this file generates a file modified
 * event"), watched with inotify. Without @oci/core (no eventfd) v1 falls
 * back to polling the oom_kill counter.
 */
import fs from 'node:fs';
import path from 'node:path';
import { hasCore, requireCore } from './devices/bpf.ts';
import { readOptional } from './file.ts';
import { parseKeyValues } from './stats.ts';
import { CgroupError, errnoOf, reasonOf } from './errors.ts';

export interface OOMEvent {
  /** oom_kill counter after the event (kills in this cgroup so far). */
  oomKills: number;
}

export interface OOMWatch {
  close(): void;
}

export function oomKillsV1(dir: string): number {
  return parseKeyValues(readOptional(dir, 'memory.oom_control') ?? '').oom_kill ?? 0;
}

export function oomKillsV2(dir: string): number {
  return parseKeyValues(readOptional(dir, 'memory.events') ?? '').oom_kill ?? 0;
}

export function watchOOMv1(dir: string, listener: (e: OOMEvent) => void): OOMWatch {
  if (!hasCore()) return pollCounter(() => oomKillsV1(dir), listener);
  const core = requireCore('OOM notification (eventfd)');
  const efd = core.cgroupEventfd();
  let cfd: number | undefined;
  try {
    cfd = fs.openSync(path.join(dir, 'memory.oom_control'), fs.constants.O_RDONLY);
    fs.writeFileSync(path.join(dir, 'cgroup.event_control'), `${efd} ${cfd}`);
  } catch (err) {
    if (cfd !== undefined) fs.closeSync(cfd);
    fs.closeSync(efd);
    throw new CgroupError('EWRITE', `cgroups: registering an OOM eventfd on ${dir}: ${reasonOf(err)}`, { errno: errnoOf(err), file: path.join(dir, 'cgroup.event_control'), resource: 'memory', cause: err });
  }
  let closed = false;
  const buf = Buffer.alloc(8);
  const finish = () => {
    fs.closeSync(efd);
    fs.closeSync(cfd!);
  };
  const loop = () => {
    // A blocking 8-byte read on a threadpool thread; close() writes to the
    // eventfd itself to end it.
    fs.read(efd, buf, 0, 8, null, (err) => {
      if (closed || err) return finish();
      if (!fs.existsSync(dir)) {
        closed = true;
        return finish();
      }
      listener({ oomKills: oomKillsV1(dir) });
      loop();
    });
  };
  loop();
  return {
    close() {
      if (closed) return;
      closed = true;
      const one = Buffer.alloc(8);
      one.writeBigUInt64LE(1n);
      try {
        fs.writeSync(efd, one);
      } catch {
        // already being torn down
      }
    },
  };
}

export function watchOOMv2(dir: string, listener: (e: OOMEvent) => void): OOMWatch {
  let last = oomKillsV2(dir);
  const check = () => {
    const now = oomKillsV2(dir);
    if (now > last) {
      last = now;
      listener({ oomKills: now });
    }
  };
  let w: fs.FSWatcher | undefined;
  try {
    w = fs.watch(path.join(dir, 'memory.events'), check);
  } catch {
    return pollCounter(() => oomKillsV2(dir), listener);
  }
  return { close: () => w!.close() };
}

function pollCounter(read: () => number, listener: (e: OOMEvent) => void): OOMWatch {
  let last = read();
  const t = setInterval(() => {
    const now = read();
    if (now > last) {
      last = now;
      listener({ oomKills: now });
    }
  }, 100);
  t.unref();
  return { close: () => clearInterval(t) };
}
