// The systemd driver's pure parts: cgroupsPath "slice:prefix:name" parsing,
// slice expansion, and the unit properties built from linux.resources, with
// runc's values (libcontainer/cgroups/systemd common.go, v2.go,
// devices/systemd.go) as the expected ones.
import t from 'tap';
import fs from 'node:fs';
import { expandSlice, parseSystemdPath } from '../src/systemd/unit.ts';
import { annotationProperties, deviceProperties, INFINITY, quotaProperties, rangeToBits, resourceProperties, unifiedProperties, unitProperties, type Property } from '../src/systemd/properties.ts';
import { createSystemdManager, loadSystemdManager } from '../src/systemd/manager.ts';

const props = (list: Property[]) => Object.fromEntries(list.map(([k, v]) => [k, v]));

t.test('expandSlice: runc ExpandSlice cases', async (t) => {
  t.equal(expandSlice('system.slice'), '/system.slice');
  t.equal(expandSlice('a-b-c.slice'), '/a.slice/a-b.slice/a-b-c.slice');
  t.equal(expandSlice('machine-podman.slice'), '/machine.slice/machine-podman.slice');
  t.equal(expandSlice('-.slice'), '/');
  for (const bad of ['.slice', 'a--b.slice', '-a.slice', 'a-.slice', 'a/b.slice', 'system', 'foo.scope', '']) {
    t.throws(() => expandSlice(bad), { code: 'EPATH', message: /invalid slice name/ }, bad);
  }
});

t.test('parseSystemdPath: defaults, scopes, slices', async (t) => {
  t.same(parseSystemdPath('c1'), { slice: 'system.slice', unit: 'oci-ts-c1.scope', cgroup: '/system.slice/oci-ts-c1.scope' });
  t.same(parseSystemdPath('c1', 'system.slice:docker:abc'), { slice: 'system.slice', unit: 'docker-abc.scope', cgroup: '/system.slice/docker-abc.scope' });
  // podman: machine.slice:libpod:<id>; an empty slice is system.slice.
  t.same(parseSystemdPath('x', ':libpod:1234'), { slice: 'system.slice', unit: 'libpod-1234.scope', cgroup: '/system.slice/libpod-1234.scope' });
  t.same(parseSystemdPath('x', 'kubepods-besteffort-pod1.slice:cri-containerd:9f'), {
    slice: 'kubepods-besteffort-pod1.slice',
    unit: 'cri-containerd-9f.scope',
    cgroup: '/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/cri-containerd-9f.scope',
  });
  // A name that is a slice makes a transient slice, placed by its own name.
  t.same(parseSystemdPath('x', 'system.slice:ignored:test-pod.slice'), { slice: 'system.slice', unit: 'test-pod.slice', cgroup: '/test.slice/test-pod.slice' });
});

t.test('parseSystemdPath: a malformed cgroupsPath shows the expected form', async (t) => {
  for (const bad of ['/sys/fs/cgroup/foo', 'a:b', 'a:b:c:d', 'system.slice:x:']) {
    t.throws(() => parseSystemdPath('c', bad), { code: 'EPATH', message: /slice:prefix:name/ }, bad);
  }
  t.throws(() => parseSystemdPath('c', 'system.slice:pre fix:n'), { code: 'EPATH', message: /prefix "pre fix".*slice:prefix:name/ });
  t.throws(() => parseSystemdPath('c', 'user/x.slice:p:n'), { code: 'EPATH', message: /slice/ });
  t.throws(() => parseSystemdPath('c', 'bad.scope:p:n'), { code: 'EPATH', message: /invalid slice name: bad.scope/ });
});

t.test('rangeToBits: systemd AllowedCPUs byte order', async (t) => {
  t.same([...rangeToBits('0')], [0x01]);
  t.same([...rangeToBits('0-3,8')], [0x0f, 0x01]);
  t.same([...rangeToBits(' 1 , 9-10,,')], [0x02, 0x06]);
  t.same([...rangeToBits('15')], [0x00, 0x80]);
  t.throws(() => rangeToBits('3-1'), { code: 'EINVALID', message: /invalid range/ });
  t.throws(() => rangeToBits(''), { code: 'EINVALID', message: /empty/ });
  t.throws(() => rangeToBits('a'), { code: 'EINVALID' });
});

t.test('quotaProperties: runc addCpuQuota rounding', async (t) => {
  t.same(quotaProperties(50000n, 100000n, 252), [['CPUQuotaPeriodUSec', ['t', 100000n]], ['CPUQuotaPerSecUSec', ['t', 500000n]]]);
  // 12345/100000 of a CPU = 123450 us/s, rounded up to whole percents.
  t.same(props(quotaProperties(12345n, 100000n, 252)).CPUQuotaPerSecUSec, ['t', 130000n]);
  // a quota without a period assumes 100 ms; systemd < 242 gets no period property.
  t.same(quotaProperties(20000n, 0n, 241), [['CPUQuotaPerSecUSec', ['t', 200000n]]]);
  // -1 (unlimited) is USEC_INFINITY.
  t.same(props(quotaProperties(-1n, 100000n, 252)).CPUQuotaPerSecUSec, ['t', INFINITY]);
  t.same(quotaProperties(0n, 0n, 252), []);
});

