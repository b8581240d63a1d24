// cgroup v1 controller files on a fake tree (t.testdir): the exact writes
// and their order, for what this host's kernel cannot show (controllers not
// mounted here: hugetlb, net_cls, net_prio, rdma; CFQ weights). The real
// kernel runs are in v1-kernel.test.ts.
import t, { type Test } from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { V1Manager } from '../src/fs/manager.ts';
import { observeWrites } from '../src/file.ts';
import type { Detection } from '../src/detect.ts';

const UNLIMITED = '9223372036854771712';
const TREE: Record<string, Record<string, string>> = {
  memory: {
    'cgroup.procs': '',
    'memory.limit_in_bytes': UNLIMITED,
    'memory.memsw.limit_in_bytes': UNLIMITED,
    'memory.soft_limit_in_bytes': UNLIMITED,
    'memory.kmem.tcp.limit_in_bytes': UNLIMITED,
    'memory.usage_in_bytes': '4096',
    'memory.swappiness': '60',
    'memory.use_hierarchy': '1',
    'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 2',
    'memory.stat': 'cache 100\nrss 200\ntotal_cache 300',
  },
  cpu: { 'cgroup.procs': '', 'cpu.shares': '1024', 'cpu.cfs_period_us': '100000', 'cpu.cfs_quota_us': '-1', 'cpu.cfs_burst_us': '0', 'cpu.rt_period_us': '1000000', 'cpu.rt_runtime_us': '0', 'cpu.idle': '0', 'cpu.stat': 'nr_periods 4\nnr_throttled 1\nthrottled_time 99' },
  cpuacct: { 'cgroup.procs': '', 'cpuacct.usage': '1000', 'cpuacct.usage_percpu': '600 400', 'cpuacct.stat': 'user 3\nsystem 1' },
  pids: { 'cgroup.procs': '', 'pids.max': 'max', 'pids.current': '1' },
  blkio: { 'cgroup.procs': '', 'blkio.weight': '500', 'blkio.leaf_weight': '500', 'blkio.weight_device': '', 'blkio.leaf_weight_device': '', 'blkio.throttle.read_bps_device': '', 'blkio.throttle.write_bps_device': '', 'blkio.throttle.read_iops_device': '', 'blkio.throttle.write_iops_device': '', 'blkio.throttle.io_service_bytes_recursive': '8:0 Read 10\n8:0 Write 20\nTotal 30' },
  hugetlb: { 'cgroup.procs': '', 'hugetlb.2MB.limit_in_bytes': UNLIMITED, 'hugetlb.2MB.usage_in_bytes': '0', 'hugetlb.2MB.max_usage_in_bytes': '0', 'hugetlb.2MB.failcnt': '0' },
  net_cls: { 'cgroup.procs': '', 'net_cls.classid': '0' },
  net_prio: { 'cgroup.procs': '', 'net_prio.ifpriomap': 'lo 0' },
  rdma: { 'cgroup.procs': '', 'rdma.max': '' },
  devices: { 'cgroup.procs': '', 'devices.allow': '', 'devices.deny': '', 'devices.list': 'a *:* rwm' },
  freezer: { 'cgroup.procs': '', 'freezer.state': 'THAWED' },
};

function fake(t: Test, over: Record<string, Record<string, string>> = {}) {
  const tree: Record<string, Record<string, string>> = {};
  for (const [c, files] of Object.entries(TREE)) tree[c] = { ...files, ...(over[c] ?? {}) };
  const root = t.testdir(Object.fromEntries(Object.entries(tree).map(([c, f]) => [c, { box: f }]))) as string;
  const paths = Object.fromEntries(Object.keys(tree).map((c) => [c, path.join(root, c, 'box')]));
  const d: Detection = { mode: 'v1', v1: Object.fromEntries(Object.keys(tree).map((c) => [c, { mountpoint: path.join(root, c), root: '/' }])), unifiedControllers: [], own: {} };
  const writes: [string, string][] = [];
  observeWrites((f, v) => writes.push([path.basename(f), v]));
  t.teardown(() => observeWrites(undefined));
  const read = (c: string, f: string) => fs.readFileSync(path.join(paths[c], f), 'utf8');
  return { m: new V1Manager(paths, d), writes, read, paths };
}

