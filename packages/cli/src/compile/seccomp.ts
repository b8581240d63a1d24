/**
 * linux.seccomp → SeccompOp via @oci/seccomp's compile(). A config that asks
 * for seccomp must never run unconfined: if the compiler is unavailable the
 * create fails (code ESECCOMPUNAVAILABLE).
 */
import type { SeccompOp } from '@oci/core/program';
import type { LinuxSeccomp } from '@oci/spec';
import { CompileError } from './error.ts';

export interface SeccompCompileResult { bpf: Uint8Array; instructions: number; flags: number; listener: boolean }
export type SeccompCompiler = (seccomp: LinuxSeccomp, opts?: { arch?: string }) => SeccompCompileResult;

export function compileSeccomp(seccomp: LinuxSeccomp | undefined, compiler: SeccompCompiler | undefined): SeccompOp | undefined {
  if (!seccomp) return undefined;
  if (typeof compiler !== 'function') {
    throw new CompileError('/linux/seccomp', 'seccomp is configured but the @oci/seccomp compiler is not available; refusing to run unconfined', 'ESECCOMPUNAVAILABLE');
  }
  const listenerPath = typeof seccomp.listenerPath === 'string' && seccomp.listenerPath ? seccomp.listenerPath : undefined;
  // sun_path holds 108 bytes with the terminating NUL (unix(7)).
  if (listenerPath && Buffer.byteLength(listenerPath) > 107) {
    throw new CompileError('/linux/seccomp/listenerPath', `${Buffer.byteLength(listenerPath)} bytes long: a unix socket path holds at most 107`, 'EINVALIDCONFIG');
  }
  let r: SeccompCompileResult;
  try {
    r = compiler(seccomp);
  } catch (e) {
    throw new CompileError('/linux/seccomp', `seccomp: ${(e as Error).message}`, 'EINVALIDCONFIG', e);
  }
  // config-linux.md#seccomp: SCMP_ACT_NOTIFY hands the listener fd to the
  // agent at listenerPath; without one nothing could answer the notified
  // syscalls (runc refuses such a config too).
  if (r.listener && !listenerPath) throw new CompileError('/linux/seccomp/listenerPath', 'SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath: the agent that answers the notified syscalls', 'EINVALIDCONFIG');
  const op: SeccompOp = { bpf: Buffer.from(r.bpf.buffer, r.bpf.byteOffset, r.bpf.byteLength).toString('base64'), flags: r.flags, notify: r.listener };
  // The executor connects to listenerPath before pivot_root and, with the
  // filter loaded (before waiting for start, so `create`'s agent gets the fd
  // even with no_new_privs), sends the fd and the container process state.
  if (r.listener) {
    op.listenerPath = listenerPath;
    if (typeof seccomp.listenerMetadata === 'string') op.listenerMetadata = seccomp.listenerMetadata;
  }
  return op;
}
