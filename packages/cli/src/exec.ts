/**
 * `exec` (runc exec): run a new process in a running container. The process
 * program joins every namespace of the container's init by path
 * (/proc/<init>/ns/*, the pid namespace included, so it shows up in the
 * container's ps), is put in the container's cgroup on the executor's `pid`
 * request, and gets the container's capabilities, seccomp filter, LSM label,
 * rlimits, user and environment unless the caller gives others
 * (docs/init-program.md "exec into a running container").
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { InitProgram, NamespaceOp, NamespaceType } from '@oci/core/program';
import { compileProcess, type ProcessContext } from './compile/process.ts';
import { hostLsm } from './compile/index.ts';
import { statusOf } from './container.ts';
import { core, parseConfigText, seccompCompiler } from './deps.ts';
import { logProgram } from './debug-log.ts';
import { OciError } from './errors.ts';
import { runProtocol, SyncChannel } from './init-protocol.ts';
import type { Logger } from './log.ts';
import type { Spec } from '@oci/spec';
import type { SavedState, StateStore } from './state.ts';
import { MAX_CONFIG_BYTES, readRegularFile } from './files.ts';

type Process = NonNullable<Spec['process']>;

export interface ExecOptions {
  store: StateStore;
  id: string;
  cwd: string;
  logger: Logger;
  /** A runtime-spec Process (from --process FILE); replaces the container's process as a whole, as runc. */
  process?: Process;
  /** Arguments (without --process); the rest comes from the container's process. */
  args?: string[];
  tty?: boolean;
  consoleSocket?: string;
  processCwd?: string;
  env?: string[];
  /** "UID[:GID]" (numbers only, as runc). */
  user?: string;
  additionalGids?: number[];
  caps?: string[];
  noNewPrivs?: boolean;
  apparmor?: string;
  processLabel?: string;
  preserveFds?: number;
  /** "PATH" or "CONTROLLER:PATH" sub-cgroup of the container's (runc exec --cgroup). */
  cgroup?: string[];
  ignorePaused?: boolean;
  stdio?: [number, number, number];
  /** Foreground with a terminal: the caller's terminal size, for the new pty. */
  terminalSize?: { rows: number; columns: number };
  /** The caller reaps the process itself (foreground): become the child subreaper first. */
  foreground?: boolean;
}

export interface Execed {
  pid: number;
  /** Foreground only: resolves with the exec'd process's status. */
  exit?: Promise<{ exitCode: number | null; signal: number | null }>;
  /** Foreground with a terminal and no console socket: the pty master. */
  consoleMaster?: number;
}

// /proc/<pid>/ns/<name> for each runtime-spec namespace type (namespaces(7)).
const NS_FILE: Record<NamespaceType, string> = { pid: 'pid', network: 'net', mount: 'mnt', ipc: 'ipc', uts: 'uts', user: 'user', cgroup: 'cgroup', time: 'time' };

/** The process the exec runs: --process as given, or the container's with the flags applied (runc utils_linux.go getProcess). */
export function execProcess(spec: Spec, o: Omit<ExecOptions, 'store' | 'id' | 'cwd' | 'logger'>): Process {
  let p: Process;
  if (o.process) {
    p = structuredClone(o.process);
    // runc newInitConfig: a process without its own profile or label runs
    // under the container's, never unconfined.
    if (!p.apparmorProfile && spec.process?.apparmorProfile) p.apparmorProfile = spec.process.apparmorProfile;
    if (!p.selinuxLabel && spec.process?.selinuxLabel) p.selinuxLabel = spec.process.selinuxLabel;
  } else {
    if (!o.args?.length) throw new OciError('EUSAGE', 'exec: args must not be empty (give a command or --process)');
    const base = spec.process;
    if (!base) throw new OciError('ECONFIG', 'exec: the container has no process to take defaults from');
    p = structuredClone(base);
    p.args = [...o.args];
    p.terminal = false;
  }
  if (o.tty !== undefined) p.terminal = o.tty;
  if (o.processCwd) p.cwd = o.processCwd;
  if (o.env?.length) p.env = [...(p.env ?? []), ...o.env];
  if (o.apparmor) p.apparmorProfile = o.apparmor;
  if (o.processLabel) p.selinuxLabel = o.processLabel;
  if (o.noNewPrivs) p.noNewPrivileges = true;
  if (o.user) {
    const [u, g] = o.user.split(':');
    const uid = Number(u);
    const gid = g === undefined ? (p.user?.gid ?? 0) : Number(g);
    if (!/^\d+$/.test(u) || !Number.isSafeInteger(uid)) throw new OciError('EUSAGE', `parsing ${u} as int for uid failed`);
    if (g !== undefined && (!/^\d+$/.test(g) || !Number.isSafeInteger(gid))) throw new OciError('EUSAGE', `parsing ${g} as int for gid failed`);
    p.user = { ...(p.user ?? { uid: 0, gid: 0 }), uid, gid };
  }
  if (o.additionalGids?.length) {
    for (const g of o.additionalGids) if (!Number.isInteger(g) || g < 0) throw new OciError('EUSAGE', `additional-gids must be a positive number ${g}`);
    p.user = { ...(p.user ?? { uid: 0, gid: 0 }) };
    p.user.additionalGids = [...(p.user.additionalGids ?? []), ...o.additionalGids];
  }
  if (o.caps?.length) {
    const c = { ...(p.capabilities ?? {}) };
    for (const cap of o.caps) {
      c.bounding = [...(c.bounding ?? []), cap];
      c.effective = [...(c.effective ?? []), cap];
      c.permitted = [...(c.permitted ?? []), cap];
      // As runc: ambient needs inheritable, which --cap does not add; only when the process already has inheritable caps.
      if (c.inheritable) c.ambient = [...(c.ambient ?? []), cap];
    }
    p.capabilities = c;
  }
  return p;
}

