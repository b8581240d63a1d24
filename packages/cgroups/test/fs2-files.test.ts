// cgroup v2 controller files written by set(), checked against a fake
// cgroupfs tree in t.testdir (plain files; the kernel runs are in
// v2-unified.test.ts). Each write is observed, so multi-line files (io.max)
// are checked as the sequence of writes the kernel would see.
import t, { type Test } from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { V2Manager } from '../src/fs2/manager.ts';
import { observeWrites } from '../src/file.ts';
import type { CgroupError } from '../src/errors.ts';

const FILES: Record<string, string> = {
  'cgroup.controllers': 'cpuset cpu io memory hugetlb pids rdma misc',
  'cgroup.procs': '',
  'cgroup.events': 'populated 0\nfrozen 0',
  'cgroup.freeze': '0',
  'memory.max': 'max',
  'memory.low': '0',
  'memory.swap.max': 'max',
  'memory.current': '1048576',
  'memory.events': 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1',
  'memory.stat': 'anon 4096\nfile 8192',
  'cpu.weight': '100',
  'cpu.max': 'max 100000',
  'cpu.max.burst': '0',
  'cpu.idle': '0',
  'cpu.stat': 'usage_usec 5\nuser_usec 3\nsystem_usec 2\nnr_periods 7\nnr_throttled 2\nthrottled_usec 11',
  'cpuset.cpus': '',
  'cpuset.mems': '',
  'pids.max': 'max',
  'pids.current': '2',
  'io.max': '',
  'io.weight': 'default 100',
  'io.stat': '8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0',
  'hugetlb.2MB.max': 'max',
  'hugetlb.2MB.rsvd.max': 'max',
  'hugetlb.2MB.current': '0',
  'hugetlb.2MB.events': 'max 0',
  'rdma.max': '',
};

function fake(t: Test, over: Record<string, string | undefined> = {}) {
  const files: Record<string, string> = { ...FILES };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete files[k];
    else files[k] = v;
  }
  const dir = t.testdir(files) as string;
  const writes: [string, string][] = [];
  observeWrites((f, v) => writes.push([path.basename(f), v]));
  t.teardown(() => observeWrites(undefined));
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  return { m: new V2Manager(dir), dir, writes, read };
}

t.test('memory: limit, reservation, swap converted to swap alone, swap first', async (t) => {
  const { m, writes, read } = fake(t);
  m.set({ memory: { limit: 100 << 20, reservation: 50 << 20, swap: 300 << 20 } });
  t.equal(read('memory.max'), String(100 << 20));
  t.equal(read('memory.low'), String(50 << 20));
  t.equal(read('memory.swap.max'), String(200 << 20), 'memory+swap 300M - memory 100M');
  t.same(writes.map((w) => w[0]), ['memory.swap.max', 'memory.max', 'memory.low']);
});

t.test('memory: -1 is max; swap == limit disables swap; unlimited swap', async (t) => {
  const { m, read } = fake(t);
  m.set({ memory: { limit: -1 } });
  t.equal(read('memory.max'), 'max');
  m.set({ memory: { limit: 64 << 20, swap: 64 << 20 } });
  t.equal(read('memory.swap.max'), '0');
  m.set({ memory: { limit: 64 << 20, swap: -1 } });
  t.equal(read('memory.swap.max'), 'max');
  t.throws(() => m.set({ memory: { limit: 64 << 20, swap: 32 << 20 } }), { code: 'EINVALID', resource: 'memory.swap' });
  t.throws(() => m.set({ memory: { swap: 32 << 20 } }), { code: 'EINVALID' });
});

t.test('memory: checkBeforeUpdate compares with memory.current', async (t) => {
  const { m, read } = fake(t);
  t.throws(() => m.set({ memory: { limit: 4096, checkBeforeUpdate: true } }), { code: 'ECHECKBEFOREUPDATE' });
  t.equal(read('memory.max'), 'max');
  m.set({ memory: { limit: 2 << 20, checkBeforeUpdate: true } });
  t.equal(read('memory.max'), String(2 << 20));
});

t.test('memory: v1-only fields are ignored with a warning', async (t) => {
  const { m, writes } = fake(t);
  m.set({ memory: { swappiness: 10, kernel: 1 << 20, disableOOMKiller: true } });
  t.same(writes, []);
  t.match(m.warnings.join('\n'), /no cgroup v2 file/);
});

