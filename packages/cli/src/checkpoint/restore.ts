/**
 * `restore` (runc restore.go, libcontainer Container.Restore): bring a
 * checkpointed container back under an id that must not exist yet, from the
 * bundle's config.json and an image directory. As runc does:
 * - the state directory, cgroups and (later) state.json and the pid file are
 *   made here; CRIU is put in the container's cgroups before it restores
 *   (criuApplyCgroups) and told their paths (cg_root);
 * - CRIU's root is the rootfs bound onto <state dir>/criu-root (CRIU wants a
 *   mount point whose parent is not overmounted);
 * - host mounts, masked files and device nodes are external mounts, net/pid
 *   namespaces given by path are passed as inherit_fd (extRootNetNS), other
 *   namespaces by path are joined (join_ns);
 * - CRIU restores the tree as its sibling (rst_sibling), so the restored
 *   init is this process's child;
 * - prestart and createRuntime hooks run at CRIU's "setup-namespaces", the
 *   state is recorded at "post-restore", and a terminal's new pty master
 *   ("orphan-pts-master") goes to --console-socket.
 * A failed restore leaves nothing behind: restored tasks killed, cgroups,
 * pid file and state directory removed.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { rfc3339Nano, ociState } from '../container.ts';
import { cgroupManager, core, type CgroupManager } from '../deps.ts';
import { OciError } from '../errors.ts';
import { runHooks } from '../hooks.ts';
import { cgroupResources, needsCgroups } from '../lifecycle/cgroup.ts';
import { procStat, waitGone } from '../proc.ts';
import { validateId, type SavedState, type StateStore } from '../state.ts';
import type { Spec } from '@oci/spec';
import { cgMode, commonCriuOpts, openDir, readSpec, checkFeatures, type CriuCommonOptions } from './checkpoint.ts';
import { criuFailure } from './criu-log.ts';
import { cleanDest, isBind, nsKey, restoreExternalMounts } from './external.ts';
import { ReqType, type CriuOpts, type CriuReq } from './rpc.ts';
import { swrk } from './swrk.ts';

export interface RestoreOptions extends CriuCommonOptions {
  bundle: string;
  cwd: string;
  pidFile?: string;
  consoleSocket?: string;
  detach?: boolean;
  /** Accepted for runc's argv; CRIU restores the mount namespace itself. */
  noPivot?: boolean;
  lsmProfile?: string;
  lsmMountContext?: string;
  stdio?: [number, number, number];
}

/** CRIU's namespace names (runc configs.NsName). */
const CRIU_NS: Record<string, string> = { network: 'net', pid: 'pid', mount: 'mnt', uts: 'uts', ipc: 'ipc', user: 'user', cgroup: 'cgroup', time: 'time' };

/**
 * Creates a missing mount point inside the rootfs (runc prepareCriuRestoreMounts),
 * walking it one component at a time with lstat: a symlink in the rootfs is
 * never followed (the mount point is then left to CRIU, which fails clearly).
 */
function ensureMountpoint(rootfs: string, dest: string, file: boolean): void {
  const parts = cleanDest(dest).split('/').filter(Boolean);
  let cur = rootfs;
  for (const [i, part] of parts.entries()) {
    cur = path.join(cur, part);
    const last = i === parts.length - 1;
    let st: fs.Stats | undefined;
    try { st = fs.lstatSync(cur); } catch { /* missing */ }
    if (st?.isSymbolicLink()) return;
    if (st) continue;
    if (last && file) fs.closeSync(fs.openSync(cur, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW, 0o644));
    else fs.mkdirSync(cur, { mode: 0o755 });
  }
}

function prepareMountpoints(spec: Spec, rootfs: string, bundle: string): void {
  const mounts = spec.mounts ?? [];
  const tmpfs = mounts.filter((m) => m.type === 'tmpfs').map((m) => cleanDest(m.destination));
  for (const m of mounts) {
    const dest = cleanDest(m.destination);
    // CRIU restores a tmpfs with its content, mount points inside it included.
    if (tmpfs.some((t) => dest.startsWith(`${t}/`))) continue;
    if (m.type === 'cgroup') continue;
    let file = false;
    if (isBind(m) && m.source) { try { file = !fs.statSync(path.resolve(bundle, m.source)).isDirectory(); } catch { /* CRIU reports it */ } }
    try { ensureMountpoint(rootfs, dest, file); } catch (e) {
      throw new OciError('ECRIU', `create criu restore mountpoint for ${dest} mount: ${(e as Error).message}`, { cause: e });
    }
  }
}

