/**
 * Loads and attaches the v2 device program through @oci/core's bpf(2)
 * wrapper. @oci/core is an optional dependency loaded with a dynamic import
 * when this module is first imported, so @oci/cgroups installs and works
 * without the native addon everywhere but the v2 devices rules.
 */
import fs from 'node:fs';
import { CgroupError } from '../errors.ts';
import { compileDeviceProgram } from './ebpf.ts';
import type { LinuxDeviceCgroup } from '../types.ts';

interface CoreBpf {
  bpfProgLoadCgroupDevice(insns: Buffer, license: string): number;
  bpfProgAttachCgroupDevice(progFd: number, cgroupFd: number, flags: number): void;
  bpfProgDetachCgroupDevice(progFd: number, cgroupFd: number): void;
  bpfProgQueryCgroupDevice(cgroupFd: number): number[];
  bpfProgGetFdById(id: number): number;
  cgroupEventfd(): number;
}

let core: CoreBpf | null = null;
let coreError: unknown;
try {
  core = (await import('@oci/core')) as unknown as CoreBpf;
  if (typeof core.bpfProgLoadCgroupDevice !== 'function') core = null;
} catch (err) {
  coreError = err;
}

/** The @oci/core functions, or an ENOCORE error saying what needed them. */
export function requireCore(what: string): CoreBpf {
  if (!core) throw new CgroupError('ENOCORE', `cgroups: ${what} needs the @oci/core native addon, which is not installed or failed to load`, { cause: coreError });
  return core;
}

export function hasCore(): boolean {
  return core !== null;
}

/** Maps an @oci/core error ("code" = errno name, "(errno N)" in the text) to a CgroupError. */
function bpfError(what: string, err: unknown, file?: string): CgroupError {
  const e = err as { code?: string; message?: string };
  const m = /\(errno (\d+)\)/.exec(e?.message ?? '');
  return new CgroupError('EBPF', `cgroups: devices: ${what}: ${e?.message ?? String(err)}`, {
    errno: m ? Number(m[1]) : undefined,
    syscall: 'bpf',
    resource: 'devices',
    file,
    cause: err,
  });
}

const BPF_F_ALLOW_MULTI = 2;

/**
 * Replaces the device program of a cgroup2 directory (runc
 * LoadAttachCgroupDeviceFilter): load the new program, attach it next to
 * the old ones (BPF_F_ALLOW_MULTI, so the cgroup is never without a filter),
 * then detach the old ones.
 */
export function attachDeviceRules(dir: string, rules: LinuxDeviceCgroup[]): void {
  const c = requireCore('cgroup v2 device rules');
  const prog = compileDeviceProgram(rules);
  const dirFd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  let progFd = -1;
  try {
    let old: number[] = [];
    try {
      old = c.bpfProgQueryCgroupDevice(dirFd);
    } catch (err) {
      throw bpfError('BPF_PROG_QUERY', err, dir);
    }
    try {
      progFd = c.bpfProgLoadCgroupDevice(Buffer.from(prog.bytes), prog.license);
    } catch (err) {
      throw bpfError('BPF_PROG_LOAD', err, dir);
    }
    try {
      c.bpfProgAttachCgroupDevice(progFd, dirFd, BPF_F_ALLOW_MULTI);
    } catch (err) {
      throw bpfError('BPF_PROG_ATTACH', err, dir);
    }
    for (const id of old) detachById(c, dirFd, id, dir);
  } finally {
    if (progFd >= 0) fs.closeSync(progFd);
    fs.closeSync(dirFd);
  }
}

function detachById(c: CoreBpf, dirFd: number, id: number, dir: string): void {
  let fd = -1;
  try {
    fd = c.bpfProgGetFdById(id);
    c.bpfProgDetachCgroupDevice(fd, dirFd);
  } catch (err) {
    // Already gone (detached by someone else): nothing to do.
    if ((err as { code?: string }).code !== 'ENOENT') throw bpfError('BPF_PROG_DETACH', err, dir);
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

/** Ids of the device programs attached to a cgroup2 directory. */
export function attachedDevicePrograms(dir: string): number[] {
  const c = requireCore('querying cgroup v2 device programs');
  const dirFd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    return c.bpfProgQueryCgroupDevice(dirFd);
  } catch (err) {
    throw bpfError('BPF_PROG_QUERY', err, dir);
  } finally {
    fs.closeSync(dirFd);
  }
}

/** Detaches every device program from a cgroup2 directory (for rollback). */
export function detachAllDevicePrograms(dir: string): void {
  const c = requireCore('cgroup v2 device rules');
  const dirFd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    for (const id of c.bpfProgQueryCgroupDevice(dirFd)) detachById(c, dirFd, id, dir);
  } finally {
    fs.closeSync(dirFd);
  }
}
