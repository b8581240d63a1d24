// Detection from mountinfo + statfs, /proc/self/cgroup parsing, and runc's
// cgroupsPath placement rules, on recorded inputs of v1, v2 and hybrid
// hosts; then detection on this machine checked against statfs(2) itself.
import t from 'tap';
import fs from 'node:fs';
import { detect, parseMountinfo, parseProcCgroup, CGROUP2_SUPER_MAGIC, type Detection } from '../src/detect.ts';
import { cleanPath, innerPath, v1Path, v2Path } from '../src/path.ts';
import { createManager, loadManager, Manager } from '../src/index.ts';
import { sharesToWeight, weightToShares, blkioWeightToIoWeight, memorySwapToV2 } from '../src/convert.ts';

const HYBRID = `
25 30 0:23 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
26 25 0:24 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate
27 25 0:25 / /sys/fs/cgroup/systemd rw,nosuid shared:11 - cgroup cgroup rw,xattr,name=systemd
30 25 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:14 - cgroup cgroup rw,cpu,cpuacct
31 25 0:29 / /sys/fs/cgroup/memory rw,nosuid shared:15 - cgroup cgroup rw,memory
32 25 0:30 / /sys/fs/cgroup/pids rw,nosuid shared:16 - cgroup cgroup rw,pids
33 25 0:31 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid shared:17 - cgroup cgroup rw,net_cls,net_prio
`;
const HYBRID_SELF = `12:pids:/user.slice/user-0.slice/session-1.scope
5:memory:/user.slice/user-0.slice/session-1.scope
4:cpu,cpuacct:/user.slice
3:net_cls,net_prio:/
1:name=systemd:/user.slice/user-0.slice/session-1.scope
0::/user.slice/user-0.slice/session-1.scope
`;
const V2 = `35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n`;
const V2_SELF = `0::/user.slice/user-1000.slice/session-3.scope\n`;
const CGROUPNS = `1251 1240 0:30 /kubepods/pod1/ctr /sys/fs/cgroup ro,nosuid - cgroup2 cgroup2 rw\n`;

t.test('parseMountinfo: v1 hierarchies with co-mounted controllers, named ones, cgroup2', async (t) => {
  const m = parseMountinfo(HYBRID);
  t.equal(m.v1.cpu.mountpoint, '/sys/fs/cgroup/cpu,cpuacct');
  t.equal(m.v1.cpuacct.mountpoint, '/sys/fs/cgroup/cpu,cpuacct');
  t.equal(m.v1.net_prio.mountpoint, '/sys/fs/cgroup/net_cls,net_prio');
  t.equal(m.v1['name=systemd'].mountpoint, '/sys/fs/cgroup/systemd');
  t.notOk(m.v1.xattr, 'mount options are not controllers');
  t.same(m.unified, { mountpoint: '/sys/fs/cgroup/unified', root: '/' });
});

t.test('parseProcCgroup', async (t) => {
  const own = parseProcCgroup(HYBRID_SELF);
  t.equal(own.cpu, '/user.slice');
  t.equal(own.cpuacct, '/user.slice');
  t.equal(own[''], '/user.slice/user-0.slice/session-1.scope');
  t.equal(own['name=systemd'], '/user.slice/user-0.slice/session-1.scope');
});

t.test('detect: mode from statfs type and mounts', async (t) => {
  t.equal(detect({ mountinfo: HYBRID, procCgroup: HYBRID_SELF, rootFsType: 0x01021994 }).mode, 'hybrid');
  t.equal(detect({ mountinfo: V2, procCgroup: V2_SELF, rootFsType: CGROUP2_SUPER_MAGIC }).mode, 'v2');
  t.equal(detect({ mountinfo: HYBRID.split('\n').filter((l) => !l.includes('cgroup2')).join('\n'), procCgroup: HYBRID_SELF, rootFsType: 0x01021994 }).mode, 'v1');
  t.throws(() => detect({ mountinfo: '', procCgroup: '', rootFsType: 0 }), { code: 'ENOMOUNT' });
});

t.test('detect on this machine agrees with statfs(2) of /sys/fs/cgroup', async (t) => {
  const d = detect();
  const type = Number(fs.statfsSync('/sys/fs/cgroup').type);
  if (type === CGROUP2_SUPER_MAGIC) t.equal(d.mode, 'v2');
  else t.ok(d.mode === 'v1' || d.mode === 'hybrid');
  if (d.mode === 'hybrid') t.ok(d.unified, 'hybrid has a cgroup2 mount');
  for (const [c, m] of Object.entries(d.v1)) t.ok(fs.existsSync(m.mountpoint), `${c} mountpoint exists`);
});

