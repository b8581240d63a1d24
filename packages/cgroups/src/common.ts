/** Helpers shared by the v1 and v2 managers: process lists, kill, removal. */
import fs from 'node:fs';
import path from 'node:path';
import { CgroupError, errnoOf, reasonOf, sysCodeOf } from './errors.ts';
import { sleep } from './file.ts';

/** The sub-cgroups of `dir`, deepest first (a container may nest its own). */
export function subdirsDeepestFirst(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) {
        const sub = path.join(d, e.name);
        walk(sub);
        out.push(sub);
      }
    }
  };
  walk(dir);
  return out;
}

/** Pids in cgroup.procs of `dir` and every sub-cgroup (runc GetAllPids). */
export function procsRecursive(dir: string): number[] {
  const pids = new Set<number>();
  for (const d of [...subdirsDeepestFirst(dir), dir]) {
    let text: string;
    try {
      text = fs.readFileSync(path.join(d, 'cgroup.procs'), 'utf8');
    } catch (err) {
      if (sysCodeOf(err) === 'ENOENT') continue;
      throw new CgroupError('EREAD', `cgroups: reading ${d}/cgroup.procs: ${reasonOf(err)}`, { errno: errnoOf(err), syscall: 'read', file: path.join(d, 'cgroup.procs'), cause: err });
    }
    for (const l of text.split('\n')) if (l) pids.add(Number(l));
  }
  return [...pids];
}

/** kill(2) each pid, ignoring ESRCH (it exited meanwhile). */
export function signalEach(pids: number[], signal: number): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch (err) {
      if (sysCodeOf(err) !== 'ESRCH') {
        throw new CgroupError('EWRITE', `cgroups: kill(${pid}, ${signal}): ${reasonOf(err)}`, { errno: errnoOf(err), syscall: 'kill', cause: err });
      }
    }
  }
}

/** Waits until `isEmpty` or throws EBUSY after `timeoutMs`. */
export async function waitEmpty(isEmpty: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; !isEmpty(); i++) {
    if (Date.now() > deadline) throw new CgroupError('EBUSY', `cgroups: ${what} still has processes after ${timeoutMs} ms`, { file: what });
    await sleep(Math.min(20, 1 + i));
  }
}

/**
 * rmdir(2) of a cgroup and its sub-cgroups, deepest first. EBUSY right
 * after the last process exited is transient (the kernel finishes the exit
 * asynchronously), so it is retried with a short backoff, as runc's
 * RemovePaths does. A missing directory counts as removed.
 */
export async function removeCgroup(dir: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const d of [...subdirsDeepestFirst(dir), dir]) {
    for (let i = 0; ; i++) {
      try {
        fs.rmdirSync(d);
        break;
      } catch (err) {
        const code = sysCodeOf(err);
        if (code === 'ENOENT') break;
        if ((code === 'EBUSY' || code === 'EAGAIN' || code === 'EINTR') && Date.now() < deadline) {
          await sleep(Math.min(50, 1 + i * 2));
          continue;
        }
        throw new CgroupError('ERMDIR', `cgroups: rmdir ${d}: ${reasonOf(err)}`, { errno: errnoOf(err), syscall: 'rmdir', file: d, cause: err });
      }
    }
  }
}

/**
 * mkdir -p that returns the directories it created (outermost first), so a
 * failed create and destroy can remove exactly those.
 */
export function mkdirTracked(dir: string): string[] {
  const missing: string[] = [];
  for (let d = dir; !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
  const made: string[] = [];
  for (const d of missing) {
    try {
      fs.mkdirSync(d);
      made.push(d);
    } catch (err) {
      if (sysCodeOf(err) === 'EEXIST') continue; // made by someone else meanwhile: not ours
      // Leave nothing behind: the caller never learns of the levels made.
      for (const m of made.reverse()) {
        try {
          fs.rmdirSync(m);
        } catch {
          // in use meanwhile
        }
      }
      throw new CgroupError('EMKDIR', `cgroups: mkdir ${d}: ${reasonOf(err)}`, { errno: errnoOf(err), syscall: 'mkdir', file: d, cause: err });
    }
  }
  return made;
}

/** Removes created parents (deepest first) that are now empty; others stay. */
export function removeCreatedParents(created: string[], leafs: Set<string>): void {
  for (const d of [...created].sort((a, b) => b.length - a.length)) {
    if (leafs.has(d)) continue;
    try {
      fs.rmdirSync(d);
    } catch {
      // In use by another container (ENOTEMPTY/EBUSY) or gone: leave it.
    }
  }
}