t.test('resourceProperties: the values runc sends', async (t) => {
  const p = props(resourceProperties({
    memory: { limit: 64 * 1024 * 1024, reservation: 32 * 1024 * 1024, swap: 96 * 1024 * 1024 },
    cpu: { shares: 1024, quota: 50000, period: 100000, cpus: '0-1', mems: '0' },
    pids: { limit: 32 },
    blockIO: { weight: 500 },
  }, 252));
  t.same(p.MemoryMax, ['t', 67108864n]);
  t.same(p.MemoryLow, ['t', 33554432n]);
  t.same(p.MemorySwapMax, ['t', 33554432n], 'memory.swap is memory+swap; systemd wants swap alone');
  t.same(p.CPUWeight, ['t', 39n], 'shares 1024 → weight 39 (runc ConvertCPUSharesToCgroupV2Value)');
  t.same(p.CPUQuotaPerSecUSec, ['t', 500000n]);
  t.same(p.CPUQuotaPeriodUSec, ['t', 100000n]);
  t.same(p.AllowedCPUs, ['ay', Buffer.of(0x03)]);
  t.same(p.AllowedMemoryNodes, ['ay', Buffer.of(0x01)]);
  t.same(p.TasksMax, ['t', 32n]);
  t.same(p.IOWeight, ['t', 4950n], 'blkio 500 → io 1 + 490*9999/990');
  const inf = props(resourceProperties({ memory: { limit: -1, swap: -1 }, pids: { limit: -1 } }, 252));
  t.same(inf.MemoryMax, ['t', INFINITY]);
  t.same(inf.MemorySwapMax, ['t', INFINITY]);
  t.same(inf.TasksMax, ['t', INFINITY]);
  // swap == limit: memory.swap.max 0 goes to the file only (runc: `if swap != 0`).
  t.notOk(props(resourceProperties({ memory: { limit: 1000, swap: 1000 } }, 252)).MemorySwapMax);
  // pids.limit 0: unset.
  t.notOk(props(resourceProperties({ pids: { limit: 0 } }, 252)).TasksMax);
  // systemd < 244: no AllowedCPUs (the file still gets it).
  t.notOk(props(resourceProperties({ cpu: { cpus: '0' } }, 243)).AllowedCPUs);
  t.throws(() => resourceProperties({ memory: { swap: 100 } }, 252), { code: 'EINVALID', message: /memory.swap/ });
});

t.test('unifiedProperties: the keys systemd has properties for', async (t) => {
  const p = props(unifiedProperties({ 'memory.high': '1000000', 'memory.min': 'max', 'pids.max': '7', 'cpu.weight': '200', 'cpu.max': '25000 50000', 'memory.oom.group': '1', 'io.max': '8:0 rbps=1' }, 252));
  t.same(p.MemoryHigh, ['t', 1000000n]);
  t.same(p.MemoryMin, ['t', INFINITY]);
  t.same(p.TasksMax, ['t', 7n]);
  t.same(p.CPUWeight, ['t', 200n]);
  t.same(p.CPUQuotaPerSecUSec, ['t', 500000n]);
  t.same(p.CPUQuotaPeriodUSec, ['t', 50000n]);
  t.same(Object.keys(p).sort(), ['CPUQuotaPerSecUSec', 'CPUQuotaPeriodUSec', 'CPUWeight', 'MemoryHigh', 'MemoryMin', 'TasksMax']);
  t.throws(() => unifiedProperties({ 'memory.high': 'lots' }, 252), { code: 'EINVALID', message: /memory.high/ });
  t.throws(() => unifiedProperties({ '../x': '1' }, 252), { code: 'EINVALID', message: /no slashes/ });
});

