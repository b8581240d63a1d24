/**
 * Value conversions between runtime-spec (v1-shaped) values and cgroup v2
 * files, as runc does (opencontainers/cgroups utils.go), so a config behaves
 * the same on either hierarchy.
 */
import { CgroupError } from './errors.ts';
import type { Int64 } from './types.ts';

/** Set and not zero (0 means "unset" for most runtime-spec integers). */
export function isSet(x: Int64 | null | undefined): x is Int64 {
  return x !== undefined && x !== null && Number(x) !== 0;
}

/** -1, as a number or a bigint ("unlimited"). */
export function isMinusOne(x: Int64 | null | undefined): boolean {
  return x !== undefined && x !== null && Number(x) === -1;
}

/** An exact bigint of an integer value; EINVALID for a fraction or NaN. */
export function toBig(x: Int64, resource: string): bigint {
  if (typeof x === 'bigint') return x;
  if (!Number.isInteger(x)) throw new CgroupError('EINVALID', `cgroups: ${resource}: ${x} is not an integer`, { resource, value: String(x) });
  return BigInt(x);
}

/**
 * cpu.shares [2, 262144] → cpu.weight [1, 10000], linearly (runc
 * ConvertCPUSharesToCgroupV2Value; the default 1024 maps to 39, and 0 means
 * "unset").
 */
export function sharesToWeight(sharesIn: Int64): number {
  const shares = Number(sharesIn);
  if (shares === 0) return 0;
  return Math.floor(1 + ((shares - 2) * 9999) / 262142);
}

/** cpu.weight → cpu.shares, the inverse (for stats and tests). */
export function weightToShares(weight: number): number {
  if (weight === 0) return 0;
  return Math.floor(2 + ((weight - 1) * 262142) / 9999);
}

/** blkio.weight [10, 1000] → io.weight [1, 10000] (runc ConvertBlkIOToIOWeightValue). */
export function blkioWeightToIoWeight(w: number): number {
  if (w === 0) return 0;
  return Math.floor(1 + ((w - 10) * 9999) / 990);
}

/**
 * OCI memory.swap is memory+swap (v1 memory.memsw.limit_in_bytes); v2's
 * memory.swap.max is swap alone (runc ConvertMemorySwapToCgroupV2Value).
 * Returns the memory.swap.max text, or undefined to leave it unset.
 */
export function memorySwapToV2(swap: Int64 | undefined, limit: Int64 | undefined): string | undefined {
  if (!isSet(swap)) return undefined;
  if (isMinusOne(swap)) return 'max';
  if (!isSet(limit)) {
    throw new CgroupError('EINVALID', 'cgroups: memory.swap: a swap limit needs a memory limit on cgroup v2', { resource: 'memory.swap', value: String(swap) });
  }
  if (isMinusOne(limit)) {
    throw new CgroupError('EINVALID', 'cgroups: memory.swap: a swap limit with an unlimited memory limit cannot be converted to cgroup v2', { resource: 'memory.swap', value: String(swap) });
  }
  const s = toBig(swap, 'memory.swap');
  const l = toBig(limit, 'memory.limit');
  if (s < l) {
    throw new CgroupError('EINVALID', `cgroups: memory.swap: memory+swap ${swap} is below the memory limit ${limit}`, { resource: 'memory.swap', value: String(swap) });
  }
  return String(s - l);
}

/** -1 → "max", else the number: memory.max/low/high, pids.max. */
export function limitToV2(n: Int64): string {
  return isMinusOne(n) ? 'max' : String(n);
}

/** "*" for a wildcard (-1 or unset) major/minor (v1 devices.allow syntax). */
export function devNum(n: Int64 | null | undefined): string {
  return n === undefined || n === null || n < 0 ? '*' : String(n);
}