/** /proc/<pid>/cgroup → cg_root entries (runc criuApplyCgroups; "a,b" hierarchies give one entry per controller). */
function cgroupRoots(pid: number): { ctrl: string; path: string }[] {
  const out: { ctrl: string; path: string }[] = [];
  for (const line of fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    for (const ctrl of m[1].split(',')) out.push({ ctrl, path: m[2] });
  }
  return out;
}

/** Without a cgroup manager the restored tasks stay in ours (CRIU's): our own cgroup directories. */
function ownCgroupDirs(): string[] {
  const v2 = /^0::(.*)$/m.exec(fs.readFileSync('/proc/self/cgroup', 'utf8'));
  return v2 ? [path.posix.join('/sys/fs/cgroup', v2[1])] : [];
}

async function connectConsole(p: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection({ path: p });
    s.once('connect', () => resolve(s));
    s.once('error', (e) => reject(new OciError('ECONSOLE', `connecting to console socket ${p}: ${e.message}`, { cause: e })));
  });
}

export async function restore(store: StateStore, id: string, o: RestoreOptions): Promise<SavedState> {
  validateId(id);
  const bundle = path.resolve(o.cwd, o.bundle);
  const spec = await readSpec(bundle);
  const terminal = !!spec.process?.terminal;
  if (terminal && !o.consoleSocket) {
    throw new OciError('ECONSOLE', o.detach
      ? 'cannot allocate tty if oci-ts will detach without setting console socket'
      : 'restoring a container with a terminal needs --console-socket (the restored pty master is sent there)');
  }
  if (!terminal && o.consoleSocket) throw new OciError('ECONSOLE', 'cannot use console socket if oci-ts will not detach or allocate tty');
  const mode = cgMode(o.manageCgroupsMode);
  const c = await core();
  const cleanup: Array<() => Promise<void> | void> = [];
  const after: Array<() => void> = [];
  let restoredPid = 0;
  const release = await store.lock(id);
  try {
    store.createDir(id);
    cleanup.push(() => {
      // Never a recursive removal while the rootfs may still be bound at criu-root: that would empty the rootfs.
      const root = path.join(store.dir(id), 'criu-root');
      try { fs.rmdirSync(root); } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new OciError('EBUSY', `${root} is still in use (${(e as Error).message}); state directory left`, { cause: e });
      }
      store.remove(id);
    });
    const imagesDirFd = openDir(o.imagePath, false);
    after.push(() => fs.closeSync(imagesDirFd));
    let logDir = o.imagePath;
    let descriptors: string[];
    try {
      descriptors = JSON.parse(fs.readFileSync(path.join(o.imagePath, 'descriptors.json'), 'utf8'));
    } catch (e) {
      throw new OciError('ECRIU', `open ${path.join(o.imagePath, 'descriptors.json')}: ${(e as Error).message}`, { cause: e });
    }
    if (o.lazyPages) await checkFeatures(o.criu, { lazyPages: true });

    const rootfs = path.resolve(bundle, spec.root?.path ?? 'rootfs');
    let manager: CgroupManager | undefined;
    if (needsCgroups(spec)) {
      manager = await cgroupManager({ id, cgroupsPath: spec.linux?.cgroupsPath, systemd: false, resources: cgroupResources(spec) });
      const m = manager;
      cleanup.push(() => m.destroy());
    }

    const root = path.join(store.dir(id), 'criu-root');
    fs.mkdirSync(root, { mode: 0o755 });
    (c.bindMount as (s: string, t: string) => void)(rootfs, root);
    after.push(() => {
      (c.unmountDetach as (t: string) => void)(root);
      fs.rmdirSync(root);
    });
    prepareMountpoints(spec, rootfs, bundle);

    const opts: CriuOpts = {
      imagesDirFd,
      evasiveDevices: true,
      logLevel: 4,
      logFile: 'restore.log',
      rstSibling: true,
      root: fs.realpathSync(root),
      ...commonCriuOpts(o, spec, mode),
    };
    if (o.lsmProfile) opts.lsmProfile = o.lsmProfile;
    if (o.lsmMountContext) opts.lsmMountContext = o.lsmMountContext;
    if (o.workPath) {
      const fd = openDir(o.workPath, true);
      after.push(() => fs.closeSync(fd));
      opts.workDirFd = fd;
      logDir = o.workPath;
    }
    // Namespaces by path (runc handleRestoringNamespaces): net and pid are inherited fds CRIU knows by key, the rest are joined.
    const extraFds: number[] = [];
    for (const ns of spec.linux?.namespaces ?? []) {
      if (!ns.path) continue;
      if (ns.type === 'network' || ns.type === 'pid') {
        let fd: number;
        try { fd = fs.openSync(ns.path, 'r'); } catch (e) { throw new OciError('ECRIU', `Requested ${ns.type} namespace ${ns.path} does not exist`, { cause: e }); }
        after.push(() => fs.closeSync(fd));
        (opts.inheritFd ??= []).push({ key: nsKey(ns.type), fd: 4 + extraFds.length });
        extraFds.push(fd);
      } else if (ns.type === 'cgroup') {
        throw new OciError('ECRIU', 'Do not know how to handle namespace cgroup given by path');
      } else {
        (opts.joinNs ??= []).push({ ns: CRIU_NS[ns.type] ?? ns.type, nsFile: ns.path });
      }
    }
    opts.extMnt = restoreExternalMounts(spec, bundle, manager ? [...new Set(Object.values(manager.paths()))] : ownCgroupDirs());
    descriptors.forEach((d, i) => { if (typeof d === 'string' && d.includes('pipe:')) (opts.inheritFd ??= []).push({ key: d, fd: i }); });

    const state: SavedState = {
      ociVersion: spec.ociVersion,
      id,
      phase: 'created',
      pid: 0,
      pidStartTime: '',
      bundle,
      rootfs,
      created: rfc3339Nano(),
      owner: '',
      cgroupPaths: manager?.paths() ?? {},
      hooks: { poststart: spec.hooks?.poststart, poststop: spec.hooks?.poststop },
      pidNamespace: (spec.linux?.namespaces ?? []).some((n) => n.type === 'pid' && !n.path),
    };
    if (spec.annotations) state.annotations = spec.annotations;
    const stdio = o.stdio ?? [0, 1, 2];
    const req: CriuReq = { type: ReqType.RESTORE, opts };
    o.logger.debug('criu restore', { id, imagePath: o.imagePath });
    try {
      await swrk(req, {
        criu: o.criu,
        stdio,
        extraFds,
        started: (criuPid, r) => {
          if (!manager) return;
          manager.apply(criuPid);
          manager.set(cgroupResources(spec) ?? {});
          state.cgroupPaths = manager.paths();
          state.cgroupCreated = manager.createdParents?.() ?? [];
          r.opts!.cgRoot = cgroupRoots(criuPid);
        },
        onNotify: async (n) => {
          switch (n.script) {
            case 'setup-namespaces': {
              // runc runs prestart and createRuntime here, with the pid of the restored init.
              const st = JSON.stringify({ ...ociState({ ...state, pid: n.pid }, 'creating') });
              await runHooks('prestart', spec.hooks?.prestart, st);
              await runHooks('createRuntime', spec.hooks?.createRuntime, st);
              break;
            }
            case 'post-restore':
              restoredPid = n.pid;
              state.pid = n.pid;
              state.pidStartTime = procStat(n.pid)?.startTime ?? '';
              store.write(id, state);
              break;
            case 'orphan-pts-master': {
              const master = n.fds[0];
              if (master === undefined) throw new OciError('ECONSOLE', 'criu sent no pty master with orphan-pts-master');
              const sock = await connectConsole(path.resolve(o.cwd, o.consoleSocket!));
              try {
                (c.sendFd as (s: number, fd: number) => void)((sock as unknown as { _handle: { fd: number } })._handle.fd, master);
              } finally {
                sock.destroy();
              }
              break;
            }
          }
        },
      });
    } catch (e) {
      if ((e as OciError).code === 'ECRIU') throw criuFailure(e, path.join(logDir, 'restore.log'));
      throw e;
    }
    if (!state.pid) throw new OciError('ECRIU', 'criu restored no process (no post-restore notification)');
    store.write(id, state);
    if (o.pidFile) {
      const pf = path.resolve(o.cwd, o.pidFile);
      const tmp = path.join(path.dirname(pf), `.${path.basename(pf)}.${process.pid}`);
      fs.writeFileSync(tmp, String(state.pid), { mode: 0o644 });
      fs.renameSync(tmp, pf);
      cleanup.push(() => fs.rmSync(pf, { force: true }));
    }
    return state;
  } catch (err) {
    runAll(after.splice(0).reverse());
    if (restoredPid > 0) {
      try { process.kill(restoredPid, 'SIGKILL'); } catch { /* gone */ }
      await waitGone(restoredPid, undefined, 5000);
    }
    for (const fn of cleanup.reverse()) {
      try { await fn(); } catch (e) { o.logger.warn(`cleanup after failed restore: ${(e as Error).message}`); }
    }
    throw err;
  } finally {
    runAll(after.reverse());
    release();
  }
}

function runAll(fns: Array<() => void>): void {
  for (const fn of fns) { try { fn(); } catch { /* best effort; the state directory is then kept (see cleanup) */ } }
}
