/**
 * The state store: `--root/<id>/` (0700) holding `state.json` (0600, written
 * atomically: tmp file, rename(2)) and `exec.fifo`, plus a per-container
 * lock `--root/.<id>.lock` so two commands on one id never interleave
 * (design.md "State and concurrency").
 */
import fs from 'node:fs';
import path from 'node:path';
import { OciError } from './errors.ts';

/** What oci-ts saves per container (a superset of the runtime-spec state). */
export interface SavedState {
  ociVersion: string;
  id: string;
  /** 'creating' until create finished; the live status is derived (container.ts). */
  phase: 'creating' | 'created';
  /** Host pid of the container's init; 0 before it is known. */
  pid: number;
  /** Field 22 of /proc/<pid>/stat (starttime) when pid was recorded: guards against pid reuse. */
  pidStartTime: string;
  /** Host pid spawnInit returned (stage 1), killed too when create fails early. */
  stage1Pid?: number;
  bundle: string;
  rootfs: string;
  /** RFC 3339 with nanoseconds, as runc's `created`. */
  created: string;
  owner: string;
  annotations?: Record<string, string>;
  /** Absolute cgroup directories per controller (@oci/cgroups Manager.paths()). */
  cgroupPaths: Record<string, string>;
  /** Parent directories created for a nested cgroupsPath (Manager.createdParents()), removed at delete. */
  cgroupCreated?: string[];
  /** Hooks the CLI runs after create: poststart (start) and poststop (delete). */
  hooks: { poststart?: HookSpec[]; poststop?: HookSpec[] };
  /** Whether the init has a new pid namespace (kill --all falls back to killing pid 1). */
  pidNamespace: boolean;
  systemd?: boolean;
  /** --systemd-cgroup: the unit that owns cgroupPaths[""] (@oci/cgroups/systemd SystemdSaved). */
  cgroupSystemd?: { unit: string };
}
export interface HookSpec { path: string; args?: string[]; env?: string[]; timeout?: number }

// runc libcontainer/factory_linux.go idRegex.
const ID_RE = /^[\w+.-]+$/;

export function validateId(id: string): void {
  if (typeof id !== 'string' || !ID_RE.test(id) || id === '.' || id === '..' || id.length > 1024) {
    throw new OciError('EINVALIDID', `invalid container id format: ${id}`);
  }
}

const sleepBuf = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number) { Atomics.wait(sleepBuf, 0, 0, ms); }

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

export class StateStore {
  readonly root: string;
  constructor(root: string) {
    this.root = path.resolve(root);
  }

  dir(id: string): string { return path.join(this.root, id); }
  statePath(id: string): string { return path.join(this.root, id, 'state.json'); }
  fifoPath(id: string): string { return path.join(this.root, id, 'exec.fifo'); }

  ensureRoot(): void {
    fs.mkdirSync(this.root, { recursive: true, mode: 0o700 });
  }

  /** Creates the container directory; fails if the id is taken (mkdir is the atomic check). */
  createDir(id: string): string {
    validateId(id);
    this.ensureRoot();
    const d = this.dir(id);
    try {
      fs.mkdirSync(d, { mode: 0o700 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new OciError('EEXIST', `container with id exists: ${id}`, { cause: e });
      throw new OciError('ESTATE', `creating state directory ${d}: ${(e as Error).message}`, { cause: e, errno: -((e as NodeJS.ErrnoException).errno ?? 0) || undefined });
    }
    fs.chmodSync(d, 0o700); // mkdir's mode is masked by the umask
    return d;
  }

  exists(id: string): boolean {
    return fs.existsSync(this.dir(id));
  }

  read(id: string): SavedState {
    validateId(id);
    let text: string;
    try {
      text = fs.readFileSync(this.statePath(id), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') {
        throw new OciError('ENOTEXIST', 'container does not exist');
      }
      throw e;
    }
    try {
      return JSON.parse(text) as SavedState;
    } catch (e) {
      throw new OciError('ESTATE', `corrupt state file ${this.statePath(id)}: ${(e as Error).message}`, { cause: e });
    }
  }

  /**
   * tmp + rename(2): a reader sees the old or the new file, never half of one.
   * No fsync, as runc's saveState: the state describes live processes and
   * lives in /run (tmpfs on most hosts), so it has nothing to survive a crash
   * for, and an fsync on a disk-backed --root costs a journal commit (ms, and
   * serialised between containers created in parallel).
   */
  write(id: string, state: SavedState): void {
    const final = this.statePath(id);
    const tmp = `${final}.${process.pid}.tmp`;
    const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_EXCL, 0o600);
    try {
      fs.writeSync(fd, JSON.stringify(state));
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, final);
  }

  remove(id: string): void {
    fs.rmSync(this.dir(id), { recursive: true, force: true });
  }

  ids(): string[] {
    let names: fs.Dirent[];
    try { names = fs.readdirSync(this.root, { withFileTypes: true }); } catch { return []; }
    return names.filter((d) => d.isDirectory() && ID_RE.test(d.name)).map((d) => d.name).sort();
  }

  /**
   * Takes the per-container lock: an O_EXCL lock file holding the owner's pid.
   * A lock whose owner died (SIGKILLed create) is broken. Blocks up to
   * `timeoutMs`; returns the release function.
   */
  lock(id: string, timeoutMs = 30_000): () => void {
    validateId(id);
    this.ensureRoot();
    const file = path.join(this.root, `.${id}.lock`);
    const deadline = Date.now() + timeoutMs;
    for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
      try {
        const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
        fs.writeSync(fd, String(process.pid));
        fs.closeSync(fd);
        let released = false;
        return () => {
          if (released) return;
          released = true;
          try { fs.unlinkSync(file); } catch { /* already broken by a waiter */ }
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      let owner = 0;
      try { owner = Number(fs.readFileSync(file, 'utf8')); } catch { continue; }
      if (owner && !pidAlive(owner)) {
        // Break a stale lock by renaming it away first so two waiters cannot both break it and then both unlink a fresh lock.
        const stale = `${file}.stale.${process.pid}`;
        try {
          fs.renameSync(file, stale);
          const again = Number(fs.readFileSync(stale, 'utf8'));
          if (again === owner) { fs.unlinkSync(stale); continue; }
          fs.renameSync(stale, file); // a fresh lock was taken meanwhile: put it back
        } catch { /* someone else broke it */ }
        continue;
      }
      if (Date.now() > deadline) throw new OciError('ELOCKED', `container ${id} is locked by pid ${owner}`);
      sleepSync(delay);
    }
  }
}