/** Namespaces to join: every one the container's config lists, at the init's /proc/<pid>/ns path. */
export function execNamespaces(spec: Spec, initPid: number): NamespaceOp[] {
  const types = new Set((spec.linux?.namespaces ?? []).map((n) => n.type as NamespaceType));
  // user first (the executor handles it first anyway); mount last so /proc/<pid> still resolves on the host.
  const order: NamespaceType[] = ['user', 'cgroup', 'ipc', 'uts', 'network', 'pid', 'time', 'mount'];
  return order.filter((t) => types.has(t)).map((type) => ({ type, path: `/proc/${initPid}/ns/${NS_FILE[type]}` }));
}

/** The cgroup directories the process goes to: the container's, or the --cgroup sub-cgroups of it. */
export function execCgroupDirs(paths: Record<string, string>, sub: string[] = []): string[] {
  const dirs = new Map(Object.entries(paths));
  for (const s of sub) {
    const i = s.indexOf(':');
    const [ctrls, rel] = i >= 0 ? [s.slice(0, i).split(','), s.slice(i + 1)] : [[...dirs.keys()], s];
    for (const c of ctrls) {
      const base = paths[c];
      if (base === undefined) throw new OciError('EUSAGE', `--cgroup: controller ${c} is not one of the container's`);
      // As runc: the path is joined to the container's cgroup as given, and
      // must stay inside it ("..", "/../x" and "a/../.." leave it).
      const d = path.join(base, rel);
      if (d !== path.normalize(base) && !d.startsWith(`${path.normalize(base).replace(/\/$/, '')}/`)) {
        throw new OciError('EUSAGE', `${rel} is not a sub cgroup path`);
      }
      if (!fs.existsSync(path.join(d, 'cgroup.procs'))) throw new OciError('ENOENT', `--cgroup: ${d} does not exist`);
      dirs.set(c, d);
    }
  }
  return [...new Set(dirs.values())];
}

export function checkExecStatus(store: StateStore, s: SavedState, ignorePaused = false): void {
  const status = statusOf(store, s);
  if (status === 'stopped') throw new OciError('ESTOPPED', 'cannot exec in a stopped container');
  if (status === 'paused' && !ignorePaused) throw new OciError('EPAUSED', 'cannot exec in a paused container (use --ignore-paused to override)');
  if (status === 'creating') throw new OciError('ESTATUS', 'cannot exec in a container that is being created');
}

export async function readContainerConfig(s: SavedState): Promise<Spec> {
  // The bundle's config.json is the container's config (runc keeps a copy in its state; the bundle must stay in place while it runs).
  let text: string;
  try {
    text = readRegularFile(path.join(s.bundle, 'config.json'), { what: "read the container's config", maxBytes: MAX_CONFIG_BYTES });
  } catch (e) {
    throw new OciError('ENOCONFIG', (e as Error).message, { cause: e });
  }
  return parseConfigText(text);
}

function socketFd(s: net.Socket): number {
  const fd = (s as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new OciError('ECONSOLE', 'console socket has no file descriptor');
  return fd;
}

async function connect(p: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection({ path: p });
    s.once('connect', () => resolve(s));
    s.once('error', (e) => reject(new OciError('ECONSOLE', `connecting to console socket ${p}: ${e.message}`, { cause: e })));
  });
}

