/**
 * `create` (runtime.md "Lifecycle" steps 1-5, runc create): validate the
 * bundle, compile the config into an init program, start the init through
 * @oci/core, answer its protocol requests (id maps, cgroups, createRuntime
 * hooks), record state.json and the pid file. The init then blocks on
 * exec.fifo until `start`.
 *
 * A create that fails at any step undoes everything it did (design.md
 * "State and concurrency"): the init is killed and reaped, the cgroups,
 * fifo, pid file and state directory removed.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { InitProgram } from '@oci/core/program';
import { cgroupMountpoints, compileProgram } from '../compile/index.ts';
import { rfc3339Nano, ociState } from '../container.ts';
import { cgroupManager, core, parseConfigText, seccompCompiler, systemdCgroupManager, type CgroupManager, type SystemdSaved } from '../deps.ts';
import { logProgram } from '../debug-log.ts';
import { OciError } from '../errors.ts';
import { runHooks } from '../hooks.ts';
import { runProtocol, SyncChannel } from '../init-protocol.ts';
import type { Logger } from '../log.ts';
import { procStat, waitGone } from '../proc.ts';
import type { Spec } from '@oci/spec';
import { validateId, type SavedState, type StateStore } from '../state.ts';
import { cgroupResources, destroyCgroups, needsCgroups } from './cgroup.ts';
import { childFailStep, maybeFail } from './fail-at.ts';
import { fileError, MAX_CONFIG_BYTES, readRegularFile } from '../files.ts';

export interface CreateOptions {
  store: StateStore;
  id: string;
  /** Bundle directory (absolute or relative to cwd). */
  bundle: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  pidFile?: string;
  consoleSocket?: string;
  noPivot?: boolean;
  noNewKeyring?: boolean;
  preserveFds?: number;
  systemdCgroup?: boolean;
  stdio?: [number, number, number];
  /** `run` in the foreground: it will reap the init itself (and may use a console of its own). */
  foreground?: boolean;
  /** `run` in the foreground with a terminal: the fd of the socket the pty master is sent to. */
  consoleSocketFd?: number;
}

export interface Created {
  state: SavedState;
  spec: Spec;
  /** The pid spawnInit returned (stage 1; equal to state.pid without a pid namespace). */
  stage1Pid: number;
  /** Resolves when stage 1 has been reaped (its exit status). */
  stage1Exit: Promise<{ exitCode: number | null; signal: number | null }> | undefined;
  /** `run` in the foreground with a terminal: the pty master (the caller proxies it). */
  consoleMaster?: number;
}

type WaitPid = (pid: number) => Promise<{ exitCode: number | null; signal: number | null }>;

async function readBundleConfig(bundle: string): Promise<Spec> {
  let text: string;
  try {
    text = readRegularFile(path.join(bundle, 'config.json'), { what: 'read config', maxBytes: MAX_CONFIG_BYTES });
  } catch (e) {
    const code = (e as OciError).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new OciError('ENOCONFIG', `${fs.existsSync(bundle) ? path.join(bundle, 'config.json') : bundle}: no such file or directory`);
    }
    throw new OciError('ENOCONFIG', (e as Error).message, { cause: e });
  }
  return parseConfigText(text);
}

/**
 * root.path must name the rootfs itself, not a symlink to it (nor a path
 * through one): the init binds it onto itself and pivots into it, and a
 * link would be followed to wherever it points, "/" included. runc refuses
 * the same (libcontainer/configs/validate rootfs()), with these words.
 */
function checkRootfs(spec: Spec, bundle: string): void {
  if (typeof spec.root?.path !== 'string' || !spec.root.path) return; // the compiler names the field
  const rootfs = path.resolve(bundle, spec.root.path);
  let real: string;
  try {
    real = fs.realpathSync(rootfs);
  } catch (e) {
    throw new OciError('EROOTFS', `invalid rootfs: ${fileError(e, 'stat', rootfs).message}`, { cause: e });
  }
  if (real !== rootfs) throw new OciError('EROOTFS', 'invalid rootfs: not an absolute path, or a symlink');
}

