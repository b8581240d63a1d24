/**
 * `checkpoint` (runc checkpoint.go, libcontainer Container.Checkpoint): dump
 * a running container with CRIU into an image directory. The container must
 * be running or paused (runc: "Container cannot be checkpointed in <state>
 * state"). Unless --leave-running or --pre-dump, CRIU kills the tasks after
 * a successful dump and the container is then deleted as runc's destroy()
 * does (cgroups, poststop hooks, state directory). A failed dump leaves it
 * running: CRIU resumes whatever it froze, and nothing here touched it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { statusOf } from '../container.ts';
import { parseConfigText } from '../deps.ts';
import { OciError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { deleteContainer } from '../lifecycle/delete.ts';
import type { StateStore } from '../state.ts';
import type { Spec } from '@oci/spec';
import { criuFailure } from './criu-log.ts';
import { dumpExternalMounts, dumpExternalNamespaces } from './external.ts';
import { CgMode, ReqType, type CriuOpts, type CriuReq, type Features } from './rpc.ts';
import { swrk } from './swrk.ts';

export interface CriuCommonOptions {
  /** The criu binary (global --criu). */
  criu: string;
  imagePath: string;
  workPath?: string;
  tcpEstablished?: boolean;
  extUnixSk?: boolean;
  shellJob?: boolean;
  fileLocks?: boolean;
  manageCgroupsMode?: string;
  /** CLONE_NEW* flags of namespaces CRIU creates empty (--empty-ns network → CLONE_NEWNET). */
  emptyNs?: number;
  autoDedup?: boolean;
  lazyPages?: boolean;
  logger: Logger;
}

export interface CheckpointOptions extends CriuCommonOptions {
  parentPath?: string;
  leaveRunning?: boolean;
  preDump?: boolean;
}

/**
 * The CRIU options dump and restore share (runc sets the same in
 * criuSwrk's callers): the flags of CriuCommonOptions, cgroup management,
 * notify scripts, the orphan pty master and runc's per-runtime CRIU config
 * file (annotation `org.criu.config`, default /etc/criu/runc.conf; settings
 * there win over RPC's, a missing file is ignored by CRIU, '' turns it off).
 */
export function commonCriuOpts(o: CriuCommonOptions, spec: Spec, mode: number): Partial<CriuOpts> {
  const configFile = spec.annotations?.['org.criu.config'] ?? '/etc/criu/runc.conf';
  return {
    manageCgroups: true,
    manageCgroupsMode: mode,
    notifyScripts: true,
    shellJob: !!o.shellJob,
    tcpEstablished: !!o.tcpEstablished,
    extUnixSk: !!o.extUnixSk,
    fileLocks: !!o.fileLocks,
    emptyNs: o.emptyNs ?? 0,
    orphanPtsMaster: true,
    autoDedup: !!o.autoDedup,
    lazyPages: !!o.lazyPages,
    ...(configFile === '' ? {} : { configFile }),
  };
}

/** runc criuCgMode: '' is CRIU's default (soft). */
export function cgMode(mode: string | undefined): number {
  switch (mode ?? '') {
    case '': return CgMode.DEFAULT;
    case 'soft': return CgMode.SOFT;
    case 'full': return CgMode.FULL;
    case 'strict': return CgMode.STRICT;
    case 'ignore': return CgMode.IGNORE;
    default: throw new OciError('EUSAGE', `invalid --manage-cgroups-mode value "${mode}": want soft, full, strict or ignore`);
  }
}

/** runc's --empty-ns NAME: only the network namespace (CLONE_NEWNET) is accepted. */
export function emptyNsFlags(name: string | undefined): number {
  if (!name) return 0;
  if (name === 'network') return 0x40000000;
  throw new OciError('EUSAGE', `invalid --empty-ns value "${name}": only "network" is supported`);
}

export async function readSpec(bundle: string): Promise<Spec> {
  let text: string;
  try { text = fs.readFileSync(path.join(bundle, 'config.json'), 'utf8'); } catch (e) {
    throw new OciError('ENOCONFIG', `reading ${path.join(bundle, 'config.json')}: ${(e as Error).message}`, { cause: e });
  }
  return parseConfigText(text);
}

