// Fixes found by running the v2 code on a real kernel in the guest
// (v2-kernel.test.ts, issue 8), checked here on a fake cgroupfs tree where
// the host can show them: cpu.idle and the weight the kernel resets with it,
// the empty value written as a newline, swap stats in the v1 memsw shape,
// cpu.max keeping the quota when only the period changes, a swap limit
// alone converted against the memory limit in force.
import t, { type Test } from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { V2Manager } from '../src/fs2/manager.ts';
import { observeWrites, writeFile } from '../src/file.ts';
import type { CgroupError } from '../src/errors.ts';

function fake(t: Test, files: Record<string, string>) {
  const dir = t.testdir({ 'cgroup.controllers': 'cpuset cpu io memory hugetlb pids', ...files }) as string;
  const writes: [string, string][] = [];
  observeWrites((f, v) => writes.push([path.basename(f), v]));
  t.teardown(() => observeWrites(undefined));
  return { m: new V2Manager(dir), dir, writes, read: (f: string) => fs.readFileSync(path.join(dir, f), 'utf8') };
}

t.test('cpu.idle 1 with shares: no cpu.weight write (the kernel refuses it with EINVAL), a warning', async (t) => {
  const { m, writes, read } = fake(t, { 'cpu.idle': '0', 'cpu.weight': '100' });
  m.set({ cpu: { shares: 1024, idle: 1 } });
  t.same(writes, [['cpu.idle', '1']]);
  t.match(m.warnings.join('\n'), /cpu\.shares 1024 is ignored: the cgroup is idle/);
  writes.length = 0;
  m.set({ cpu: { shares: 2048 } });
  t.same(writes, [], 'still idle: an update with shares only skips the weight too');
  m.set({ cpu: { idle: 0, shares: 2048 } });
  t.same(writes, [['cpu.idle', '0'], ['cpu.weight', '79']], 'idle 0 first (it resets the weight), then the weight');
  t.equal(read('cpu.weight'), '79');
});

t.test('a rolled-back cpu.idle restores the weight the kernel reset', async (t) => {
  const { m, writes, read } = fake(t, { 'cpu.idle': '0', 'cpu.weight': '20' });
  const err = t.throws(() => m.set({ cpu: { idle: 1 }, pids: { limit: 5 } })) as CgroupError;
  t.equal(err.code, 'ENOTSUPPORTED', 'no pids.max in this tree');
  t.same(writes, [['cpu.idle', '1'], ['cpu.idle', '0'], ['cpu.weight', '20']]);
  t.equal(read('cpu.idle'), '0');
  t.equal(read('cpu.weight'), '20');
});

t.test('an empty value is written as a newline (a zero-length write never reaches the kernel)', async (t) => {
  const { dir, read } = fake(t, { 'cpuset.cpus': '1' });
  writeFile(dir, 'cpuset.cpus', '', 'cpu.cpus');
  t.equal(read('cpuset.cpus'), '\n');
});

t.test('a failed set restores an empty cpuset.cpus', async (t) => {
  const { m, writes, read } = fake(t, { 'cpuset.cpus': '', 'cpuset.cpus.effective': '0-1' });
  t.throws(() => m.set({ cpu: { cpus: '1', mems: '0' } }), { code: 'ENOTSUPPORTED', resource: 'cpu.mems' });
  t.same(writes, [['cpuset.cpus', '1'], ['cpuset.cpus', '']]);
  t.equal(read('cpuset.cpus').trim(), '');
});

t.test('swap stats: memory+swap usage and limit, as v1 memsw (runc); failcnt from memory.swap.events', async (t) => {
  const base = { 'memory.current': String(10 << 20), 'memory.swap.current': String(5 << 20), 'memory.swap.events': 'high 0\nmax 2\nfail 1' };
  const a = fake(t, { ...base, 'memory.max': String(100 << 20), 'memory.swap.max': String(200 << 20) });
  t.same(a.m.stats().memory.swap, { usage: 15 << 20, max: 0, limit: 300 << 20, failcnt: 1 });
  const b = fake(t, { ...base, 'memory.max': String(100 << 20), 'memory.swap.max': 'max' });
  t.equal(b.m.stats().memory.swap.limit, Number.MAX_SAFE_INTEGER, 'unlimited swap: no limit');
  const c = fake(t, { ...base, 'memory.max': 'max', 'memory.swap.max': String(1 << 20) });
  t.equal(c.m.stats().memory.swap.limit, Number.MAX_SAFE_INTEGER, 'unlimited memory: no limit');
});

t.test('cpu.max: a period alone keeps the quota (v1 keeps it in its own file)', async (t) => {
  const { m, read } = fake(t, { 'cpu.max': '30000 100000' });
  m.set({ cpu: { period: 50000 } });
  t.equal(read('cpu.max'), '30000 50000');
  m.set({ cpu: { quota: 20000 } });
  t.equal(read('cpu.max'), '20000', 'a quota alone is written alone (the kernel keeps the period)');
  m.set({ cpu: { quota: -1 } });
  t.equal(read('cpu.max'), 'max');
});

t.test('memory: a swap limit alone converts against the memory limit in force', async (t) => {
  const { m, read } = fake(t, { 'memory.max': String(100 << 20), 'memory.swap.max': 'max' });
  m.set({ memory: { swap: 300 << 20 } });
  t.equal(read('memory.swap.max'), String(200 << 20), 'memory+swap 300M - memory.max 100M');
  t.equal(read('memory.max'), String(100 << 20), 'memory.max untouched');
  t.throws(() => m.set({ memory: { swap: 50 << 20 } }), { code: 'EINVALID', resource: 'memory.swap' }, 'below the limit in force');
  const u = fake(t, { 'memory.max': 'max', 'memory.swap.max': 'max' });
  t.throws(() => u.m.set({ memory: { swap: 300 << 20 } }), { code: 'EINVALID' }, 'no memory limit to convert against');
});

t.test('io: a failed set restores io.weight and io.max lines, removing the ones that were new', async (t) => {
  const { m, writes } = fake(t, { 'io.weight': 'default 100\n8:0 300', 'io.max': '8:0 rbps=max wbps=1000 riops=max wiops=max' });
  t.throws(() =>
    m.set({
      blockIO: {
        weight: 500,
        weightDevice: [{ major: 8, minor: 0, weight: 1000 }, { major: 8, minor: 16, weight: 1000 }],
        throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 5000 }, { major: 8, minor: 16, rate: 7000 }],
      },
      hugepageLimits: [{ pageSize: '2MB', limit: 0 }],
    }),
    { code: 'ENOTSUPPORTED', resource: 'hugepageLimits.2MB' },
  );
  t.same(writes, [
    ['io.weight', 'default 4950'],
    ['io.weight', '8:0 10000'],
    ['io.weight', '8:16 10000'],
    ['io.max', '8:0 wbps=5000'],
    ['io.max', '8:16 wbps=7000'],
    // rolled back, in reverse
    ['io.max', '8:16 rbps=max wbps=max riops=max wiops=max'],
    ['io.max', '8:0 rbps=max wbps=1000 riops=max wiops=max'],
    ['io.weight', '8:16 default'],
    ['io.weight', '8:0 300'],
    ['io.weight', 'default 100'],
  ]);
});
