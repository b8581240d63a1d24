/**
 * v1 blkio controller (cgroup-v1/blkio-controller.rst). Weights go to the
 * CFQ files when present, else to BFQ's (CFQ left the kernel in 5.0; runc
 * fs/blkio.go does the same).
 */
import type { V1Controller } from './controller.ts';
import type { LinuxThrottleDevice } from '../types.ts';
import { exists, readOptional } from '../file.ts';
import { CgroupError } from '../errors.ts';
import type { BlkioEntry, Stats } from '../stats.ts';

function weightFile(dir: string, cfq: string, bfq: string, resource: string): string {
  if (exists(dir, cfq)) return cfq;
  if (exists(dir, bfq)) return bfq;
  throw new CgroupError('ENOTSUPPORTED', `cgroups: ${resource}: neither ${cfq} nor ${bfq} exists (no CFQ/BFQ I/O scheduler)`, { resource });
}

function parseEntries(text: string | undefined): BlkioEntry[] | undefined {
  if (text === undefined) return undefined;
  const out: BlkioEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length === 3 && f[0].includes(':')) {
      const [maj, min] = f[0].split(':').map(Number);
      out.push({ major: maj, minor: min, op: f[1], value: Number(f[2]) });
    } else if (f.length === 2 && f[0].includes(':')) {
      const [maj, min] = f[0].split(':').map(Number);
      out.push({ major: maj, minor: min, value: Number(f[1]) });
    }
  }
  return out;
}

export const blkio: V1Controller = {
  name: 'blkio',
  wants: (r) => r.blockIO !== undefined,
  set(dir, r, j) {
    const b = r.blockIO;
    if (!b) return;
    if (b.weight) j.write(dir, weightFile(dir, 'blkio.weight', 'blkio.bfq.weight', 'blockIO.weight'), String(b.weight), 'blockIO.weight');
    if (b.leafWeight) j.write(dir, weightFile(dir, 'blkio.leaf_weight', 'blkio.leaf_weight', 'blockIO.leafWeight'), String(b.leafWeight), 'blockIO.leafWeight');
    for (const wd of b.weightDevice ?? []) {
      if (wd.weight) j.write(dir, weightFile(dir, 'blkio.weight_device', 'blkio.bfq.weight_device', 'blockIO.weightDevice'), `${wd.major}:${wd.minor} ${wd.weight}`, 'blockIO.weightDevice', { undo: false });
      if (wd.leafWeight) j.write(dir, weightFile(dir, 'blkio.leaf_weight_device', 'blkio.leaf_weight_device', 'blockIO.weightDevice'), `${wd.major}:${wd.minor} ${wd.leafWeight}`, 'blockIO.weightDevice', { undo: false });
    }
    const throttle = (list: LinuxThrottleDevice[] | undefined, file: string, resource: string) => {
      // A rate of 0 (or none) removes the device's limit (blkio-controller.rst).
      for (const t of list ?? []) j.write(dir, file, `${t.major}:${t.minor} ${t.rate ?? 0}`, resource, { undo: false });
    };
    throttle(b.throttleReadBpsDevice, 'blkio.throttle.read_bps_device', 'blockIO.throttleReadBpsDevice');
    throttle(b.throttleWriteBpsDevice, 'blkio.throttle.write_bps_device', 'blockIO.throttleWriteBpsDevice');
    throttle(b.throttleReadIOPSDevice, 'blkio.throttle.read_iops_device', 'blockIO.throttleReadIOPSDevice');
    throttle(b.throttleWriteIOPSDevice, 'blkio.throttle.write_iops_device', 'blockIO.throttleWriteIOPSDevice');
  },
  stats(dir, s: Stats) {
    const pick = (...files: string[]) => {
      for (const f of files) {
        const t = readOptional(dir, f);
        if (t !== undefined) return parseEntries(t);
      }
      return undefined;
    };
    const bytes = pick('blkio.io_service_bytes_recursive', 'blkio.bfq.io_service_bytes_recursive', 'blkio.throttle.io_service_bytes_recursive');
    const ios = pick('blkio.io_serviced_recursive', 'blkio.bfq.io_serviced_recursive', 'blkio.throttle.io_serviced_recursive');
    if (bytes) s.blkio.ioServiceBytesRecursive = bytes;
    if (ios) s.blkio.ioServicedRecursive = ios;
  },
};