t.test('memory: raising writes memsw first, lowering writes the limit first', async (t) => {
  const { m, writes } = fake(t, { memory: { 'memory.limit_in_bytes': String(64 << 20) } });
  m.set({ memory: { limit: 128 << 20, swap: 256 << 20 } });
  t.same(writes.map((w) => w[0]), ['memory.memsw.limit_in_bytes', 'memory.limit_in_bytes']);
  writes.length = 0;
  m.set({ memory: { limit: 32 << 20, swap: 64 << 20 } });
  t.same(writes.map((w) => w[0]), ['memory.limit_in_bytes', 'memory.memsw.limit_in_bytes']);
});

t.test('memory: every field', async (t) => {
  const { m, read } = fake(t);
  m.set({ memory: { limit: 64 << 20, reservation: 32 << 20, kernelTCP: 1 << 20, swappiness: 0, disableOOMKiller: true, useHierarchy: true } });
  t.equal(read('memory', 'memory.limit_in_bytes'), String(64 << 20));
  t.equal(read('memory', 'memory.soft_limit_in_bytes'), String(32 << 20));
  t.equal(read('memory', 'memory.kmem.tcp.limit_in_bytes'), String(1 << 20));
  t.equal(read('memory', 'memory.swappiness'), '0');
  t.equal(read('memory', 'memory.oom_control'), '1');
  t.equal(read('memory', 'memory.use_hierarchy'), '1');
  t.throws(() => m.set({ memory: { swappiness: 101 } }), { code: 'EINVALID', resource: 'memory.swappiness' });
});

t.test('cpu: every field, period before quota (runc order)', async (t) => {
  const { m, writes, paths } = fake(t);
  m.set({ cpu: { shares: 512, period: 50000, quota: 25000, burst: 1000, idle: 0, realtimePeriod: 1000000, realtimeRuntime: 950000 } });
  t.same(writes.map((w) => w[0]), ['cpu.shares', 'cpu.cfs_period_us', 'cpu.cfs_burst_us', 'cpu.cfs_quota_us', 'cpu.idle', 'cpu.rt_period_us', 'cpu.rt_runtime_us']);
  t.equal(fs.readFileSync(path.join(paths.cpu, 'cpu.cfs_quota_us'), 'utf8'), '25000');
});

t.test('pids, hugetlb, net_cls, net_prio, rdma', async (t) => {
  const { m, writes, read } = fake(t);
  m.set({ pids: { limit: 7 }, hugepageLimits: [{ pageSize: '2MB', limit: 8 << 20 }], network: { classID: 0x100001, priorities: [{ name: 'eth0', priority: 5 }, { name: 'lo', priority: 2 }] }, rdma: { mlx4_0: { hcaHandles: 1, hcaObjects: 2 } } });
  t.equal(read('pids', 'pids.max'), '7');
  t.equal(read('hugetlb', 'hugetlb.2MB.limit_in_bytes'), String(8 << 20));
  t.equal(read('net_cls', 'net_cls.classid'), String(0x100001));
  t.same(writes.filter((w) => w[0] === 'net_prio.ifpriomap').map((w) => w[1]), ['eth0 5', 'lo 2']);
  t.same(writes.filter((w) => w[0] === 'rdma.max').map((w) => w[1]), ['mlx4_0 hca_handle=1 hca_object=2']);
});

t.test('blkio: CFQ weights and throttles, one write per device', async (t) => {
  const { m, writes } = fake(t);
  m.set({ blockIO: { weight: 300, leafWeight: 200, weightDevice: [{ major: 8, minor: 0, weight: 400, leafWeight: 100 }], throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1000 }], throttleWriteIOPSDevice: [{ major: 8, minor: 16, rate: 10 }] } });
  t.same(writes, [
    ['blkio.weight', '300'],
    ['blkio.leaf_weight', '200'],
    ['blkio.weight_device', '8:0 400'],
    ['blkio.leaf_weight_device', '8:0 100'],
    ['blkio.throttle.read_bps_device', '8:0 1000'],
    ['blkio.throttle.write_iops_device', '8:16 10'],
  ]);
});

t.test('blkio: BFQ files when CFQ is gone; neither is a clear error', async (t) => {
  const { m, writes } = fake(t, { blkio: {} });
  fs.rmSync(path.join(m.paths().blkio, 'blkio.weight'));
  fs.writeFileSync(path.join(m.paths().blkio, 'blkio.bfq.weight'), '100');
  m.set({ blockIO: { weight: 300 } });
  t.same(writes, [['blkio.bfq.weight', '300']]);
  fs.rmSync(path.join(m.paths().blkio, 'blkio.bfq.weight'));
  t.throws(() => m.set({ blockIO: { weight: 300 } }), { code: 'ENOTSUPPORTED', resource: 'blockIO.weight' });
});