/** Opens (creating 0700 if missing) a directory CRIU gets by fd. */
export function openDir(p: string, create: boolean): number {
  if (create) {
    try { fs.mkdirSync(p, { mode: 0o700 }); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new OciError('ECRIU', `creating ${p}: ${(e as Error).message}`, { cause: e }); }
  }
  try {
    return fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  } catch (e) {
    throw new OciError('ECRIU', `open ${p}: ${(e as Error).message}`, { cause: e });
  }
}

/** runc checkCriuFeatures: FEATURE_CHECK and refuse what CRIU says it lacks (mem_track for --pre-dump, lazy_pages). */
export async function checkFeatures(criu: string, want: Features): Promise<void> {
  let got: Features | undefined;
  try {
    got = (await swrk({ type: ReqType.FEATURE_CHECK, features: want }, { criu })).resp.features;
  } catch (e) {
    throw new OciError('ECRIU', `CRIU feature check failed: ${(e as Error).message}`, { cause: e });
  }
  const missing = (Object.keys(want) as (keyof Features)[]).filter((k) => want[k] && got && got[k] === false);
  if (missing.length) throw new OciError('ECRIU', `criu is missing features: [${missing.map((k) => (k === 'memTrack' ? 'MemTrack' : 'LazyPages')).join(' ')}]`);
}

/** The fds 0-2 of the init as links (runc's descriptors.json): restore hands pipes among them back by these keys. */
function externalDescriptors(pid: number): string[] {
  return [0, 1, 2].map((fd) => { try { return fs.readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { return '/dev/null'; } });
}

export async function checkpoint(store: StateStore, id: string, o: CheckpointOptions): Promise<void> {
  o.logger.debug('checkpoint', { id });
  const release = await store.lock(id);
  const opened: number[] = [];
  let destroy = false;
  try {
    const s = store.read(id);
    const status = statusOf(store, s);
    if (status === 'created' || status === 'stopped' || status === 'creating') {
      throw new OciError('ENOTRUNNING', `Container cannot be checkpointed in ${status} state`);
    }
    const spec = await readSpec(s.bundle);
    const mode = cgMode(o.manageCgroupsMode);
    const imagesDirFd = openDir(o.imagePath, true);
    opened.push(imagesDirFd);
    let logDir = o.imagePath;
    const opts: CriuOpts = {
      imagesDirFd,
      logLevel: 4,
      logFile: 'dump.log',
      root: s.rootfs,
      pid: s.pid,
      leaveRunning: !!o.leaveRunning,
      ...commonCriuOpts(o, spec, mode),
    };
    if (o.workPath) {
      const fd = openDir(o.workPath, true);
      opened.push(fd);
      opts.workDirFd = fd;
      logDir = o.workPath;
    }
    const external = dumpExternalNamespaces(spec);
    if (external.length) opts.external = external;
    // CRIU freezes through the cgroup freezer when told where it is (v2: cgroup.freeze, CRIU >= 3.14), else with ptrace.
    const freezer = s.cgroupPaths?.freezer ?? (Object.keys(s.cgroupPaths ?? {}).length === 1 ? s.cgroupPaths[''] : undefined);
    if (freezer) opts.freezeCgroup = freezer;
    if (o.parentPath) {
      opts.parentImg = o.parentPath;
      opts.trackMem = true;
    }
    if (o.preDump) await checkFeatures(o.criu, { memTrack: true });
    if (o.lazyPages) await checkFeatures(o.criu, { lazyPages: true });

    const req: CriuReq = { type: o.preDump ? ReqType.PRE_DUMP : ReqType.DUMP, opts };
    if (!o.preDump) {
      opts.extMnt = dumpExternalMounts(spec, s.pid);
      fs.writeFileSync(path.join(o.imagePath, 'descriptors.json'), JSON.stringify(externalDescriptors(s.pid)), { mode: 0o600 });
    }
    o.logger.debug('criu dump', { id, type: req.type, imagePath: o.imagePath });
    try {
      await swrk(req, { criu: o.criu });
    } catch (e) {
      if ((e as OciError).code === 'ECRIU') throw criuFailure(e, path.join(logDir, 'dump.log'));
      throw e;
    }
    o.logger.debug('criu dump done', { id });
    destroy = !o.leaveRunning && !o.preDump;
  } finally {
    for (const fd of opened) fs.closeSync(fd);
    release();
  }
  // CRIU killed the tasks after dumping them: remove the container as runc's destroy() (cgroups, poststop hooks, state).
  if (destroy) await deleteContainer(store, id, true, o.logger);
}
