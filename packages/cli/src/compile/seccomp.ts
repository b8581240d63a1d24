/**
 * linux.seccomp → SeccompOp via @oci/seccomp's compile(). A config that asks
 * for seccomp must never run unconfined: if the compiler is unavailable the
 * create fails (code ESECCOMPUNAVAILABLE).
 */
import type { SeccompOp } from '@oci/core/program';
import type { LinuxSeccomp } from '../spec-types.ts';
import { CompileError } from './error.ts';

export interface SeccompCompileResult { bpf: Uint8Array; instructions: number; flags: number; listener: boolean }
export type SeccompCompiler = (seccomp: LinuxSeccomp, opts?: { arch?: string }) => SeccompCompileResult;

export function compileSeccomp(seccomp: LinuxSeccomp | undefined, compiler: SeccompCompiler | undefined): SeccompOp | undefined {
  if (!seccomp) return undefined;
  if (typeof compiler !== 'function') {
    throw new CompileError('/linux/seccomp', 'seccomp is configured but the @oci/seccomp compiler is not available; refusing to run unconfined', 'ESECCOMPUNAVAILABLE');
  }
  if (typeof seccomp.listenerPath === 'string' && seccomp.listenerPath) {
    throw new CompileError('/linux/seccomp/listenerPath', 'seccomp notify listeners are not supported by oci-ts yet', 'EUNSUPPORTED');
  }
  let r: SeccompCompileResult;
  try {
    r = compiler(seccomp);
  } catch (e) {
    throw new CompileError('/linux/seccomp', `seccomp: ${(e as Error).message}`, 'EINVALIDCONFIG', e);
  }
  if (r.listener) throw new CompileError('/linux/seccomp', 'SCMP_ACT_NOTIFY needs a listener, which oci-ts does not support yet', 'EUNSUPPORTED');
  return { bpf: Buffer.from(r.bpf.buffer, r.bpf.byteOffset, r.bpf.byteLength).toString('base64'), flags: r.flags, notify: false };
}