t.test('devices: from allow-all, a reset then the resulting exceptions', async (t) => {
  const { m, writes } = fake(t);
  m.set({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'mrw' }, { allow: true, type: 'c', major: 136, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'w' }, { allow: true, type: 'a', access: 'm' }] });
  t.same(writes, [
    ['devices.deny', 'a'],
    ['devices.allow', 'c 1:3 rm'],
    ['devices.allow', 'c 136:* rwm'],
    ['devices.allow', 'c *:* m'],
    ['devices.allow', 'b *:* m'],
  ], 'the later deny of w is folded in; an "a" rule with partial access becomes c and b');
});

t.test('devices: from a deny state, grants first, then revocations, never a reset', async (t) => {
  const { m, writes } = fake(t, { devices: { 'devices.list': 'c 1:3 rwm\nc 1:5 rwm\nc 136:* rwm' } });
  m.set({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 7, access: 'rw' }, { allow: true, type: 'c', major: 136, access: 'r' }] });
  t.same(writes, [
    ['devices.allow', 'c 1:7 rw'],
    ['devices.deny', 'c 1:5 rwm'],
    ['devices.deny', 'c 136:* wm'],
  ]);
});

t.test('a missing controller is refused naming the field, as runc (config.md: values it cannot apply)', async (t) => {
  const { m } = fake(t);
  const paths = m.paths();
  delete paths.net_cls;
  const m2 = new V1Manager(paths, { mode: 'v1', v1: {}, unifiedControllers: [], own: {} });
  t.throws(() => m2.set({ network: { classID: 1 } }), { code: 'ENOTSUPPORTED', resource: 'linux.resources.network.classID', message: /net_cls controller is not mounted/ });
  t.throws(() => m2.set({ unified: { 'memory.high': '1' } }), { code: 'ENOTSUPPORTED', resource: 'unified' });
});

t.test('stats from v1 files in the runc events shape', async (t) => {
  const { m } = fake(t);
  const s = m.stats();
  t.equal(s.cpu.usage.total, 1000);
  t.same(s.cpu.usage.percpu, [600, 400]);
  t.equal(s.cpu.usage.user, 3e7, 'USER_HZ ticks → ns');
  t.equal(s.cpu.usage.kernel, 1e7);
  t.same(s.cpu.throttling, { periods: 4, throttledPeriods: 1, throttledTime: 99 });
  t.equal(s.memory.cache, 300);
  t.equal(s.memory.usage.usage, 4096);
  t.equal(s.oomKills, 2);
  t.same(s.pids, { current: 1, limit: 0 });
  t.same(s.blkio.ioServiceBytesRecursive, [
    { major: 8, minor: 0, op: 'Read', value: 10 },
    { major: 8, minor: 0, op: 'Write', value: 20 },
  ]);
  t.same(s.hugetlb['2MB'], { usage: 0, max: 0, failcnt: 0 });
  t.equal(m.oomKills(), 2);
});

t.test('hybrid: hugetlb stats come from the cgroup2 side when v1 has no hugetlb', async (t) => {
  const dir = t.testdir({ u: { 'hugetlb.2MB.current': '2097152', 'hugetlb.2MB.max': '4194304', 'hugetlb.2MB.events': 'max 3' } }) as string;
  const m = new V1Manager({ '': path.join(dir, 'u') }, { mode: 'hybrid', v1: {}, unifiedControllers: [], own: {} });
  t.same(m.stats().hugetlb['2MB'], { usage: 2097152, max: 4194304, failcnt: 3 });
});

t.test('stats(): a removed cgroup is ENOCGROUP and an unknown controller EINVALID, not zeros', async (t) => {
  const { m } = fake(t);
  const paths = m.paths();
  const gone = new V1Manager(Object.fromEntries(Object.keys(paths).map((k) => [k, `${paths[k]}-gone`])), { mode: 'v1', v1: {}, unifiedControllers: [], own: {} });
  t.throws(() => gone.stats(), { name: 'CgroupError', code: 'ENOCGROUP' });
  const bogus = new V1Manager({ ...paths, bogus: paths.memory }, { mode: 'v1', v1: {}, unifiedControllers: [], own: {} });
  t.throws(() => bogus.stats(), { name: 'CgroupError', code: 'EINVALID', resource: 'bogus', message: /unknown cgroup v1 controller "bogus"/ });
});