/** exec.fifo, 0622 as runc's: @oci/core's mkfifo(3) (Node has none), else coreutils' mkfifo (a 9 ms spawn). */
async function mkfifo(p: string): Promise<void> {
  const c = await core();
  if (typeof c.mkfifo === 'function') {
    (c.mkfifo as (path: string, mode: number) => void)(p, 0o622);
    return;
  }
  const { execFileSync } = await import('node:child_process');
  execFileSync('mkfifo', ['-m', '0622', p], { stdio: 'ignore' });
}

async function connectConsole(p: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection({ path: p });
    s.once('connect', () => resolve(s));
    s.once('error', (e) => reject(new OciError('ECONSOLE', `connecting to console socket ${p}: ${e.message}`, { cause: e })));
  });
}

function socketFd(s: net.Socket): number {
  const fd = (s as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new OciError('ECONSOLE', 'console socket has no file descriptor');
  return fd;
}

export async function create(o: CreateOptions): Promise<Created> {
  const { store, id, logger, env } = o;
  const bundle = path.resolve(o.cwd, o.bundle);
  const cleanup: Array<() => Promise<void> | void> = [];
  let stage1Pid = 0;
  let initPid = 0;
  let stage1Exit: Created['stage1Exit'];
  let channel: SyncChannel | undefined;
  let consoleSock: net.Socket | undefined;

  try {
    validateId(id);
    maybeFail(env, 'config');
    const spec = await readBundleConfig(bundle);
    const terminal = !!spec.process?.terminal;
    if (terminal && !o.consoleSocket && o.consoleSocketFd === undefined && !o.foreground) {
      throw new OciError('ECONSOLE', 'cannot allocate tty if oci-ts will detach without setting console socket');
    }
    if (!terminal && o.consoleSocket) throw new OciError('ECONSOLE', 'cannot use console socket if oci-ts will not detach or allocate tty');

    // The id is checked before anything is compiled, as runc does. The lock
    // keeps a concurrent delete/start/kill of this id out until create is done.
    maybeFail(env, 'state-dir');
    const release = await store.lock(id);
    cleanup.push(release);
    store.createDir(id);
    cleanup.push(() => store.remove(id));
    checkRootfs(spec, bundle);

    let manager: CgroupManager | undefined;
    let systemdUnit: SystemdSaved | undefined;
    if (o.systemdCgroup) {
      // runc: with --systemd-cgroup every container gets a unit, resources or not.
      maybeFail(env, 'cgroup');
      const m = await systemdManager(id, spec);
      manager = m;
      systemdUnit = m.saved();
      cleanup.push(() => m.destroy());
    } else if (needsCgroups(spec)) {
      maybeFail(env, 'cgroup');
      manager = await cgroupManager({ id, cgroupsPath: spec.linux?.cgroupsPath, systemd: false, resources: cgroupResources(spec) });
      const m = manager;
      // Before the cleanup is registered: a refused cgroup is not ours to empty or remove.
      checkExistingCgroup(m, logger);
      cleanup.push(() => m.destroy());
    }

    maybeFail(env, 'compile');
    const fifo = store.fifoPath(id);
    const program: InitProgram & { debugFailStep?: string } = compileProgram(spec, {
      bundle,
      execFifo: fifo,
      noPivot: o.noPivot,
      noNewKeyring: o.noNewKeyring,
      preserveFds: o.preserveFds ?? 0,
      seccompCompiler: spec.linux?.seccomp ? await seccompCompiler() : undefined,
      warn: (m) => logger.warn(m),
      cgroup: manager ? { mode: manager.paths()[''] !== undefined && Object.keys(manager.paths()).length === 1 ? 'v2' : 'hybrid', paths: manager.paths(), mountpoints: cgroupMountpoints(fs.readFileSync('/proc/self/mountinfo', 'utf8')) } : undefined,
    });
    logProgram(logger, 'create', id, program);
    const failStep = childFailStep(env);
    if (failStep) program.debugFailStep = failStep;

    maybeFail(env, 'fifo');
    await mkfifo(fifo);

    const state: SavedState = {
      ociVersion: spec.ociVersion,
      id,
      phase: 'creating',
      pid: 0,
      pidStartTime: '',
      bundle,
      rootfs: program.rootfs.path,
      created: rfc3339Nano(),
      owner: '',
      cgroupPaths: manager?.paths() ?? {},
      ...(systemdUnit ? { cgroupSystemd: systemdUnit } : {}),
      hooks: { poststart: spec.hooks?.poststart, poststop: spec.hooks?.poststop },
      pidNamespace: program.namespaces.some((n) => n.type === 'pid' && !n.path),
    };
    if (spec.annotations) state.annotations = spec.annotations;

    const c = await core();
    const spawnInit = c.spawnInit as undefined | ((opts: unknown) => { pid: number; syncFd: number });
    const waitPid = c.waitPid as undefined | WaitPid;
    if (typeof spawnInit !== 'function' || typeof waitPid !== 'function') {
      throw new OciError('EDEPENDENCY', 'the @oci/core executor (spawnInit, waitPid) is not available yet');
    }

    let consoleSocketFd = o.consoleSocketFd;
    let ownConsole: [number, number] | undefined;
    if (terminal && o.foreground && !o.consoleSocket && consoleSocketFd === undefined) {
      // `run` with a terminal and no --console-socket: a socketpair of our own receives the master.
      ownConsole = (c.socketpair as () => [number, number])();
      const pair = ownConsole;
      cleanup.push(() => { for (const fd of pair) { try { fs.closeSync(fd); } catch { /* closed */ } } });
      consoleSocketFd = pair[1];
    }
    if (o.consoleSocket) {
      maybeFail(env, 'console-socket');
      consoleSock = await connectConsole(path.resolve(o.cwd, o.consoleSocket));
      consoleSocketFd = socketFd(consoleSock);
    }

    maybeFail(env, 'spawn');
    const preserve = Array.from({ length: o.preserveFds ?? 0 }, (_, i) => 3 + i);
    const spawned = spawnInit({
      program: JSON.stringify(program),
      stdio: o.stdio ?? [0, 1, 2],
      preserveFds: preserve,
      ...(consoleSocketFd !== undefined ? { consoleSocketFd } : {}),
    });
    stage1Pid = spawned.pid;
    stage1Exit = waitPid(stage1Pid);
    stage1Exit.catch(() => {});
    channel = new SyncChannel(spawned.syncFd);
    state.stage1Pid = stage1Pid;
    // Written before the first protocol step so that a SIGKILLed create can be cleaned by `delete --force`.
    store.write(id, state);
    logger.debug('init spawned', { id, pid: stage1Pid });

    await runProtocol(channel, {
      logger,
      id,
      idmap: (pid) => {
        maybeFail(env, 'idmap-write');
        const m = program.idMapping!;
        // user_namespaces(7): setgroups must be written before gid_map.
        fs.writeFileSync(`/proc/${pid}/setgroups`, m.setgroups);
        fs.writeFileSync(`/proc/${pid}/uid_map`, m.uidMap);
        fs.writeFileSync(`/proc/${pid}/gid_map`, m.gidMap);
      },
      pid: async (pid) => {
        initPid = pid;
        state.pid = pid;
        state.pidStartTime = procStat(pid)?.startTime ?? '';
        if (manager) {
          maybeFail(env, 'cgroup-apply');
          await manager.apply(pid);
          await manager.set(cgroupResources(spec) ?? {});
          state.cgroupPaths = manager.paths();
          state.cgroupCreated = manager.createdParents?.() ?? [];
          logger.debug('cgroup: init placed', { id, pid, paths: state.cgroupPaths });
        }
        store.write(id, state);
        return ociState(state, 'creating');
      },
      createRuntime: async () => {
        maybeFail(env, 'prestart');
        // runtime.md: prestart (deprecated) then createRuntime, in the runtime
        // namespace. Prestart hooks see `created` as crun gives them (runtime.md
        // "Lifecycle": they run after the create operation's environment is made).
        await runHooks('prestart', spec.hooks?.prestart, JSON.stringify(ociState(state, 'created')), logger);
        await runHooks('createRuntime', spec.hooks?.createRuntime, JSON.stringify(ociState(state, 'creating')), logger);
      },
    });
    channel.close();
    channel = undefined;

    maybeFail(env, 'state-write');
    state.phase = 'created';
    store.write(id, state);
    if (o.pidFile) {
      maybeFail(env, 'pid-file');
      const pf = path.resolve(o.cwd, o.pidFile);
      writePidFile(pf, initPid);
      cleanup.push(() => fs.rmSync(pf, { force: true }));
    }
    consoleSock?.destroy();
    let consoleMaster: number | undefined;
    if (ownConsole) {
      // The init sent the master before "ready" (docs/init-program.md), so this does not wait.
      consoleMaster = (c.recvFd as (fd: number, timeoutMs?: number) => { fd: number }) (ownConsole[0], 5000).fd;
      for (const fd of ownConsole) fs.closeSync(fd);
      cleanup.pop();
    }
    // Stage 1 exits right after the pid step when it forked the init; reap it so no zombie is left.
    if (stage1Pid !== initPid) await stage1Exit;
    logger.debug('container created', { id, pid: initPid });
    release();
    return { state, spec, stage1Pid, stage1Exit, consoleMaster };
  } catch (err) {
    channel?.close();
    consoleSock?.destroy();
    await undo(cleanup, stage1Pid, initPid, stage1Exit, logger);
    throw err;
  }
}

/**
 * An existing cgroup (a cgroupsPath shared with another container, or made
 * by hand) as runc's factory Create: processes in it only earn a warning,
 * but a frozen one is refused, as the init would hang there forever.
 */
function checkExistingCgroup(m: CgroupManager, logger: Logger): void {
  if (!m.exists?.()) return;
  const pids = m.pids?.() ?? [];
  if (pids.length) logger.warn(`container's cgroup is not empty: ${pids.length} process(es) found`);
  let st: string | undefined;
  try { st = m.freezerState?.(); } catch { /* no freezer here, or the directory is not there on this hierarchy */ }
  if (st === 'frozen' || st === 'freezing') throw new OciError('EFROZEN', "container's cgroup unexpectedly frozen");
}

/** The systemd driver; a host without systemd is an error naming the flag (runc's text after it). */
async function systemdManager(id: string, spec: Spec) {
  try {
    return await systemdCgroupManager({ id, cgroupsPath: spec.linux?.cgroupsPath, resources: cgroupResources(spec), annotations: spec.annotations });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOSYSTEMD') throw new OciError('ENOSYSTEMD', `--systemd-cgroup: ${(e as Error).message.replace(/^cgroups: /, '')}`);
    throw e;
  }
}

function writePidFile(p: string, pid: number): void {
  // runc writes the pid file atomically (tmp + rename) so readers never see it empty.
  const tmp = path.join(path.dirname(p), `.${path.basename(p)}.${process.pid}`);
  fs.writeFileSync(tmp, String(pid), { mode: 0o644 });
  fs.renameSync(tmp, p);
}

async function undo(cleanup: Array<() => Promise<void> | void>, stage1Pid: number, initPid: number, stage1Exit: Created['stage1Exit'], logger: Logger) {
  for (const pid of [initPid, stage1Pid]) {
    if (pid > 0) { try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ } }
  }
  if (stage1Exit) await stage1Exit.catch(() => {});
  if (initPid && initPid !== stage1Pid) await waitGone(initPid, undefined, 5000);
  for (const fn of cleanup.reverse()) {
    try { await fn(); } catch (e) { logger.warn(`cleanup after failed create: ${(e as Error).message}`); }
  }
}

export { destroyCgroups };
