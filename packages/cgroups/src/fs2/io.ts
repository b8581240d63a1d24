/**
 * v2 io files (cgroup-v2.rst "IO") from OCI blockIO: weights to io.bfq.weight
 * (same 1..1000 range as blkio) when BFQ is there, else io.weight converted
 * to 1..10000; throttles to io.max "MAJ:MIN rbps=N wbps=N riops=N wiops=N"
 * (runc fs2/io.go).
 */
import type { V2Group } from './group.ts';
import type { LinuxBlockIO, LinuxThrottleDevice } from '../types.ts';
import { exists, readOptional, writeFile, type Journal } from '../file.ts';
import { CgroupError } from '../errors.ts';
import { blkioWeightToIoWeight, isSet } from '../convert.ts';
import { parsePSI, type BlkioEntry } from '../stats.ts';

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

/**
 * Writes lines of keyed files (io.max, io.weight, io.bfq.weight: one
 * "default" or "MAJ:MIN" line per key, each line read back also a valid
 * write), registering each one's undo: the key's line as it was before this
 * set, or for a device that had none, `removeLine` (cgroup-v2.rst "IO
 * Interface Files": "default" as a device's weight drops the override, an
 * all-"max" io.max line the limit).
 */
class KeyedWriter {
  private readonly before = new Map<string, string[]>();
  constructor(
    private readonly dir: string,
    private readonly j: Journal,
  ) {}

  write(file: string, key: string, line: string, resource: string, removeLine?: string): void {
    if (!this.before.has(file)) this.before.set(file, (readOptional(this.dir, file) ?? '').split('\n'));
    const old = this.before.get(file)!.find((l) => l.split(/\s+/)[0] === key);
    this.j.write(this.dir, file, line, resource, { undo: false });
    const undo = old ?? removeLine;
    if (undo !== undefined && undo !== line) this.j.onRollback(() => writeFile(this.dir, file, undo, resource));
  }
}

export const io: V2Group = {
  name: 'io',
  controller: 'io',
  wants: (r) => r.blockIO !== undefined,
  set(dir, r, j, warn) {
    const b = r.blockIO;
    if (!b) return;
    const bfq = exists(dir, 'io.bfq.weight');
    const w = new KeyedWriter(dir, j);
    if (b.weight) {
      if (bfq) w.write('io.bfq.weight', 'default', String(b.weight), 'blockIO.weight');
      else w.write('io.weight', 'default', `default ${blkioWeightToIoWeight(b.weight)}`, 'blockIO.weight');
    }
    if (b.leafWeight) throw new CgroupError('ENOTSUPPORTED', 'cgroups: blockIO.leafWeight has no cgroup v2 file', { resource: 'blockIO.leafWeight', value: String(b.leafWeight) });
    for (const wd of b.weightDevice ?? []) {
      if (!wd.weight) continue;
      const dev = `${wd.major}:${wd.minor}`;
      if (bfq) {
        w.write('io.bfq.weight', dev, `${dev} ${wd.weight}`, 'blockIO.weightDevice', `${dev} default`);
        continue;
      }
      try {
        w.write('io.weight', dev, `${dev} ${blkioWeightToIoWeight(wd.weight)}`, 'blockIO.weightDevice', `${dev} default`);
      } catch (err) {
        // A per-device io.weight needs io.cost enabled on that device (root's
        // io.cost.qos; cgroup-v2.rst "IO Interface Files"), else EOPNOTSUPP.
        // runc writes per-device weights only through BFQ and ignores them
        // otherwise, so a config runc accepts is not refused: a warning.
        if ((err as CgroupError).errno !== 95) throw err;
        warn(`cgroups: blockIO.weightDevice ${dev}: the device has no weight-based IO control (no BFQ, io.cost not enabled); ignored`);
      }
    }
    for (const line of ioMaxLines(b)) {
      const dev = line.split(' ')[0];
      w.write('io.max', dev, line, 'blockIO.throttle', `${dev} rbps=max wbps=max riops=max wiops=max`);
    }
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
    const psi = parsePSI(readOptional(dir, 'io.pressure'));
    if (psi) s.blkio.psi = psi;
  },
};
