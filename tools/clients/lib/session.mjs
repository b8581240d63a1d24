// One run of the client suite: a temporary directory holding every daemon's
// state, a cgroup parent of our own, the images, and a cleanup that stops
// what was started and removes what was created even when a scenario failed.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { sh, sleep } from './sh.mjs';
import { buildImages } from './image.mjs';

export const clientsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = path.resolve(clientsDir, '../..');
export const cacheBin = path.join(repoRoot, 'tools/.cache/clients/bin');
export const CGROUP_ROOT = '/sys/fs/cgroup';

/** Error for a missing tool or a daemon that would not start. */
export class SessionError extends Error {
  constructor(code, message, options) { super(message, options); this.name = 'SessionError'; this.code = code; }
}

/** Resolves the runtime under test: a path, or a name looked up in PATH. */
export function resolveRuntime(r) {
  if (r.includes('/')) {
    const p = path.resolve(r);
    if (!fs.existsSync(p)) throw new SessionError('RUNTIME_NOT_FOUND', `runtime ${p} does not exist`);
    return p;
  }
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin', '/sbin'])) {
    const p = path.join(dir, r);
    if (fs.existsSync(p)) return p;
  }
  throw new SessionError('RUNTIME_NOT_FOUND', `runtime ${r} not found in PATH`);
}

export class Session {
  /**
   * @param {{ runtime: string, also?: string[], keep?: boolean }} opts
   * `also`: more runtimes registered with every client (for interleaved
   * timing), as runtime index 1, 2, ...
   */
  constructor(opts) {
    this.runtime = resolveRuntime(opts.runtime);
    this.runtimes = [this.runtime, ...(opts.also ?? []).map(resolveRuntime)];
    this.keep = !!opts.keep;
    this.id = randomBytes(4).toString('hex');
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-ts-clients-'));
    fs.chmodSync(this.dir, 0o711);
    /** Cgroup parent (cgroupfs path) under which every client puts its containers. */
    this.cgroupParent = `/oci-ts-clients-${this.id}`;
    /** @type {{ name: string, child: import('node:child_process').ChildProcess, log: string }[]} */
    this.daemons = [];
    /** @type {(() => Promise<void>)[]} cleanups run in reverse order */
    this.cleanups = [];
    this.netnsBefore = listNetns();
    this.cgroupRootsBefore = new Set(fs.readdirSync(CGROUP_ROOT));
    this.globalsBefore = new Set(Object.keys(GLOBAL_PATHS).filter((p) => fs.existsSync(p)));
    this.env = { ...process.env, PATH: `${cacheBin}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}` };
  }

  path(...p) { return path.join(this.dir, ...p); }

  async images() {
    if (!this._images) this._images = await buildImages(this.path('images'));
    return this._images;
  }

  /** Registers a cleanup step (run in reverse order by close()). */
  defer(fn) { this.cleanups.push(fn); }

  /**
   * Starts a daemon in the background with its output in <dir>/<name>.log,
   * then waits until `ready()` resolves true.
   */
  async startDaemon(name, argv, ready, { timeoutMs = 60_000, env } = {}) {
    const log = this.path(`${name}.log`);
    const fd = fs.openSync(log, 'a', 0o600);
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', fd, fd], detached: true, env: env ?? this.env });
    fs.closeSync(fd);
    const entry = { name, child, log, exited: false };
    child.on('exit', () => { entry.exited = true; });
    this.daemons.push(entry);
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (entry.exited) throw new SessionError('DAEMON_EXITED', `${name} exited during start-up:\n${tail(log)}`);
      if (await ready().catch(() => false)) return entry;
      if (Date.now() > end) throw new SessionError('DAEMON_TIMEOUT', `${name} not ready after ${timeoutMs} ms:\n${tail(log)}`);
      await sleep(200);
    }
  }

  /** Stops one daemon: SIGTERM, then SIGKILL after 15 s. */
  async stopDaemon(entry) {
    if (entry.exited) return;
    try { process.kill(entry.child.pid, 'SIGTERM'); } catch { return; }
    for (let i = 0; i < 150 && !entry.exited; i++) await sleep(100);
    if (!entry.exited) { try { process.kill(entry.child.pid, 'SIGKILL'); } catch {} }
    for (let i = 0; i < 50 && !entry.exited; i++) await sleep(100);
  }

  /**
   * Undoes everything: the clients' own cleanups, the daemons, then any
   * process, mount, cgroup or network namespace left behind by them.
   * Never throws; returns the problems it met as strings.
   */
  async close() {
    const problems = [];
    for (const fn of this.cleanups.reverse()) {
      try { await fn(); } catch (e) { problems.push(`cleanup: ${e.message.split('\n')[0]}`); }
    }
    this.cleanups = [];
    for (const d of [...this.daemons].reverse()) await this.stopDaemon(d);
    // Shims and conmon outlive their daemon by design; ours are the ones
    // whose command line names our private directory.
    for (const pid of pidsMentioning(this.dir)) { try { process.kill(pid, 'SIGKILL'); } catch {} }
    // Container processes: whatever is left in our cgroups.
    killCgroupTree(this.cgroupParent);
    await sleep(300);
    for (const m of mountsUnder(this.dir)) {
      const r = await sh(['umount', '-l', m], { check: false });
      if (r.code !== 0) problems.push(`umount ${m}: ${r.stderr.trim()}`);
    }
    for (const ns of listNetns()) {
      if (!this.netnsBefore.has(ns) && ns.startsWith('cni-')) {
        await sh(['ip', 'netns', 'delete', ns], { check: false });
      }
    }
    problems.push(...removeCgroupTree(this.cgroupParent, this.cgroupRootsBefore));
    for (const p of cgroupLeftovers(this.cgroupParent)) problems.push(`left behind: ${p}`);
    // Paths the clients create outside their configurable roots; removed
    // only when they did not exist before this session and hold no files
    // but our own (empty directories, dockerd's generated trust key).
    for (const [p, allowed] of Object.entries(GLOBAL_PATHS)) {
      if (this.globalsBefore.has(p) || !fs.existsSync(p)) continue;
      if (allowed === null || onlyEmptyDirs(p, allowed)) fs.rmSync(p, { recursive: true, force: true });
      else problems.push(`left in place (not empty): ${p}`);
    }
    if (!this.keep) {
      try { fs.rmSync(this.dir, { recursive: true, force: true }); } catch (e) { problems.push(`rm ${this.dir}: ${e.message}`); }
    }
    return problems;
  }
}

