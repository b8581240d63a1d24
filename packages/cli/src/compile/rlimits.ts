/** process.rlimits → Rlimit[] (config.md "process.rlimits", getrlimit(2)). */
import type { Rlimit } from '@oci/core/program';
import type { POSIXRlimit } from '@oci/spec';
import { RLIMITS, RLIM_INFINITY } from './constants.ts';
import { CompileError } from './error.ts';

/**
 * JSON numbers above 2^53 lose precision in JSON.parse: 18446744073709551615
 * (RLIM_INFINITY, what runc spec's users write for "unlimited") parses as
 * 18446744073709552000. Anything at or above 2^64 - 2048 is therefore taken as
 * RLIM_INFINITY.
 */
export function rlimitValue(v: number | bigint, pointer: string): string {
  // @oci/spec's parseConfig returns values above 2^53 as exact bigints.
  if (typeof v === 'bigint') {
    if (v < 0n || v > RLIM_INFINITY) throw new CompileError(pointer, `rlimit out of range: ${v}`);
    return v.toString();
  }
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || !Number.isInteger(v)) {
    throw new CompileError(pointer, `rlimit must be a non-negative integer, got ${JSON.stringify(v)}`);
  }
  if (v >= 18446744073709549568) return RLIM_INFINITY.toString();
  return BigInt(v).toString();
}

export function compileRlimits(list: POSIXRlimit[] | undefined): Rlimit[] {
  const seen = new Set<string>();
  return (list ?? []).map((r, i) => {
    const p = `/process/rlimits/${i}`;
    const resource = RLIMITS[r.type];
    if (resource === undefined) throw new CompileError(`${p}/type`, `unknown rlimit "${r.type}"`);
    if (seen.has(r.type)) throw new CompileError(`${p}/type`, `duplicate rlimit "${r.type}"`);
    seen.add(r.type);
    const soft = rlimitValue(r.soft, `${p}/soft`);
    const hard = rlimitValue(r.hard, `${p}/hard`);
    if (BigInt(soft) > BigInt(hard)) throw new CompileError(`${p}/soft`, `soft limit ${soft} exceeds hard limit ${hard}`);
    return { resource, soft, hard };
  });
}