t.test('cpu: shares → weight, quota/period → cpu.max, burst, idle', async (t) => {
  const { m, read } = fake(t);
  // idle 0 (a weight is refused for an idle group; fs2-rollback.test.ts).
  m.set({ cpu: { shares: 1024, quota: 50000, period: 100000, burst: 10000, idle: 0 } });
  t.equal(read('cpu.weight'), '39', '1024 shares is weight 39 (runc)');
  t.equal(read('cpu.max'), '50000 100000');
  t.equal(read('cpu.max.burst'), '10000');
  t.equal(read('cpu.idle'), '0');
  m.set({ cpu: { quota: -1, period: 200000 } });
  t.equal(read('cpu.max'), 'max 200000');
  m.set({ cpu: { shares: 2 } });
  t.equal(read('cpu.weight'), '1');
  m.set({ cpu: { shares: 262144 } });
  t.equal(read('cpu.weight'), '10000');
  t.throws(() => m.set({ cpu: { realtimeRuntime: 100 } }), { code: 'ENOTSUPPORTED' });
  t.throws(() => m.set({ cpu: { shares: 1 } }), { code: 'EINVALID', resource: 'cpu.shares' });
});

t.test('cpuset, pids', async (t) => {
  const { m, read } = fake(t);
  m.set({ cpu: { cpus: '0-1', mems: '0' }, pids: { limit: 42 } });
  t.equal(read('cpuset.cpus'), '0-1');
  t.equal(read('cpuset.mems'), '0');
  t.equal(read('pids.max'), '42');
  m.set({ pids: { limit: -1 } });
  t.equal(read('pids.max'), 'max');
  m.set({ pids: { limit: 0 } });
  t.equal(read('pids.max'), 'max', 'runtime-spec: 0 or less is unlimited');
});

t.test('io: weight converted, per-device weight, throttles grouped per device in io.max', async (t) => {
  const { m, writes, read } = fake(t);
  m.set({
    blockIO: {
      weight: 500,
      weightDevice: [{ major: 8, minor: 0, weight: 1000 }],
      throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }],
      throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 0 }],
      throttleReadIOPSDevice: [{ major: 8, minor: 16, rate: 100 }],
      throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 50 }],
    },
  });
  t.same(writes, [
    ['io.weight', 'default 4950'],
    ['io.weight', '8:0 10000'],
    ['io.max', '8:0 rbps=1048576 wbps=max wiops=50'],
    ['io.max', '8:16 riops=100'],
  ]);
  t.equal(read('io.max'), '8:16 riops=100');
});

t.test('io: BFQ takes the blkio weight unconverted', async (t) => {
  const { m, read } = fake(t, { 'io.bfq.weight': 'default 100' });
  m.set({ blockIO: { weight: 500 } });
  t.equal(read('io.bfq.weight'), '500');
});

t.test('hugetlb: .max and .rsvd.max; an unknown size names the file', async (t) => {
  const { m, read } = fake(t);
  m.set({ hugepageLimits: [{ pageSize: '2MB', limit: 4 << 21 }] });
  t.equal(read('hugetlb.2MB.max'), String(4 << 21));
  t.equal(read('hugetlb.2MB.rsvd.max'), String(4 << 21));
  const err = t.throws(() => m.set({ hugepageLimits: [{ pageSize: '1GB', limit: 1 << 30 }] })) as CgroupError;
  t.equal(err.code, 'ENOTSUPPORTED');
  t.equal(err.resource, 'hugepageLimits.1GB');
  t.match(err.file, /hugetlb\.1GB\.max$/);
});

t.test('rdma and unified', async (t) => {
  const { m, writes, read } = fake(t, { 'memory.high': 'max' });
  m.set({ rdma: { mlx5_1: { hcaHandles: 3, hcaObjects: 1000 }, mlx4_0: { hcaHandles: 2 } }, unified: { 'memory.high': '50000000', 'pids.max': '9' } });
  t.same(writes.filter((w) => w[0] === 'rdma.max').map((w) => w[1]), ['mlx5_1 hca_handle=3 hca_object=1000', 'mlx4_0 hca_handle=2']);
  t.equal(read('pids.max'), '9');
  t.equal(read('memory.high'), '50000000');
  t.throws(() => m.set({ unified: { 'memory.nonexistent': '1' } }), { code: 'ENOTSUPPORTED', resource: 'unified.memory.nonexistent' });
});

