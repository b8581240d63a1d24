/** hooks.createContainer / startContainer → HookOp[] run by the init itself (config.md "POSIX-platform Hooks"). */
import type { HookOp } from '@oci/core/program';
import type { Hook } from '@oci/spec';
import { CompileError } from './error.ts';

export function compileHooks(hooks: Hook[] | undefined, pointer: string): HookOp[] {
  return (hooks ?? []).map((h, i) => {
    if (typeof h.path !== 'string' || !h.path.startsWith('/')) throw new CompileError(`${pointer}/${i}/path`, `hook path must be absolute: "${h.path}"`);
    if (h.timeout !== undefined && (!Number.isInteger(h.timeout) || h.timeout <= 0)) throw new CompileError(`${pointer}/${i}/timeout`, 'timeout must be a positive integer (seconds)');
    const op: HookOp = { path: h.path, args: h.args ?? [h.path], env: h.env ?? [] };
    if (h.timeout !== undefined) op.timeout = h.timeout;
    return op;
  });
}
