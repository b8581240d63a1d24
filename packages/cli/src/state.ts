/**
 * The state store: `--root/<id>/` (0700) holding `state.json` (0600, written
 * atomically: tmp file, rename(2)) and `exec.fifo`, plus a per-container
 * lock `--root/.<id>.lock` so two commands on one id never interleave
 * (design.md "State and concurrency").
 */
import fs from 'node:fs';
import path from 'node:path';
import { OciError } from './errors.ts';
import { core } from './deps.ts';
import { fileError, MAX_STATE_BYTES, readRegularFile } from './files.ts';

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

/**
 * The fields every command relies on, checked once where state.json is read:
 * a damaged file is one clear error, never a TypeError deeper down.
 */
function checkState(s: unknown, file: string): asserts s is SavedState {
  const bad = (what: string) => new OciError('ESTATE', `corrupt state file ${file}: ${what}`);
  if (typeof s !== 'object' || s === null || Array.isArray(s)) throw bad('not a JSON object');
  const o = s as Record<string, unknown>;
  if (typeof o.id !== 'string') throw bad('"id" is not a string');
  if (typeof o.pid !== 'number' || !Number.isSafeInteger(o.pid) || o.pid < 0) throw bad('"pid" is not a pid');
  for (const k of ['bundle', 'rootfs', 'created', 'pidStartTime'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'string') throw bad(`"${k}" is not a string`);
  }
  if (o.stage1Pid !== undefined && (typeof o.stage1Pid !== 'number' || !Number.isSafeInteger(o.stage1Pid) || o.stage1Pid < 0)) throw bad('"stage1Pid" is not a pid');
  for (const k of ['cgroupPaths', 'hooks', 'annotations'] as const) {
    if (o[k] !== undefined && (typeof o[k] !== 'object' || o[k] === null || Array.isArray(o[k]))) throw bad(`"${k}" is not an object`);
  }
  if (o.cgroupPaths && Object.values(o.cgroupPaths as object).some((v) => typeof v !== 'string' || !v.startsWith('/'))) throw bad('"cgroupPaths" holds a value that is not an absolute path');
  for (const k of ['poststart', 'poststop'] as const) {
    const hs = (o.hooks as Record<string, unknown> | undefined)?.[k];
    if (hs !== undefined && (!Array.isArray(hs) || hs.some((h) => typeof h !== 'object' || h === null || typeof (h as { path?: unknown }).path !== 'string'))) throw bad(`"hooks.${k}" is not a list of hooks`);
  }
  if (o.cgroupCreated !== undefined && (!Array.isArray(o.cgroupCreated) || o.cgroupCreated.some((v) => typeof v !== 'string'))) throw bad('"cgroupCreated" is not a list of paths');
}

export function validateId(id: string): void {
  if (typeof id !== 'string' || !ID_RE.test(id) || id === '.' || id === '..' || id.length > 1024) {
    throw new OciError('EINVALIDID', `invalid container id format: ${id}`);
  }
}

const sleepBuf = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number) { Atomics.wait(sleepBuf, 0, 0, ms); }

export class StateStore {
  readonly root: string;
  constructor(root: string) {
    this.root = path.resolve(root);
    // runc makes --root on every command that loads containers: one that
    // cannot be a directory fails them all at once, never "does not exist".
    this.rootNotAFile();
  }

  dir(id: string): string { return path.join(this.root, id); }
  statePath(id: string): string { return path.join(this.root, id, 'state.json'); }
  fifoPath(id: string): string { return path.join(this.root, id, 'exec.fifo'); }

  ensureRoot(): void {
    this.rootNotAFile();
    try {
      fs.mkdirSync(this.root, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw fileError(e, 'mkdir', this.root);
    }
  }

  /** runc creates --root on every command: a --root that is a file fails each one with `mkdir ROOT: not a directory`. */
  private rootNotAFile(): void {
    let st: fs.Stats;
    try {
      st = fs.statSync(this.root);
    } catch (e) {
      // A file on the way (ROOT=/file/sub): runc's MkdirAll fails the same way.
      if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') throw new OciError('ENOTDIR', `mkdir ${this.root}: not a directory`, { errno: 20, cause: e });
      return;
    }
    if (!st.isDirectory()) throw new OciError('ENOTDIR', `mkdir ${this.root}: not a directory`, { errno: 20 });
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
      throw new OciError('ESTATE', fileError(e, 'create state directory', d).message, { cause: e, errno: Math.abs((e as NodeJS.ErrnoException).errno ?? 0) || undefined });
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
      // Bounded, non-blocking, never through a link: a state.json replaced
      // by a FIFO or a device must not hang `state` or `list` (issue 13).
      text = readRegularFile(this.statePath(id), { what: 'read state', maxBytes: MAX_STATE_BYTES, noFollow: true });
    } catch (e) {
      if ((e as OciError).code === 'ENOENT' || (e as OciError).code === 'ENOTDIR') {
        throw new OciError('ENOTEXIST', 'container does not exist');
      }
      throw new OciError('ESTATE', (e as Error).message, { cause: e });
    }
    let state: SavedState;
    try {
      state = JSON.parse(text) as SavedState;
    } catch (e) {
      throw new OciError('ESTATE', `corrupt state file ${this.statePath(id)}: ${(e as Error).message}`, { cause: e });
    }
    checkState(state, this.statePath(id));
    if (state.id !== id) throw new OciError('ESTATE', `corrupt state file ${this.statePath(id)}: it is the state of ${JSON.stringify(state.id)}`);
    return state;
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
    try {
      const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
      try {
        const buf = Buffer.from(JSON.stringify(state));
        for (let off = 0; off < buf.length;) off += fs.writeSync(fd, buf, off);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, final);
    } catch (e) {
      // A full disk fails this one write; the old state.json stays whole.
      try { fs.unlinkSync(tmp); } catch { /* not created */ }
      throw fileError(e, 'write state', final);
    }
  }

