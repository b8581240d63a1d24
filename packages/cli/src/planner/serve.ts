/**
 * The planner (design.md "The fast path: native front end, warm TypeScript
 * planner"): a warm Node process that runs the same command handlers as the
 * cold path for the calls the native front end (packages/core-rs/src/bin/oci-ts.rs)
 * forwards to it, so a `state` costs a round trip instead of Node's start.
 *
 * - One planner per `--root`, started in the background by a front end that
 *   found none (OCI_TS_PLANNER_ROOT, _SOCKET, _BUILD in its environment).
 * - It serves only its own uid (SO_PEERCRED), callers in its own mount,
 *   user and pid namespaces, and front ends of its own build; anything else
 *   gets `{"t":"cold"}` before anything is done, and the front end runs the
 *   cold path.
 * - No state in memory that the state directory does not hold: cold and warm
 *   calls interleave. Calls run concurrently; two calls on one container are
 *   serialised here (the per-container lock in state.ts names the process
 *   that holds it, which is this one for all of them).
 * - It moves itself into a cgroup of its own (a client's per-call scope must
 *   not take it down) and exits after OCI_TS_PLANNER_IDLE_MS (30 s) idle, or
 *   when another planner took its socket over (a newer build).
 *
 * Handlers never fork processes that must descend from the caller here:
 * create, run and exec (and anything else not in SERVED) take the cold path.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { close as closeFd, peerCred, recvFds } from '@oci/core';
import { commandName, dispatch } from '../dispatch.ts';
import { execArgs } from '../exec-argv.ts';
import { fastParse } from '../fast-argv.ts';
import { parityFastParse } from '../parity-argv.ts';
import type { CommandHandler } from '../commands/context.ts';
import { HOT } from '../hot.ts';
import { COMMANDS as COLD } from '../cold.ts';
import { FrameReader, frame } from './socket.ts';

/** The commands served warm; `idempotent` ones are rerun cold if the planner dies mid-call. */
const SERVED: Record<string, { load: () => Promise<CommandHandler>; idempotent: boolean }> = {
  state: { load: async () => HOT.state, idempotent: true },
  list: { load: async () => HOT.list, idempotent: true },
  version: { load: async () => HOT.version, idempotent: true },
  start: { load: async () => HOT.start, idempotent: false },
  kill: { load: async () => HOT.kill, idempotent: false },
  delete: { load: async () => HOT.delete, idempotent: false },
  pause: { load: COLD.pause, idempotent: false },
  resume: { load: COLD.resume, idempotent: false },
  ps: { load: COLD.ps, idempotent: true },
};

const NAMESPACES = ['mnt', 'user', 'pid'];

interface Planner {
  root: string;
  socket: string;
  build: string;
  idleMs: number;
  ino: number;
  started: number;
  calls: number;
  active: number;
  last: number;
  retiring: boolean;
  server: net.Server;
  /** Per container: the tail of the calls queued on it. */
  queues: Map<string, Promise<void>>;
  ns: Record<string, number>;
  cgroups: string[];
}

function log(msg: string): void {
  try { fs.writeSync(2, `${new Date().toISOString()} oci-ts planner ${process.pid}: ${msg}\n`); } catch { /* stderr closed */ }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The fds the front end sends first ([cwd, stdin, stdout, stderr]), with a 4-byte magic. */
async function recvHeader(fd: number, timeoutMs = 5000): Promise<{ magic: string; fds: number[] } | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = recvFds(fd, 4, 8);
    if (m) {
      if (!m.data.length) { for (const f of m.fds) closeFd(f); return undefined; }
      return { magic: m.data.toString('latin1'), fds: m.fds };
    }
    if (Date.now() > deadline) return undefined;
    await sleep(1);
  }
}

function readFrame(sock: net.Socket, reader: FrameReader, timeoutMs = 5000): Promise<any> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error, v?: any) => {
      clearTimeout(timer);
      sock.off('data', onData).off('end', onEnd).off('error', onEnd);
      if (err) reject(err); else resolve(v);
    };
    const onData = (c: Buffer) => {
      try {
        reader.push(c);
        const v = reader.next();
        if (v !== undefined) { sock.pause(); done(undefined, v); }
      } catch (e) { done(e as Error); }
    };
    const onEnd = () => done(new Error('the caller went away'));
    const timer = setTimeout(() => done(new Error('no request')), timeoutMs);
    sock.on('data', onData).on('end', onEnd).on('error', onEnd);
    sock.resume();
  });
}

function nsInode(pid: number | 'self', ns: string): number {
  return fs.statSync(`/proc/${pid}/ns/${ns}`).ino;
}

