/**
 * Value conversions between runtime-spec (v1-shaped) values and cgroup v2
 * files, as runc does (opencontainers/cgroups utils.go), so a config behaves
 * the same on either hierarchy.
 */
import { CgroupError } from './errors.ts';

/**
 * cpu.shares [2, 262144] → cpu.weight [1, 10000], linearly (runc
 * ConvertCPUSharesToCgroupV2Value; the default 1024 maps to 39, and 0 means
 * "unset").
 */
export function sharesToWeight(shares: number): number {
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
export function memorySwapToV2(swap: number | undefined, limit: number | undefined): string | undefined {
  if (swap === undefined || swap === 0) return undefined;
  if (swap === -1) return 'max';
  if (limit === undefined || limit === 0) {
    throw new CgroupError('EINVALID', 'cgroups: memory.swap: a swap limit needs a memory limit on cgroup v2', { resource: 'memory.swap', value: String(swap) });
  }
  if (limit === -1) {
    throw new CgroupError('EINVALID', 'cgroups: memory.swap: a swap limit with an unlimited memory limit cannot be converted to cgroup v2', { resource: 'memory.swap', value: String(swap) });
  }
  if (swap < limit) {
    throw new CgroupError('EINVALID', `cgroups: memory.swap: memory+swap ${swap} is below the memory limit ${limit}`, { resource: 'memory.swap', value: String(swap) });
  }
  return String(swap - limit);
}

/** -1 → "max", else the number: memory.max/low/high, pids.max. */
export function limitToV2(n: number): string {
  return n === -1 ? 'max' : String(n);
}

/** "*" for a wildcard (-1 or unset) major/minor (v1 devices.allow syntax). */
export function devNum(n: number | null | undefined): string {
  return n === undefined || n === null || n < 0 ? '*' : String(n);
}
