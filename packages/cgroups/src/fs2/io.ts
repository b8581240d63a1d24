/**
 * v2 io files (cgroup-v2.rst "IO") from OCI blockIO: weights to io.bfq.weight
 * (same 1..1000 range as blkio) when BFQ is there, else io.weight converted
 * to 1..10000; throttles to io.max "MAJ:MIN rbps=N wbps=N riops=N wiops=N"
 * (runc fs2/io.go).
 */
import type { V2Group } from './group.ts';
import type { LinuxBlockIO, LinuxThrottleDevice } from '../types.ts';
import { exists, readOptional } from '../file.ts';
import { CgroupError } from '../errors.ts';
import { blkioWeightToIoWeight, isSet } from '../convert.ts';
import type { BlkioEntry } from '../stats.ts';

/** io.max lines for the throttles of `b`, one per device. */
export function ioMaxLines(b: LinuxBlockIO): string[] {
  const byDev = new Map<string, string[]>();
  const add = (list: LinuxThrottleDevice[] | undefined, key: string) => {
    for (const t of list ?? []) {
      const dev = `${t.major}:${t.minor}`;
      if (!byDev.has(dev)) byDev.set(dev, []);
      // A rate of 0 removes the limit (runc writes "max").
      byDev.get(dev)!.push(`${key}=${isSet(t.rate) ? t.rate : 'max'}`);
    }
  };
  add(b.throttleReadBpsDevice, 'rbps');
  add(b.throttleWriteBpsDevice, 'wbps');
  add(b.throttleReadIOPSDevice, 'riops');
  add(b.throttleWriteIOPSDevice, 'wiops');
  return [...byDev].map(([dev, kv]) => `${dev} ${kv.join(' ')}`);
}

export const io: V2Group = {
  name: 'io',
  controller: 'io',
  wants: (r) => r.blockIO !== undefined,
  set(dir, r, j, warn) {
    const b = r.blockIO;
    if (!b) return;
    const bfq = exists(dir, 'io.bfq.weight');
    if (b.weight) {
      if (bfq) j.write(dir, 'io.bfq.weight', String(b.weight), 'blockIO.weight', { undo: false });
      else j.write(dir, 'io.weight', `default ${blkioWeightToIoWeight(b.weight)}`, 'blockIO.weight', { undo: false });
    }
    if (b.leafWeight) throw new CgroupError('ENOTSUPPORTED', 'cgroups: blockIO.leafWeight has no cgroup v2 file', { resource: 'blockIO.leafWeight', value: String(b.leafWeight) });
    for (const wd of b.weightDevice ?? []) {
      if (!wd.weight) continue;
      if (bfq) {
        j.write(dir, 'io.bfq.weight', `${wd.major}:${wd.minor} ${wd.weight}`, 'blockIO.weightDevice', { undo: false });
        continue;
      }
      try {
        j.write(dir, 'io.weight', `${wd.major}:${wd.minor} ${blkioWeightToIoWeight(wd.weight)}`, 'blockIO.weightDevice', { undo: false });
      } catch (err) {
        // A per-device io.weight needs io.cost enabled on that device (root's
        // io.cost.qos; cgroup-v2.rst "IO Interface Files"), else EOPNOTSUPP.
        // runc writes per-device weights only through BFQ and ignores them
        // otherwise, so a config runc accepts is not refused: a warning.
        if ((err as CgroupError).errno !== 95) throw err;
        warn(`cgroups: blockIO.weightDevice ${wd.major}:${wd.minor}: the device has no weight-based IO control (no BFQ, io.cost not enabled); ignored`);
      }
    }
    for (const line of ioMaxLines(b)) j.write(dir, 'io.max', line, 'blockIO.throttle', { undo: false });
  },
  stats(dir, s) {
    const text = readOptional(dir, 'io.stat');
    if (text === undefined) return;
    const bytes: BlkioEntry[] = [];
    const ios: BlkioEntry[] = [];
    for (const line of text.split('\n')) {
      const [dev, ...kvs] = line.trim().split(/\s+/);
      if (!dev?.includes(':')) continue;
      const [major, minor] = dev.split(':').map(Number);
      const kv = Object.fromEntries(kvs.map((p) => p.split('=')).map(([k, v]) => [k, Number(v)]));
      bytes.push({ major, minor, op: 'Read', value: kv.rbytes ?? 0 }, { major, minor, op: 'Write', value: kv.wbytes ?? 0 });
      ios.push({ major, minor, op: 'Read', value: kv.rios ?? 0 }, { major, minor, op: 'Write', value: kv.wios ?? 0 });
    }
    s.blkio.ioServiceBytesRecursive = bytes;
    s.blkio.ioServicedRecursive = ios;
  },
};