/** Why this call must take the cold path, or undefined when the planner can serve it. */
function refusal(p: Planner, req: any, peerPid: number, cwdFd: number): string | undefined {
  if (req.build !== p.build) return 'build';
  if (p.retiring) return 'retiring';
  try {
    for (const ns of NAMESPACES) if (nsInode(peerPid, ns) !== p.ns[ns]) return `namespace ${ns}`;
  } catch {
    return 'namespace';
  }
  // The cwd string must name the directory the caller is in (here, in the same mount namespace).
  try {
    const a = fs.fstatSync(cwdFd);
    const b = fs.statSync(String(req.cwd));
    if (a.dev !== b.dev || a.ino !== b.ino) return 'cwd';
  } catch {
    return 'cwd';
  }
  if (!Array.isArray(req.argv) || !Array.isArray(req.env)) return 'request';
  return undefined;
}

function envOf(list: string[]): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const kv of list) {
    const eq = kv.indexOf('=');
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return env;
}

/** Runs `fn` after the calls already queued on `key` (one container): see the header. */
async function serialised(p: Planner, key: string | undefined, fn: () => Promise<void>): Promise<void> {
  if (key === undefined) return fn();
  const prev = p.queues.get(key) ?? Promise.resolve();
  const mine = prev.then(fn, fn);
  const tail = mine.catch(() => {});
  p.queues.set(key, tail);
  try {
    await mine;
  } finally {
    if (p.queues.get(key) === tail) p.queues.delete(key);
  }
}

async function onCall(p: Planner, sock: net.Socket, req: any, peerPid: number, fds: number[]): Promise<void> {
  const reply = (v: unknown) => { if (!sock.destroyed) sock.write(frame(v)); };
  const why = refusal(p, req, peerPid, fds[0]);
  if (why) return reply({ t: 'cold', why });
  const args: string[] = req.argv.map(String);
  const parsed = execArgs(args);
  const argv = fastParse(parsed) ?? parityFastParse(parsed);
  const name = argv ? commandName(argv) : '';
  // Help, usage errors and the commands that fork (create, run, exec) are the cold path's.
  if (!argv || !Object.hasOwn(SERVED, name)) return reply({ t: 'cold', why: 'command' });
  // The planner's cwd is not the caller's: relative paths are the cold path's.
  if (!path.isAbsolute(String(argv.root)) || (argv.log && !path.isAbsolute(String(argv.log)))) return reply({ t: 'cold', why: 'relative path' });
  const served = SERVED[name];
  const key = argv.id === undefined ? undefined : `${argv.root}\0${argv.id}`;
  await serialised(p, key, async () => {
    reply({ t: 'started', idempotent: served.idempotent });
    let code = 1;
    try {
      code = await dispatch(argv, parsed, { env: envOf(req.env), cwd: String(req.cwd), stdio: { stdin: fds[1], stdout: fds[2], stderr: fds[3] } }, served.load);
    } catch (e) {
      log(`${name}: ${(e as Error).stack ?? e}`);
    }
    p.calls++;
    reply({ t: 'exit', code });
  });
}

function status(p: Planner): Record<string, unknown> {
  const cpu = process.cpuUsage();
  return {
    pid: process.pid, root: p.root, socket: p.socket, build: p.build, uptimeMs: Date.now() - p.started, calls: p.calls, active: p.active,
    idleMs: p.idleMs, rssKiB: Math.round(process.memoryUsage.rss() / 1024), cpuMs: Math.round((cpu.user + cpu.system) / 1000), cgroups: p.cgroups,
  };
}

async function onConnection(p: Planner, sock: net.Socket): Promise<void> {
  p.active++;
  p.last = Date.now();
  let fds: number[] = [];
  sock.on('error', () => {});
  try {
    const fd = (sock as any)._handle?.fd;
    if (typeof fd !== 'number' || fd < 0) return;
    const cred = peerCred(fd);
    // Only our own uid (the socket's directory is 0700 too).
    if (cred.uid !== process.geteuid!()) return;
    const head = await recvHeader(fd);
    if (!head) return;
    fds = head.fds;
    const req = await readFrame(sock, new FrameReader());
    if (head.magic === 'OCIC' && fds.length === 0) {
      // Control: `oci-ts planner status|stop`.
      if (req.op === 'stop') retire(p, 'stop requested');
      sock.write(frame({ t: 'status', ...status(p), retiring: p.retiring }));
      return;
    }
    if (head.magic !== 'OCI1' || fds.length !== 4) return;
    await onCall(p, sock, req, cred.pid, fds);
  } catch (e) {
    log(`connection: ${(e as Error).message}`);
  } finally {
    for (const f of fds) try { closeFd(f); } catch { /* closed */ }
    sock.end();
    p.active--;
    p.last = Date.now();
    if (p.retiring && p.active === 0) exit(p);
  }
}

function retire(p: Planner, why: string): void {
  if (p.retiring) return;
  p.retiring = true;
  log(`retiring: ${why}`);
  p.server.close();
  // Remove the socket only while it is still ours (a newer planner may have replaced it).
  try { if (fs.statSync(p.socket).ino === p.ino) fs.unlinkSync(p.socket); } catch { /* gone */ }
  if (p.active === 0) setImmediate(() => exit(p));
}

function exit(p: Planner): never {
  leaveCgroups(p.cgroups);
  process.exit(0);
}

