/**
 * The config → InitProgram compiler (design.md "TS plans, Rust executes").
 * A pure function of the config and a few host facts passed in `opts`, so
 * unit tests check the program without root or a kernel.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { InitProgram } from '@oci/core/program';
import type { Spec } from '@oci/spec';
import { compileDevices, compileSymlinks } from './devices.ts';
import { CompileError } from './error.ts';
import { compileHooks } from './hooks.ts';
import { compileMounts, compileRootfsPropagation } from './mounts.ts';
import { compileIdMapping, compileNamespaces, compileTimeOffsets } from './namespaces.ts';
import { compileProcess } from './process.ts';
import { applyKeyringLabel, applyMountLabel, hostLsm, type HostLsm } from './lsm.ts';
import type { SeccompCompiler } from './seccomp.ts';
import { expandCgroupMounts, type CgroupHost } from './cgroup-mount.ts';

export { CompileError } from './error.ts';
export { parseMountOptions, MOUNT_ATTR } from './mounts.ts';
export type { SeccompCompiler } from './seccomp.ts';
export { cgroupMountpoints, type CgroupHost } from './cgroup-mount.ts';
export { hostLsm, formatMountLabel } from './lsm.ts';

export interface CompileOptions {
  /** Absolute bundle directory (root.path and bind sources are relative to it). */
  bundle: string;
  /** Absolute host path of exec.fifo; absent for an exec program. */
  execFifo?: string;
  noPivot?: boolean;
  noNewKeyring?: boolean;
  preserveFds?: number;
  seccompCompiler?: SeccompCompiler;
  /** Host facts; defaults probe the running host. */
  isDirectory?: (p: string) => boolean;
  lsm?: HostLsm;
  /** The container's cgroups, for the `cgroup` mount (absent: an empty tmpfs there). */
  cgroup?: CgroupHost;
  /** Where warnings go (the command's logger): what config.md asks to log, not refuse. */
  warn?: (msg: string) => void;
}

function hostIsDirectory(p: string): boolean {
  try { return fs.statSync(p).isDirectory(); } catch { return true; }
}

export function rootfsPath(spec: Spec, bundle: string): string {
  const root = spec.root?.path;
  if (!root) throw new CompileError('/root/path', 'root.path is required');
  return path.resolve(bundle, root);
}

export function compileProgram(spec: Spec, opts: CompileOptions): InitProgram {
  // config-linux.md "Namespaces": a type not listed is inherited from the
  // runtime. Without a mount namespace the rootfs and mounts are set up in
  // the inherited one, and the process chroots into it (runc does the same).
  const namespaces = compileNamespaces(spec);
  const inUserNs = namespaces.some((n) => n.type === 'user');
  // A uts namespace joined by path is the container's too: runc and crun
  // set the hostname there. Only the runtime's own one is refused.
  if ((spec.hostname || spec.domainname) && !namespaces.some((n) => n.type === 'uts')) {
    throw new CompileError(spec.hostname ? '/hostname' : '/domainname', 'setting a hostname needs a uts namespace in linux.namespaces');
  }
  const preserveFds = opts.preserveFds ?? 0;
  const lsm = opts.lsm ?? hostLsm();
  if (!Number.isInteger(preserveFds) || preserveFds < 0) throw new CompileError('--preserve-fds', 'must be a non-negative integer');
  const program: InitProgram = {
    version: 1,
    namespaces,
    rootfs: {
      path: rootfsPath(spec, opts.bundle),
      propagation: compileRootfsPropagation(spec),
      readonly: !!spec.root?.readonly,
      pivotRoot: !opts.noPivot,
      setup: true,
    },
    mounts: compileMounts(spec, { bundle: opts.bundle, isDirectory: opts.isDirectory ?? hostIsDirectory }),
    devices: compileDevices(spec, inUserNs),
    symlinks: compileSymlinks(spec),
    maskedPaths: [...(spec.linux?.maskedPaths ?? [])],
    readonlyPaths: [...(spec.linux?.readonlyPaths ?? [])],
    sysctl: Object.entries(spec.linux?.sysctl ?? {}).map(([key, value]) => ({ key, value: String(value) })),
    sessionKeyring: !opts.noNewKeyring,
    createContainerHooks: compileHooks(spec.hooks?.createContainer, '/hooks/createContainer'),
    startContainerHooks: compileHooks(spec.hooks?.startContainer, '/hooks/startContainer'),
    process: compileProcess(spec, {
      preserveFds,
      seccompCompiler: opts.seccompCompiler,
      lsm,
      warn: opts.warn,
    }),
  };
  const cg = expandCgroupMounts(program.mounts, opts.cgroup, namespaces.some((n) => n.type === 'cgroup'));
  program.mounts = cg.mounts;
  program.readonlyPaths.push(...cg.readonly.filter((p) => !program.readonlyPaths.includes(p)));
  applyMountLabel(program, spec.linux?.mountLabel, lsm);
  applyKeyringLabel(program, lsm);
  for (const [i, m] of program.maskedPaths.entries()) if (!m.startsWith('/')) throw new CompileError(`/linux/maskedPaths/${i}`, 'must be absolute');
  for (const [i, m] of program.readonlyPaths.entries()) if (!m.startsWith('/')) throw new CompileError(`/linux/readonlyPaths/${i}`, 'must be absolute');
  const idMapping = compileIdMapping(spec, namespaces);
  if (idMapping) program.idMapping = idMapping;
  const timeOffsets = compileTimeOffsets(spec, namespaces);
  if (timeOffsets) program.timeOffsets = timeOffsets;
  if (spec.hostname) program.hostname = spec.hostname;
  if (spec.domainname) program.domainname = spec.domainname;
  if (opts.execFifo) program.execFifo = opts.execFifo;
  return program;
}