/**
 * Created by the clients whatever their flags, with the only files they may
 * hold: dockerd 20.10 writes its libtrust key to /etc/docker/key.json and
 * makes /run/docker/plugins; containerd's shims put sockets in
 * /run/containerd/s (shim.SocketAddress) and ctr its default fifo dir in
 * /run/containerd/fifo; libcni caches results in /var/lib/cni; podman's
 * image library keeps its blob-info cache in /var/lib/containers/cache
 * for root (containers/image blobinfocache), whatever --root says.
 */
const GLOBAL_PATHS = {
  '/etc/docker/key.json': null,
  '/run/docker': [],
  '/run/containerd': [],
  '/var/lib/cni': [],
  '/var/lib/containers': ['blob-info-cache-v1.boltdb'],
};

/** True when p holds nothing but directories and files named in `allowed`. */
function onlyEmptyDirs(p, allowed = []) {
  const st = fs.lstatSync(p);
  if (!st.isDirectory()) return st.isFile() && allowed.includes(path.basename(p));
  return fs.readdirSync(p).every((e) => onlyEmptyDirs(path.join(p, e), allowed));
}

function tail(file, n = 30) {
  try { return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-n).join('\n'); } catch { return ''; }
}

function listNetns() {
  try { return new Set(fs.readdirSync('/run/netns')); } catch { return new Set(); }
}

/** Pids (not ours) whose command line contains `needle`. */
export function pidsMentioning(needle) {
  const out = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(needle)) out.push(Number(d));
    } catch {}
  }
  return out;
}

/** Mount points under dir, deepest first (mountinfo(5) field 5). */
export function mountsUnder(dir) {
  const lines = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  const pts = lines.map((l) => l.split(' ')[4]).filter((p) => p && (p === dir || p.startsWith(dir + '/')))
    .map((p) => p.replace(/\\(\d{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8))));
  return [...new Set(pts)].sort((a, b) => b.length - a.length);
}

/** Every directory of our cgroup parent, in each mounted hierarchy. */
function cgroupDirs(parent) {
  const out = [];
  for (const h of fs.readdirSync(CGROUP_ROOT)) {
    const p = path.join(CGROUP_ROOT, h, parent);
    if (fs.existsSync(p)) out.push(p);
  }
  return out;
}

function walk(dir, acc = []) {
  acc.push(dir);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(dir, e.name), acc);
  return acc;
}

function killCgroupTree(parent) {
  for (const root of cgroupDirs(parent)) {
    for (const d of walk(root)) {
      // A frozen (paused) cgroup must be thawed for SIGKILL to be handled.
      try { if (fs.existsSync(path.join(d, 'freezer.state'))) fs.writeFileSync(path.join(d, 'freezer.state'), 'THAWED'); } catch {}
      let procs = [];
      try { procs = fs.readFileSync(path.join(d, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean); } catch {}
      for (const p of procs) { try { process.kill(Number(p), 'SIGKILL'); } catch {} }
    }
  }
}

/** statfs(2) f_type of tmpfs (linux/magic.h TMPFS_MAGIC). */
const TMPFS_MAGIC = 0x01021994;

/**
 * Removes our cgroup parent from every hierarchy. podman 4.3's cgroupfs
 * manager also creates it under controllers /proc/cgroups lists but that
 * are not mounted here (hugetlb, net_cls...): plain directories on the
 * /sys/fs/cgroup tmpfs with a `tasks` file, which rmdir(2) cannot remove;
 * those go with their files, and a controller directory that did not exist
 * before the session (`rootsBefore`) goes too once it is empty (issue 13).
 */
export function removeCgroupTree(parent, rootsBefore) {
  const problems = [];
  for (const root of cgroupDirs(parent)) {
    let tmpfs = false;
    try { tmpfs = fs.statfsSync(root).type === TMPFS_MAGIC; } catch {}
    if (tmpfs) {
      try { fs.rmSync(root, { recursive: true, force: true }); } catch (e) { problems.push(`rm ${root}: ${e.code}`); }
      continue;
    }
    for (const d of walk(root).reverse()) {
      try { fs.rmdirSync(d); } catch (e) { problems.push(`rmdir ${d}: ${e.code}`); }
    }
  }
  for (const h of fs.readdirSync(CGROUP_ROOT)) {
    if (rootsBefore.has(h)) continue;
    const p = path.join(CGROUP_ROOT, h);
    try { if (fs.statfsSync(p).type === TMPFS_MAGIC && fs.readdirSync(p).length === 0) fs.rmdirSync(p); } catch {}
  }
  return problems;
}

/** What is left of our cgroup parent anywhere under /sys/fs/cgroup (checked after close). */
export function cgroupLeftovers(parent) {
  return cgroupDirs(parent);
}

/** Checks that the client binaries exist; returns the missing ones. */
export function missingTools(names) {
  const dirs = [cacheBin, ...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/bin'];
  return names.filter((n) => !(n.startsWith('/') ? fs.existsSync(n) : dirs.some((d) => fs.existsSync(path.join(d, n)))));
}
