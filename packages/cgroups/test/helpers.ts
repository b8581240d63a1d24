/**
 * Shared test helpers: unique cgroup names per test file, a leftover check,
 * and processes that wait for a go-ahead on stdin (so they are in the cgroup
 * before they do what the test watches).
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export const CGROUP_ROOT = '/sys/fs/cgroup';

export function uniqueName(tag: string): string {
  return `oci-ts-test-${tag}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Every directory under any hierarchy whose top-level name starts with `prefix`. */
export function leftovers(prefix: string): string[] {
  const out: string[] = [];
  let hier: string[] = [];
  try {
    hier = fs.readdirSync(CGROUP_ROOT);
  } catch {
    return out;
  }
  for (const h of hier) {
    let entries: string[] = [];
    try {
      entries = fs.readdirSync(path.join(CGROUP_ROOT, h));
    } catch {
      continue;
    }
    for (const e of entries) if (e.startsWith(prefix)) out.push(path.join(CGROUP_ROOT, h, e));
  }
  return out;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** True when /sys/fs/cgroup has v1 hierarchies we may create cgroups in. */
export function hasV1(...controllers: string[]): boolean {
  return isRoot() && controllers.every((c) => fs.existsSync(path.join(CGROUP_ROOT, c, 'cgroup.procs')) && !fs.existsSync(path.join(CGROUP_ROOT, c, 'cgroup.controllers')));
}

/** The cgroup2 mount we may use for real tests (hybrid's unified, or a v2 root). */
export function unifiedMount(): string | undefined {
  if (!isRoot()) return undefined;
  for (const p of [path.join(CGROUP_ROOT, 'unified'), CGROUP_ROOT]) if (fs.existsSync(path.join(p, 'cgroup.controllers'))) return p;
  return undefined;
}

export interface Waiting {
  child: ChildProcess;
  pid: number;
  /** Lets the script past its `read`. */
  go(): void;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Runs `sh -c 'read _; <script>'`: it waits until go() is called. */
export function waiting(script: string): Waiting {
  const child = spawn('/bin/sh', ['-c', `read _go; ${script}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, pid: child.pid!, go: () => child.stdin!.write('go\n'), exited, stdout: () => stdout, stderr: () => stderr };
}

/** utime+stime ticks of a process (proc(5) /proc/pid/stat fields 14, 15). */
export function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

export const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns true or `tries` run out; returns the last result. */
export async function eventually(fn: () => boolean, tries = 500, ms = 20): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (fn()) return true;
    await delay(ms);
  }
  return fn();
}

/** A field of /proc/<pid>/status (proc(5)), e.g. Cpus_allowed_list. */
export function procStatus(pid: number, key: string): string | undefined {
  const m = new RegExp(`^${key}:\\s*(.*)$`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m?.[1].trim();
}

/** The guest's scratch disk /dev/vda (tools/guest run-in-guest --disk) as major:minor, if present. */
export function scratchDisk(): { major: number; minor: number; path: string } | undefined {
  try {
    const [major, minor] = fs.readFileSync('/sys/block/vda/dev', 'utf8').trim().split(':').map(Number);
    return fs.existsSync('/dev/vda') ? { major, minor, path: '/dev/vda' } : undefined;
  } catch {
    return undefined;
  }
}

/** True on a pure cgroup v2 host (the guest): /sys/fs/cgroup is cgroup2 and has controllers. */
export function pureV2(): boolean {
  const CGROUP2_SUPER_MAGIC = 0x63677270;
  try {
    return isRoot() && fs.statfsSync(CGROUP_ROOT).type === CGROUP2_SUPER_MAGIC;
  } catch {
    return false;
  }
}