export async function exec(o: ExecOptions): Promise<Execed> {
  const s = o.store.read(o.id);
  checkExecStatus(o.store, s, o.ignorePaused);
  const spec = await readContainerConfig(s);
  const proc = execProcess(spec, o);
  if (proc.terminal === false && o.consoleSocket) throw new OciError('ECONSOLE', 'cannot use console socket if oci-ts will not detach or allocate tty');
  if (proc.terminal && !o.consoleSocket && !o.foreground) throw new OciError('ECONSOLE', 'cannot allocate tty if oci-ts will detach without setting console socket');
  if (proc.terminal && !o.consoleSocket && o.foreground && !proc.consoleSize && o.terminalSize) {
    // The caller's terminal size from the start (runc does the same before the first SIGWINCH).
    proc.consoleSize = { height: o.terminalSize.rows, width: o.terminalSize.columns };
  }
  const ctx: ProcessContext = {
    preserveFds: o.preserveFds ?? 0,
    seccompCompiler: spec.linux?.seccomp ? await seccompCompiler() : undefined,
    lsm: hostLsm(),
    warn: (m) => o.logger.warn(m),
  };
  const program: InitProgram = {
    version: 1,
    namespaces: execNamespaces(spec, s.pid),
    rootfs: { path: s.rootfs, propagation: 0, readonly: false, pivotRoot: true },
    mounts: [], devices: [], symlinks: [], maskedPaths: [], readonlyPaths: [], sysctl: [],
    sessionKeyring: false,
    createContainerHooks: [], startContainerHooks: [],
    process: compileProcess({ ...spec, process: proc }, ctx),
  };
  if (!program.namespaces.some((n) => n.type === 'mount')) {
    // Without a mount namespace the init chroot'ed nowhere: the process runs in the host root, as runc does then.
    throw new OciError('EUNSUPPORTED', 'exec into a container without a mount namespace is not supported by oci-ts');
  }
  const cgroupDirs = execCgroupDirs(s.cgroupPaths ?? {}, o.cgroup);
  logProgram(o.logger, 'exec', o.id, program);

  const c = await core();
  const spawnInit = c.spawnInit as (opts: unknown) => { pid: number; syncFd: number };
  const waitPid = c.waitPid as (pid: number) => Promise<{ exitCode: number | null; signal: number | null }>;
  if (o.foreground) (c.setChildSubreaper as (on: boolean) => void)(true);

  let consoleSock: net.Socket | undefined;
  let own: [number, number] | undefined;
  let consoleSocketFd: number | undefined;
  if (proc.terminal) {
    if (o.consoleSocket) {
      consoleSock = await connect(path.resolve(o.cwd, o.consoleSocket));
      consoleSocketFd = socketFd(consoleSock);
    } else {
      own = (c.socketpair as () => [number, number])();
      consoleSocketFd = own[1];
    }
  }
  const closeOwn = () => { for (const fd of own ?? []) { try { fs.closeSync(fd); } catch { /* closed */ } } own = undefined; };
  let stage1 = 0;
  let pid = 0;
  let stage1Exit: Promise<{ exitCode: number | null; signal: number | null }> | undefined;
  let channel: SyncChannel | undefined;
  try {
    const spawned = spawnInit({
      program: JSON.stringify(program),
      stdio: o.stdio ?? [0, 1, 2],
      preserveFds: Array.from({ length: o.preserveFds ?? 0 }, (_, i) => 3 + i),
      ...(consoleSocketFd !== undefined ? { consoleSocketFd } : {}),
    });
    stage1 = spawned.pid;
    stage1Exit = waitPid(stage1);
    stage1Exit.catch(() => {});
    channel = new SyncChannel(spawned.syncFd);
    await runProtocol(channel, {
      logger: o.logger,
      id: o.id,
      idmap: () => { throw new OciError('EPROTOCOL', 'exec joins the user namespace: no id maps to write'); },
      pid: (p) => {
        pid = p;
        // cgroups(7): writing a pid to cgroup.procs moves that process; every hierarchy the container is in.
        for (const d of cgroupDirs) fs.writeFileSync(path.join(d, 'cgroup.procs'), String(p));
        o.logger.debug('cgroup: process placed', { id: o.id, pid: p, paths: cgroupDirs });
        return { ociVersion: s.ociVersion, id: s.id, status: 'running', pid: s.pid, bundle: s.bundle };
      },
      createRuntime: () => {},
    });
    channel.close();
    channel = undefined;
    consoleSock?.destroy();
    let consoleMaster: number | undefined;
    if (own) {
      consoleMaster = (c.recvFd as (fd: number, timeoutMs?: number) => { fd: number })(own[0], 5000).fd;
      closeOwn();
    }
    // Stage 1 exits right after `pid` when it forked into the pid namespace; reap it.
    if (stage1 !== pid) await stage1Exit;
    const exit = o.foreground ? (stage1 === pid ? stage1Exit : waitPid(pid)) : undefined;
    o.logger.debug('exec started', { id: o.id, pid });
    return { pid, exit, consoleMaster };
  } catch (e) {
    channel?.close();
    consoleSock?.destroy();
    closeOwn();
    for (const p of [pid, stage1]) if (p > 0) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
    await stage1Exit?.catch(() => {});
    throw e;
  }
}

/** runc writes the pid file atomically (tmp + rename) so readers never see it empty. */
export function writePidFile(p: string, pid: number): void {
  const tmp = path.join(path.dirname(p), `.${path.basename(p)}.${process.pid}`);
  fs.writeFileSync(tmp, String(pid), { mode: 0o644 });
  fs.renameSync(tmp, p);
}