t.test('cleanPath: a relative path cannot climb out (runc CleanPath)', async (t) => {
  t.equal(cleanPath('../../../etc'), 'etc');
  t.equal(cleanPath('a/../../b'), 'b');
  t.equal(cleanPath('/a/../../b/'), '/b');
  t.equal(cleanPath('a//b/./c'), 'a/b/c');
  t.equal(cleanPath(''), '');
  t.equal(innerPath('ctr1'), 'ctr1', 'empty cgroupsPath: the id, relative');
  t.equal(innerPath('ctr1', '/machine/ctr1'), '/machine/ctr1');
  t.throws(() => innerPath('', '/'), { code: 'EPATH' });
  t.throws(() => innerPath('..', ''), { code: 'EPATH' });
});

t.test('placement on v1/hybrid: absolute under the mount, relative under our own cgroup', async (t) => {
  const d = detect({ mountinfo: HYBRID, procCgroup: HYBRID_SELF, rootFsType: 0x01021994 });
  t.equal(v1Path(d, 'memory', '/machine/c1'), '/sys/fs/cgroup/memory/machine/c1');
  t.equal(v1Path(d, 'cpu', '/machine/c1'), '/sys/fs/cgroup/cpu,cpuacct/machine/c1', 'co-mounted hierarchy');
  t.equal(v1Path(d, 'memory', 'c1'), '/sys/fs/cgroup/memory/user.slice/user-0.slice/session-1.scope/c1');
  t.equal(v1Path(d, 'cpu', 'c1'), '/sys/fs/cgroup/cpu,cpuacct/user.slice/c1');
  t.equal(v1Path(d, 'blkio', 'c1'), undefined, 'not mounted');
  t.equal(v2Path(d, 'c1'), '/sys/fs/cgroup/unified/user.slice/user-0.slice/session-1.scope/c1', 'hybrid: beside the v1 placement');
  const m = createManager({ id: 'c1', detection: d });
  t.same(Object.keys(m.paths()).sort(), ['', 'cpu', 'cpuacct', 'memory', 'net_cls', 'net_prio', 'pids'], 'named hierarchies are not joined');
  t.equal(m.paths().pids, '/sys/fs/cgroup/pids/user.slice/user-0.slice/session-1.scope/c1');
});

t.test('placement on v2: relative goes under the parent of our cgroup', async (t) => {
  const d = detect({ mountinfo: V2, procCgroup: V2_SELF, rootFsType: CGROUP2_SUPER_MAGIC });
  t.equal(v2Path(d, '/machine.slice/c1'), '/sys/fs/cgroup/machine.slice/c1');
  t.equal(v2Path(d, 'c1'), '/sys/fs/cgroup/user.slice/user-1000.slice/c1');
  const m = createManager({ id: 'c2', cgroupsPath: '/a/../b', detection: d });
  t.same(m.paths(), { '': '/sys/fs/cgroup/b' });
});

t.test('placement inside a cgroup namespace: /proc/self/cgroup is relative to the mount root', async (t) => {
  const d = detect({ mountinfo: CGROUPNS, procCgroup: '0::/kubepods/pod1/ctr/sub\n', rootFsType: CGROUP2_SUPER_MAGIC });
  t.equal(v2Path(d, 'c1'), '/sys/fs/cgroup/c1');
});

t.test('conversions match runc', async (t) => {
  t.equal(sharesToWeight(0), 0);
  t.equal(sharesToWeight(2), 1);
  t.equal(sharesToWeight(1024), 39);
  t.equal(sharesToWeight(262144), 10000);
  t.equal(weightToShares(sharesToWeight(262144)), 262144);
  t.equal(blkioWeightToIoWeight(10), 1);
  t.equal(blkioWeightToIoWeight(1000), 10000);
  t.equal(blkioWeightToIoWeight(500), 4950);
  t.equal(memorySwapToV2(undefined, 100), undefined);
  t.equal(memorySwapToV2(-1, 100), 'max');
  t.equal(memorySwapToV2(300, 100), '200');
  t.equal(memorySwapToV2(100, 100), '0');
  t.throws(() => memorySwapToV2(50, 100), { code: 'EINVALID' });
});

t.test('loadManager refuses saved paths that are not absolute and clean', async (t) => {
  t.throws(() => loadManager({}), { code: 'EPATH' });
  t.throws(() => loadManager({ memory: 'sys/fs/cgroup/memory/x' }), { code: 'EPATH' });
  t.throws(() => loadManager({ memory: '/sys/fs/cgroup/memory/../../../etc' }), { code: 'EPATH' });
  const d = detect({ mountinfo: V2, procCgroup: V2_SELF, rootFsType: CGROUP2_SUPER_MAGIC });
  const m = loadManager({ '': '/sys/fs/cgroup/x' }, { detection: d });
  t.equal(m.driver, 'v2');
  t.equal(Manager.fromState({ memory: '/sys/fs/cgroup/memory/x', '': '/sys/fs/cgroup/unified/x' }, { detection: d }).driver, 'v1');
});

t.test('createManager: systemd driver is refused', async (t) => {
  const d: Detection = detect({ mountinfo: V2, procCgroup: V2_SELF, rootFsType: CGROUP2_SUPER_MAGIC });
  t.throws(() => createManager({ id: 'c', systemd: true, detection: d }), { code: 'ESYSTEMD', message: /systemd cgroup driver/ });
});