/**
 * A cgroup of its own in every hierarchy (`oci-ts-planner` under each cgroup
 * mount's root), so a client's per-call cgroup (a systemd scope, a pod's
 * cgroup) neither accounts nor kills it. Best effort: a hierarchy it cannot
 * enter leaves it where it was. cgroups(7); cpuset v1 needs cpus and mems
 * set before a process may join.
 */
function joinCgroups(): string[] {
  const joined: string[] = [];
  let info = '';
  try { info = fs.readFileSync('/proc/self/mountinfo', 'utf8'); } catch { return joined; }
  const seen = new Set<string>();
  for (const line of info.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!right) continue;
    const [fstype, , opts = ''] = right.split(' ');
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const mnt = left.split(' ')[4];
    if (seen.has(mnt)) continue;
    seen.add(mnt);
    const dir = path.join(mnt, 'oci-ts-planner');
    try {
      try { fs.mkdirSync(dir, 0o755); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; }
      if (fstype === 'cgroup' && opts.split(',').includes('cpuset')) {
        for (const f of ['cpuset.cpus', 'cpuset.mems']) {
          if (!fs.readFileSync(path.join(dir, f), 'utf8').trim()) fs.writeFileSync(path.join(dir, f), fs.readFileSync(path.join(mnt, f), 'utf8').trim());
        }
      }
      fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(process.pid));
      joined.push(mnt);
    } catch (e) {
      log(`cgroup ${dir}: ${(e as Error).message}`);
    }
  }
  return joined;
}

/** Back to each hierarchy's root and remove our cgroup if no other planner is in it. */
function leaveCgroups(mounts: string[]): void {
  for (const mnt of mounts) {
    try {
      fs.writeFileSync(path.join(mnt, 'cgroup.procs'), String(process.pid));
      fs.rmdirSync(path.join(mnt, 'oci-ts-planner'));
    } catch { /* another planner is still in it */ }
  }
}

/** The directory must be ours and closed to everyone else before a socket goes in it. */
function socketDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(dir);
  if (!st.isDirectory() || st.uid !== process.geteuid!() || (st.mode & 0o077) !== 0) {
    throw new Error(`${dir}: not a directory of uid ${process.geteuid!()} with mode 0700`);
  }
}

/** Whether a planner of this build already answers on `socket`. */
function answering(socket: string, build: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(socket);
    const reader = new FrameReader();
    const done = (v: boolean) => { c.destroy(); resolve(v); };
    c.setTimeout(2000, () => done(false));
    c.on('error', () => done(false));
    c.on('connect', () => c.write(Buffer.concat([Buffer.from('OCIC'), frame({ op: 'status' })])));
    c.on('data', (d) => { try { reader.push(d); const v = reader.next(); if (v) done(v.build === build && !v.retiring); } catch { done(false); } });
    c.on('end', () => done(false));
  });
}

export async function serve(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const root = env.OCI_TS_PLANNER_ROOT, socket = env.OCI_TS_PLANNER_SOCKET, build = env.OCI_TS_PLANNER_BUILD;
  if (!root || !socket || !build) {
    log('OCI_TS_PLANNER_ROOT, OCI_TS_PLANNER_SOCKET and OCI_TS_PLANNER_BUILD are required (the front end sets them)');
    process.exit(2);
  }
  socketDir(path.dirname(socket));
  // Two front ends may have started one each: the second finds the first.
  if (await answering(socket, build)) process.exit(0);
  const ns: Record<string, number> = {};
  for (const n of NAMESPACES) ns[n] = nsInode('self', n);
  const p: Planner = {
    root, socket, build, idleMs: Number(env.OCI_TS_PLANNER_IDLE_MS) || 30_000, ino: 0, started: Date.now(), calls: 0, active: 0,
    last: Date.now(), retiring: false, server: net.createServer({ pauseOnConnect: true }), queues: new Map(), ns, cgroups: joinCgroups(),
  };
  p.server.on('connection', (sock) => void onConnection(p, sock));
  p.server.on('error', (e) => { log(`server: ${e.message}`); retire(p, 'server error'); });
  // Listen on a private name, then rename over the socket: a caller never
  // finds a socket that does not answer yet, and a newer build replaces an
  // older one atomically (the older one sees it and retires).
  const tmp = `${socket}.${process.pid}`;
  try { fs.unlinkSync(tmp); } catch { /* none */ }
  await new Promise<void>((resolve, reject) => { p.server.once('error', reject); p.server.listen(tmp, () => { p.server.off('error', reject); resolve(); }); });
  fs.chmodSync(tmp, 0o600);
  p.ino = fs.statSync(tmp).ino;
  fs.renameSync(tmp, socket);
  log(`serving ${root} on ${socket}`);
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => retire(p, sig));
  setInterval(() => {
    let ours = false;
    try { ours = fs.statSync(socket).ino === p.ino; } catch { /* removed */ }
    if (!ours) retire(p, 'socket replaced or removed');
    else if (p.active === 0 && Date.now() - p.last > p.idleMs) retire(p, 'idle');
  }, Math.min(1000, p.idleMs)).unref();
  // The server keeps the loop alive; the interval does not.
}
