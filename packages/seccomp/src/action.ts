// OCI seccomp actions (runtime-spec config-linux.md "seccomp") to
// SECCOMP_RET_* values, with runc's conventions: SCMP_ACT_KILL is
// KILL_THREAD, ERRNO and TRACE default to EPERM, errnoRet is only
// meaningful for ERRNO and TRACE.
import { SECCOMP_RET } from './bpf.ts';
import { SeccompError } from './errors.ts';

const EPERM = 1;

export const ACTIONS = [
  'SCMP_ACT_KILL', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE', 'SCMP_ACT_LOG', 'SCMP_ACT_ALLOW', 'SCMP_ACT_NOTIFY',
] as const;

export function parseAction(action: unknown, errnoRet: unknown, pointer: string): number {
  if (errnoRet !== undefined && errnoRet !== null) {
    if (typeof errnoRet !== 'number' || !Number.isInteger(errnoRet) || errnoRet < 0 || errnoRet > 0xffff) {
      throw new SeccompError('EACTION', `errnoRet must be an integer in 0..65535, got ${JSON.stringify(errnoRet)}`, { pointer });
    }
    if (action !== 'SCMP_ACT_ERRNO' && action !== 'SCMP_ACT_TRACE') {
      throw new SeccompError('EACTION', `errnoRet is only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not ${String(action)}`, { pointer });
    }
  }
  const data = typeof errnoRet === 'number' ? errnoRet : EPERM;
  switch (action) {
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD':
      return SECCOMP_RET.KILL_THREAD;
    case 'SCMP_ACT_KILL_PROCESS':
      return SECCOMP_RET.KILL_PROCESS;
    case 'SCMP_ACT_TRAP':
      return SECCOMP_RET.TRAP;
    case 'SCMP_ACT_ERRNO':
      return (SECCOMP_RET.ERRNO | data) >>> 0;
    case 'SCMP_ACT_TRACE':
      return (SECCOMP_RET.TRACE | data) >>> 0;
    case 'SCMP_ACT_LOG':
      return SECCOMP_RET.LOG;
    case 'SCMP_ACT_ALLOW':
      return SECCOMP_RET.ALLOW;
    case 'SCMP_ACT_NOTIFY':
      return SECCOMP_RET.USER_NOTIF;
    default:
      throw new SeccompError('EACTION', `unknown action ${JSON.stringify(action)}`, { pointer });
  }
}
