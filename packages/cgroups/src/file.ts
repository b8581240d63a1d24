/**
 * Reading and writing cgroup control files with typed errors, and the
 * rollback journal that undoes a partly applied `set` (issue 4: "a partly
 * applied set is rolled back").
 */
import fs from 'node:fs';
import path from 'node:path';
import { CgroupError, errnoOf, reasonOf, sysCodeOf } from './errors.ts';

/** Reads a control file, trimmed. Throws EREAD. */
export function readFile(dir: string, file: string): string {
  const p = path.join(dir, file);
  try {
    return fs.readFileSync(p, 'utf8').trim();
  } catch (err) {
    throw new CgroupError('EREAD', `cgroups: reading ${p}: ${reasonOf(err)}`, {
      errno: errnoOf(err),
      syscall: 'read',
      file: p,
      cause: err,
    });
  }
}

/** Reads a control file, or undefined when it does not exist. */
export function readOptional(dir: string, file: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dir, file), 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function exists(dir: string, file: string): boolean {
  return fs.existsSync(path.join(dir, file));
}

type WriteObserver = (file: string, value: string) => void;
let observer: WriteObserver | undefined;

/**
 * Internal (not exported by the package): observe every successful write,
 * so tests on a plain-file tree can check the sequence the kernel would see.
 */
export function observeWrites(fn: WriteObserver | undefined): void {
  observer = fn;
}

/**
 * Writes one value with a single write(2), as the kernel parses each write
 * separately (cgroup-v1/cgroups.rst; a short or split write would be two
 * values). Throws EWRITE naming the resource, file and value.
 */
export function writeFile(dir: string, file: string, value: string, resource: string): void {
  const p = path.join(dir, file);
  let fd: number | undefined;
  try {
    // O_WRONLY|O_TRUNC without O_CREAT, as runc: a control file must exist
    // (ENOENT means the kernel has no such knob), and O_TRUNC is ignored by
    // cgroupfs but keeps a plain-file tree (tests, fakes) holding one value.
    // libuv opens every fd O_CLOEXEC, so none leaks into a container.
    fd = fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_TRUNC);
    // An empty value (cpuset.cpus "" = inherit, restored by a rollback) is
    // written as a newline: a zero-length write(2) never reaches the
    // cgroup's handler, and the kernel strips the newline (seen on 6.1).
    fs.writeSync(fd, value === '' ? '\n' : value);
    observer?.(p, value);
  } catch (err) {
    const code = sysCodeOf(err) === 'ENOENT' && fd === undefined ? 'ENOTSUPPORTED' : 'EWRITE';
    throw new CgroupError(code, `cgroups: ${resource}: writing "${value}" to ${p}: ${reasonOf(err)}`, {
      errno: errnoOf(err),
      syscall: fd === undefined ? 'open' : 'write',
      resource,
      file: p,
      value,
      cause: err,
    });
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

interface UndoEntry {
  dir: string;
  file: string;
  value: string;
  resource: string;
}

/**
 * A write journal: `write` remembers the previous content of files whose
 * read form is also their write form, and `rollback` restores them in
 * reverse order. Files whose read form differs (devices.allow, io.max, the
 * blkio throttle lists, ...) pass `undo: false` and are not restored.
 */
export class Journal {
  private readonly undo: (UndoEntry | (() => void))[] = [];

  /** Registers a custom undo step (for files whose read form is not their write form). */
  onRollback(fn: () => void): void {
    this.undo.push(fn);
  }

  write(dir: string, file: string, value: string, resource: string, opts: { undo?: boolean } = {}): void {
    if (opts.undo !== false) {
      const old = readOptional(dir, file);
      writeFile(dir, file, value, resource);
      if (old !== undefined && old !== value) this.undo.push({ dir, file, value: old, resource });
    } else {
      writeFile(dir, file, value, resource);
    }
  }

  /** Restores what was changed; errors while restoring are collected, not thrown. */
  rollback(): Error[] {
    const errors: Error[] = [];
    while (this.undo.length) {
      const u = this.undo.pop()!;
      try {
        if (typeof u === 'function') u();
        else writeFile(u.dir, u.file, u.value, u.resource);
      } catch (err) {
        errors.push(err as Error);
      }
    }
    return errors;
  }
}

/** Runs `fn` with a journal; on a throw, rolls back and rethrows. */
export function transaction(fn: (j: Journal) => void): void {
  const j = new Journal();
  try {
    fn(j);
  } catch (err) {
    const failed = j.rollback();
    if (failed.length && err instanceof Error) {
      (err as Error & { rollbackErrors?: Error[] }).rollbackErrors = failed;
    }
    throw err;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