t.test('a controller missing from cgroup.controllers is refused before any write', async (t) => {
  const { m, writes } = fake(t, { 'cgroup.controllers': 'memory' });
  t.throws(() => m.set({ memory: { limit: 1 << 20 }, pids: { limit: 4 } }), { code: 'ENOTSUPPORTED', resource: 'pids' });
  t.equal(fs.readFileSync(path.join(m.paths()[''], 'memory.max'), 'utf8'), 'max', 'memory.max rolled back');
  t.ok(writes.length >= 1, 'memory was written then restored');
});

t.test('a failed set rolls back what it wrote, in reverse', async (t) => {
  const { m, writes, read } = fake(t, { 'pids.max': undefined });
  m.set({ memory: { limit: 8 << 20 } });
  writes.length = 0;
  const err = t.throws(() => m.set({ memory: { limit: 16 << 20 }, cpu: { shares: 512, quota: 1000 }, pids: { limit: 5 } })) as CgroupError;
  t.equal(err.resource, 'pids.limit');
  t.equal(read('memory.max'), String(8 << 20));
  t.equal(read('cpu.weight'), '100');
  t.equal(read('cpu.max'), 'max 100000');
  t.same(writes.slice(3).map((w) => w[0]), ['cpu.max', 'cpu.weight', 'memory.max'], 'undone in reverse order');
});

t.test('stats from v2 files in the runc events shape', async (t) => {
  const { m } = fake(t);
  const s = m.stats();
  t.equal(s.cpu.usage.total, 5000);
  t.equal(s.cpu.usage.user, 3000);
  t.equal(s.cpu.usage.kernel, 2000);
  t.same(s.cpu.throttling, { periods: 7, throttledPeriods: 2, throttledTime: 11000 });
  t.equal(s.memory.usage.usage, 1048576);
  t.equal(s.memory.cache, 8192);
  t.equal(s.memory.raw!.anon, 4096);
  t.equal(s.oomKills, 1);
  t.equal(s.pids.current, 2);
  t.equal(s.pids.limit, 0, 'max reads as no limit');
  t.same(s.blkio.ioServiceBytesRecursive, [
    { major: 8, minor: 0, op: 'Read', value: 10 },
    { major: 8, minor: 0, op: 'Write', value: 20 },
  ]);
  t.same(s.hugetlb['2MB'], { usage: 0, max: Number.MAX_SAFE_INTEGER, failcnt: 0 });
  t.equal(m.oomKills(), 1);
});

t.test('freezer waits for cgroup.events frozen', async (t) => {
  const { m, dir } = fake(t);
  // Play the kernel: report frozen a moment after cgroup.freeze is written.
  const timer = setTimeout(() => fs.writeFileSync(path.join(dir, 'cgroup.events'), 'populated 1\nfrozen 1'), 50);
  t.teardown(() => clearTimeout(timer));
  let done = false;
  const p = m.freeze().then(() => (done = true));
  await new Promise((r) => setTimeout(r, 20));
  t.notOk(done, 'not resolved while cgroup.events says frozen 0');
  await p;
  t.equal(m.freezerState(), 'frozen');
});

t.test('watchOOM fires when memory.events oom_kill grows, not on other changes', async (t) => {
  const { m, dir } = fake(t, { 'memory.events': 'low 0\noom 0\noom_kill 0' });
  const seen: number[] = [];
  const w = m.watchOOM((e) => seen.push(e.oomKills));
  t.teardown(() => w.close());
  fs.writeFileSync(path.join(dir, 'memory.events'), 'low 5\noom 0\noom_kill 0');
  await new Promise((r) => setTimeout(r, 200));
  t.same(seen, [], 'a change without a kill is not an OOM event');
  fs.writeFileSync(path.join(dir, 'memory.events'), 'low 5\noom 1\noom_kill 1');
  for (let i = 0; i < 100 && !seen.length; i++) await new Promise((r) => setTimeout(r, 20));
  t.same(seen, [1]);
});