t.test('deviceProperties: runc devices/systemd.go', async (t) => {
  const warnings: string[] = [];
  const list = deviceProperties([
    { allow: false, access: 'rwm' },
    { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
    { allow: true, type: 'c', major: 136, access: 'rwm' },
    { allow: true, type: 'b', access: 'm' },
    { allow: true, type: 'c', minor: 5, access: 'r' },
    { allow: true, type: 'b', major: 8, minor: 0, access: 'r' },
    { allow: false, type: 'b', major: 8, minor: 0, access: 'r' },
  ], warnings);
  t.same(list[0], ['DeviceAllow', ['a(ss)', []]], 'an empty DeviceAllow clears an existing unit first');
  t.same(list[1], ['DevicePolicy', ['s', 'strict']]);
  t.same(list[2], ['DeviceAllow', ['a(ss)', [['/dev/char/1:3', 'rwm'], ['char-136', 'rwm'], ['block-*', 'm']]]]);
  t.match(warnings.join('\n'), /c \*:5/, '"any major, one minor" cannot be said to systemd');
  t.same(deviceProperties([{ allow: true, access: 'rwm' }], []), [['DevicePolicy', ['s', 'auto']], ['DeviceAllow', ['a(ss)', []]]], 'allow-all is DevicePolicy=auto');
  const w2: string[] = [];
  t.same(props(deviceProperties([{ allow: true, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'rwm' }], w2)).DevicePolicy, ['s', 'strict']);
  t.match(w2[0], /deny-list/);
  t.same(deviceProperties(undefined, []), []);
});

t.test('unitProperties: what StartTransientUnit gets (runc v2.go Apply)', async (t) => {
  const scope = props(unitProperties({ unit: 'docker-1.scope', slice: 'system.slice', pid: 42, name: '1' }));
  t.same(scope.Description, ['s', 'libcontainer container 1']);
  t.same(scope.Slice, ['s', 'system.slice']);
  t.same(scope.PIDs, ['au', [42]]);
  t.same(scope.Delegate, ['b', true]);
  t.same(scope.DefaultDependencies, ['b', false]);
  for (const a of ['MemoryAccounting', 'CPUAccounting', 'IOAccounting', 'TasksAccounting']) t.same(scope[a], ['b', true], a);
  const slice = props(unitProperties({ unit: 'pod.slice', slice: 'system.slice', pid: 42, name: 'pod.slice' }));
  t.same(slice.Wants, ['as', ['system.slice']]);
  t.notOk(slice.Slice);
  t.notOk(slice.PIDs, 'a slice gets its pid through cgroup.procs');
  t.notOk(slice.Delegate);
});

t.test('annotationProperties: org.systemd.property.* (runc docs/systemd-properties.md)', async (t) => {
  const p = props(annotationProperties({
    'org.systemd.property.TimeoutStopUSec': 'uint64 123456789',
    'org.systemd.property.CollectMode': "'inactive-or-failed'",
    'org.systemd.property.SendSIGHUP': 'true',
    'other.annotation': 'x',
  }));
  t.same(p, { TimeoutStopUSec: ['t', 123456789n], CollectMode: ['s', 'inactive-or-failed'], SendSIGHUP: ['b', true] });
  t.throws(() => annotationProperties({ 'org.systemd.property.TimeoutStopSec': 'uint64 1' }), { code: 'EINVALID', message: /USec/ });
  t.throws(() => annotationProperties({ 'org.systemd.property.X': '[1, 2]' }), { code: 'EINVALID', message: /GVariant/ });
});

t.test('createSystemdManager: refuses without systemd or without cgroup v2, before anything', async (t) => {
  const v2 = { mode: 'v2' as const, v1: {}, unified: { mountpoint: '/sys/fs/cgroup', root: '/' }, unifiedControllers: [], own: { '': '/' } };
  const hybrid = { mode: 'hybrid' as const, v1: {}, unified: { mountpoint: '/sys/fs/cgroup/unified', root: '/' }, unifiedControllers: [], own: {} };
  if (!require_booted()) {
    t.throws(() => createSystemdManager({ id: 'c', detection: v2 }), { code: 'ENOSYSTEMD', message: /systemd not running on this host/ });
  }
  t.throws(() => createSystemdManager({ id: 'c', detection: hybrid, assumeBooted: true }), { code: 'ENOSYSTEMD', message: /cgroup v2/ });
  // the path is checked first: a malformed one is reported even without systemd
  t.throws(() => createSystemdManager({ id: 'c', cgroupsPath: 'nope', detection: v2 }), { code: 'EPATH', message: /slice:prefix:name/ });
  const m = createSystemdManager({ id: 'c', cgroupsPath: 'machine.slice:libpod:abc', detection: v2, assumeBooted: true });
  t.equal(m.unit, 'libpod-abc.scope');
  t.same(m.paths(), { '': '/sys/fs/cgroup/machine.slice/libpod-abc.scope' });
  t.same(m.saved(), { unit: 'libpod-abc.scope' });
  // inside a cgroup namespace rooted at a slice
  const ns = { ...v2, unified: { mountpoint: '/sys/fs/cgroup', root: '/machine.slice' } };
  t.same(createSystemdManager({ id: 'c', cgroupsPath: 'machine.slice:p:n', detection: ns, assumeBooted: true }).paths(), { '': '/sys/fs/cgroup/p-n.scope' });
  t.throws(() => createSystemdManager({ id: 'c', detection: ns, assumeBooted: true }), { code: 'EPATH', message: /outside/ });
});

t.test('loadSystemdManager: the saved unit must match the saved cgroup', async (t) => {
  t.equal(loadSystemdManager({ '': '/sys/fs/cgroup/system.slice/x-1.scope' }, { unit: 'x-1.scope' }).unit, 'x-1.scope');
  t.throws(() => loadSystemdManager({ '': '/sys/fs/cgroup/system.slice/x-1.scope' }, { unit: 'other.scope' }), { code: 'EPATH' });
  t.throws(() => loadSystemdManager({ '': '/sys/fs/cgroup/../etc/x.scope' }, { unit: 'x.scope' }), { code: 'EPATH' });
  t.throws(() => loadSystemdManager({ '': '/sys/fs/cgroup/a/x.service' }, { unit: 'x.service' }), { code: 'EPATH' });
});

function require_booted(): boolean {
  try {
    return fs.lstatSync('/run/systemd/system').isDirectory();
  } catch {
    return false;
  }
}
