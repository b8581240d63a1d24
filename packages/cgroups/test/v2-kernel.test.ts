// cgroup v2 with real controllers: runs only on a pure v2 host (most users'
// machines; here: `tools/guest/run-in-guest npx tap
// packages/cgroups/test/v2-kernel.test.ts`, a QEMU guest). Skips on this
// hybrid host, whose cgroup2 has only hugetlb (v2-unified.test.ts covers
// that). Cgroups are created under unique names and removed.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { createManager, detect, type Manager } from '../src/index.ts';
import { hasCore } from '../src/devices/bpf.ts';
import { isRoot, leftovers, waiting, cpuTicks, delay, eventually } from './helpers.ts';

const PREFIX = `oci-ts-test-v2k-${process.pid}-`;
let mode = 'none';
try {
  mode = detect().mode;
} catch {
  // no cgroups at all
}

if (!isRoot() || mode !== 'v2') {
  t.pass(`skipped: needs root on a pure cgroup v2 host (this one is ${mode}); run it with tools/guest/run-in-guest`);
} else {
  const make = (t: { teardown(fn: () => unknown): void }): Manager => {
    const m = createManager({ id: 'c', cgroupsPath: `/${PREFIX}${Math.random().toString(36).slice(2, 8)}` });
    t.teardown(() => m.destroy());
    return m;
  };
  const dirOf = (m: Manager) => m.paths()[''];
  const read = (m: Manager, f: string) => fs.readFileSync(path.join(dirOf(m), f), 'utf8').trim();

  t.test('apply enables the controllers in the parent, set writes the v2 files', async (t) => {
    const m = make(t);
    m.apply(-1);
    const avail = read(m, 'cgroup.controllers').split(' ');
    for (const c of ['memory', 'pids', 'cpu']) t.ok(avail.includes(c), `${c} available in the new cgroup`);
    m.set({ memory: { limit: 64 << 20, swap: 64 << 20, reservation: 16 << 20 }, cpu: { shares: 1024, quota: 50000, period: 100000 }, pids: { limit: 20 } });
    t.equal(read(m, 'memory.max'), String(64 << 20));
    t.equal(read(m, 'memory.low'), String(16 << 20));
    if (fs.existsSync(path.join(dirOf(m), 'memory.swap.max'))) t.equal(read(m, 'memory.swap.max'), '0');
    t.equal(read(m, 'cpu.weight'), '39');
    t.equal(read(m, 'cpu.max'), '50000 100000');
    t.equal(read(m, 'pids.max'), '20');
  });

  t.test('a process over its pids limit cannot fork', async (t) => {
    const m = make(t);
    const w = waiting('for i in 1 2 3 4 5 6; do sleep 30 & done; wait');
    t.teardown(() => w.child.kill('SIGKILL'));
    m.apply(w.pid);
    m.set({ pids: { limit: 3 } });
    w.go();
    t.ok(await eventually(() => /fork|Resource temporarily unavailable/i.test(w.stderr()), 300, 50), 'fork failed');
    t.ok(Number(read(m, 'pids.events').split(' ')[1]) > 0, 'pids.events max counts it');
    await m.killAll(9);
    t.same(m.pids(), []);
  });

  t.test('a memory hog is OOM-killed; memory.events and the watcher see it', async (t) => {
    const m = make(t);
    const w = waiting('exec dd if=/dev/zero of=/dev/null bs=256M count=1');
    t.teardown(() => w.child.kill('SIGKILL'));
    m.apply(w.pid);
    m.set({ memory: { limit: 32 << 20, swap: 32 << 20 } });
    const seen: number[] = [];
    const watch = m.watchOOM((e) => seen.push(e.oomKills));
    t.teardown(() => watch.close());
    w.go();
    t.equal((await w.exited).signal, 'SIGKILL');
    t.ok(m.oomKills() >= 1, 'memory.events oom_kill');
    t.ok(await eventually(() => seen.length > 0, 200, 50), 'watcher called');
    t.ok((m.stats().oomKills ?? 0) >= 1);
  });

  t.test('cpu.max quota shows as throttling in cpu.stat', async (t) => {
    const m = make(t);
    const w = waiting('while :; do :; done');
    t.teardown(() => w.child.kill('SIGKILL'));
    m.apply(w.pid);
    m.set({ cpu: { quota: 1000, period: 100000 } });
    w.go();
    t.ok(await eventually(() => (m.stats().cpu.throttling.throttledPeriods ?? 0) > 0, 300, 50), 'nr_throttled grows');
    t.ok(m.stats().cpu.usage.total > 0);
  });

  t.test('freeze and thaw a busy process; killAll empties', async (t) => {
    const m = make(t);
    const w = waiting('while :; do :; done');
    t.teardown(() => w.child.kill('SIGKILL'));
    m.apply(w.pid);
    w.go();
    t.ok(await eventually(() => cpuTicks(w.pid) > 0, 200, 50));
    await m.freeze();
    const a = cpuTicks(w.pid);
    await delay(300);
    t.equal(cpuTicks(w.pid), a, 'frozen');
    await m.thaw();
    t.ok(await eventually(() => cpuTicks(w.pid) > a, 200, 50), 'thawed');
    await m.killAll(9);
    t.match(read(m, 'cgroup.events'), /populated 0/);
  });

  t.test('the device program denies /dev/null', { skip: hasCore() ? false : 'skipped: @oci/core not built' }, async (t) => {
    const m = make(t);
    const w = waiting('echo x > /dev/null && echo null-ok; echo done');
    t.teardown(() => w.child.kill('SIGKILL'));
    m.apply(w.pid);
    m.set({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }] });
    w.go();
    const r = await w.exited;
    t.notMatch(r.stdout, /null-ok/);
    t.match(r.stdout, /done/);
  });

  t.test('no cgroup is left behind', async (t) => {
    t.same(leftovers(PREFIX), []);
  });
}