  remove(id: string): void {
    fs.rmSync(this.dir(id), { recursive: true, force: true });
  }

  ids(): string[] {
    this.rootNotAFile();
    let names: fs.Dirent[];
    try { names = fs.readdirSync(this.root, { withFileTypes: true }); } catch { return []; }
    return names.filter((d) => d.isDirectory() && ID_RE.test(d.name)).map((d) => d.name).sort();
  }

  /**
   * Takes the per-container lock: flock(2) LOCK_EX on `--root/.<id>.lock`.
   * The kernel releases it when its holder's fd closes, also when the holder
   * is SIGKILLed or dies on a full disk, so no lock can wedge a container
   * (issue 13; the old O_EXCL pid file stayed empty after a kill between
   * open and write). Nothing is written into the file: taking it needs no
   * free space.
   *
   * A state disk out of inodes cannot create the lock file (ENOSPC), and
   * runc, which keeps no lock file, still manages its containers then. So
   * a container that exists is first locked through its own state directory
   * (flock works on a directory fd and needs no inode), then through the
   * file; when the file cannot be created for lack of space the directory
   * lock alone serialises the command. Always in that order (directory,
   * then file), so two commands never wait on each other crosswise: create,
   * which has no directory yet, takes only the file, and nobody holding the
   * file waits for a directory. Waits up to `timeoutMs` in all; returns the
   * release function.
   */
  async lock(id: string, timeoutMs = 30_000): Promise<() => void> {
    validateId(id);
    const { tryFlock } = await core();
    this.ensureRoot();
    const deadline = Date.now() + timeoutMs;
    const dir = path.join(this.root, id);
    const file = path.join(this.root, `.${id}.lock`);
    // O_NOFOLLOW everywhere: --root is ours, but never lock (or create) through a link.
    const dirFlags = fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW;
    const releaseDir = flockAt(tryFlock, dir, dirFlags, id, deadline, true);
    let releaseFile: (() => void) | undefined;
    try {
      releaseFile = flockAt(tryFlock, file, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, id, deadline, false);
    } catch (e) {
      // Out of inodes (or blocks for a new inode) with the directory lock
      // held: that lock is enough; without a directory there is nothing to
      // manage and the command fails with the file's error.
      if (!(releaseDir && e instanceof OciError && e.errno === ENOSPC)) {
        releaseDir?.();
        throw e;
      }
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      releaseFile?.();
      releaseDir?.();
    };
  }
}

const ENOSPC = 28;

/**
 * flock(2) LOCK_EX on `file`, retried until `deadline`. After taking it the
 * inode is checked to still be the one at `file`: a holder unlinks (or
 * delete removes the directory) before closing, and a lock on an unlinked
 * inode guards nothing, so the current one is taken instead. With
 * `optional`, a missing `file` is not an error: undefined is returned.
 * The release function of the lock file unlinks it before closing it.
 */
function flockAt(
  tryFlock: (fd: number, shared?: boolean) => boolean,
  file: string, flags: number, id: string, deadline: number, optional: boolean,
): (() => void) | undefined {
  for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
    let fd: number;
    try {
      fd = fs.openSync(file, flags, 0o600);
    } catch (e) {
      if (optional && (e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw fileError(e, `lock container ${id}:`, file);
    }
    let held = false;
    try {
      if (tryFlock(fd)) {
        const a = fs.fstatSync(fd);
        let b: fs.Stats | undefined;
        try { b = fs.lstatSync(file); } catch { /* removed: retry (or optional: gone) */ }
        if (b && a.ino === b.ino && a.dev === b.dev) {
          held = true;
          const isFile = !optional;
          let released = false;
          return () => {
            if (released) return;
            released = true;
            if (isFile) {
              try { fs.unlinkSync(file); } catch { /* best effort: the lock goes with the fd anyway */ }
            }
            fs.closeSync(fd);
          };
        }
        continue;
      }
    } finally {
      if (!held) fs.closeSync(fd);
    }
    if (Date.now() > deadline) throw new OciError('ELOCKED', `container ${id} is locked by another command (${file})`);
    sleepSync(delay);
  }
}
