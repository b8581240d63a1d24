// cgroup v2 lifecycle on a real kernel (issue 8): freeze/thaw, killAll
// through cgroup.kill and through signals, stats() with every field the
// kernel fills, update's refusals leaving everything as it was, and destroy
// of nested cgroupsPaths (the parents it made, controllers enabled in
// them, a container's own sub-cgroups, processes left running). Runs in the
// QEMU guest's stage (tools/guest/README.md: every *.guest.test.ts);
// skips elsewhere. The resource limits are in v2-kernel.test.ts.
import t, { type Test } from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { createManager, loadManager, type CgroupError, type Manager } from '../src/index.ts';
import { leftovers, waiting, cpuTicks, delay, eventually, pureV2, type Waiting } from './helpers.ts';

const PREFIX = `oci-ts-test-v2l-${process.pid}-`;
const ROOT = '/sys/fs/cgroup';
const MiB = 1 << 20;

if (!pureV2()) {
  t.pass('skipped: needs root on a pure cgroup v2 host; run it in the guest: tools/guest/run-in-guest node tools/guest/stage.mjs packages/cgroups/test/v2-lifecycle.guest.test.ts');
} else {
  const name = () => `${PREFIX}${Math.random().toString(36).slice(2, 8)}`;
  const make = (t: Test, cgroupsPath = `/${name()}`): Manager => {
    const m = createManager({ id: 'c', cgroupsPath });
    t.teardown(() => m.destroy());
    m.apply(-1);
    return m;
  };
  const dirOf = (m: Manager) => m.paths()[''];
  const read = (m: Manager, f: string) => fs.readFileSync(path.join(dirOf(m), f), 'utf8').trim();
  const alive = (pid: number) => {
    try {
      // A zombie is dead for our purpose (proc(5) state Z).
      return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };
  const start = (t: Test, m: Manager, script: string): Waiting => {
    const w = waiting(script);
    t.teardown(() => w.child.kill('SIGKILL'));
    m.apply(w.pid);
    w.go();
    return w;
  };

  t.test('freeze stops every process, including a sub-cgroup; thaw resumes them', async (t) => {
    const m = make(t);
    const a = start(t, m, 'while :; do :; done');
    // A container's own sub-cgroup (no controllers: processes may stay in the parent too).
    const sub = path.join(dirOf(m), 'inner');
    fs.mkdirSync(sub);
    const b = waiting('while :; do :; done');
    t.teardown(() => b.child.kill('SIGKILL'));
    fs.writeFileSync(path.join(sub, 'cgroup.procs'), String(b.pid));
    b.go();
    t.ok(await eventually(() => cpuTicks(a.pid) > 0 && cpuTicks(b.pid) > 0, 200, 50), 'both run');
    t.equal(m.freezerState(), 'thawed');
    await m.freeze();
    t.equal(m.freezerState(), 'frozen');
    t.match(read(m, 'cgroup.events'), /frozen 1/);
    const ta = cpuTicks(a.pid);
    const tb = cpuTicks(b.pid);
    await delay(300);
    t.equal(cpuTicks(a.pid), ta, 'no CPU time while frozen');
    t.equal(cpuTicks(b.pid), tb, 'nor in the sub-cgroup');
    t.match(fs.readFileSync(path.join(sub, 'cgroup.events'), 'utf8'), /frozen 1/, 'the sub-cgroup is frozen with it');
    await m.thaw();
    t.equal(m.freezerState(), 'thawed');
    t.ok(await eventually(() => cpuTicks(a.pid) > ta && cpuTicks(b.pid) > tb, 200, 50), 'both run again');
    t.same(m.pids().sort(), [a.pid, b.pid].sort(), 'pids() includes the sub-cgroup');
  });

  t.test('killAll(SIGKILL) writes cgroup.kill: forked children, grandchildren and a sub-cgroup die', async (t) => {
    const m = make(t);
    const w = start(t, m, 'sleep 60 & (sleep 60 & sleep 60 & wait) & echo up; wait');
    t.ok(await eventually(() => m.pids().length === 5, 200, 50), `5 processes (${m.pids().length})`);
    const sub = path.join(dirOf(m), 'inner');
    fs.mkdirSync(sub);
    const [moved] = m.pids().filter((p) => p !== w.pid);
    fs.writeFileSync(path.join(sub, 'cgroup.procs'), String(moved));
    const all = m.pids();
    t.equal(all.length, 5, 'pids() sees the sub-cgroup');
    await m.killAll(9);
    t.equal((await w.exited).signal, 'SIGKILL');
    t.same(m.pids(), [], 'empty');
    t.match(read(m, 'cgroup.events'), /populated 0/);
    t.same(all.filter(alive), [], 'every process is gone');
    t.ok(m.exists(), 'killAll does not remove the cgroup');
  });

  t.test('killAll(SIGTERM) signals every process (frozen meanwhile) and leaves the cgroup thawed', async (t) => {
    const m = make(t);
    const w = start(t, m, "trap 'echo got-term; exit 3' TERM; sleep 60 & wait");
    t.ok(await eventually(() => m.pids().length === 2, 200, 50));
    await m.killAll(15);
    const r = await w.exited;
    t.equal(r.code, 3, 'the trap ran');
    t.match(r.stdout, /got-term/);
    t.ok(await eventually(() => m.pids().length === 0, 200, 50), 'the sleep got SIGTERM too');
    t.equal(m.freezerState(), 'thawed');
  });

  t.test('stats(): the fields a v2 kernel fills, in the runc events shape', async (t) => {
    const m = make(t);
    m.set({ memory: { limit: 64 * MiB, swap: 64 * MiB }, cpu: { quota: 50000, period: 100000, cpus: '0-1', mems: '0' }, pids: { limit: 50 }, hugepageLimits: [{ pageSize: '2MB', limit: 4 * MiB }] });
    // Some CPU (throttled) and a 24M anonymous buffer held while stats are read.
    // (dd blocks writing into a pipe nobody reads, its buffer filled.)
    start(t, m, 'i=0; while [ $i -lt 200 ]; do i=$((i+1)); done; dd if=/dev/zero bs=24M count=1 2>/dev/null | sleep 60');
    t.ok(await eventually(() => m.stats().memory.usage.max! > 24 * MiB, 300, 50), 'the buffer was charged');
    const s = m.stats();
    t.ok(s.cpu.usage.total > 0, `cpu.usage.total ns (${s.cpu.usage.total})`);
    t.ok(s.cpu.usage.user > 0, 'cpu.usage.user');
    t.ok(s.cpu.usage.total >= s.cpu.usage.user, 'total >= user');
    t.ok((s.cpu.throttling.periods ?? 0) > 0, 'throttling.periods');
    t.same(s.cpuset, { cpus: [0, 1], mems: [0] });
    t.ok(s.memory.usage.usage! > 0, 'memory.usage.usage from memory.current');
    t.equal(s.memory.usage.limit, 64 * MiB);
    t.ok(s.memory.usage.max! >= s.memory.usage.usage!, 'max (memory.peak) >= usage');
    t.ok(s.memory.raw!.anon > 0 && s.memory.raw!.file !== undefined, 'raw memory.stat');
    t.equal(s.memory.cache, s.memory.raw!.file, 'cache is memory.stat file');
    t.equal(s.memory.swap.limit, 64 * MiB, 'swap: memory+swap limit');
    t.ok(s.memory.swap.usage! >= s.memory.usage.usage!, 'swap usage: memory+swap');
    t.ok(s.pids.current! >= 2 && s.pids.current === m.pids().length, `pids.current (${s.pids.current})`);
    t.equal(s.pids.limit, 50);
    t.same(s.hugetlb['2MB'], { usage: 0, max: 4 * MiB, failcnt: 0 });
    t.equal(s.oomKills, 0);
    t.same(s.blkio.ioServiceBytesRecursive ?? [], [], 'no block IO yet');
  });

  t.test('update: changes reach the files; a refused update (checkBeforeUpdate, a bad value) changes nothing', async (t) => {
    const m = make(t);
    m.set({ memory: { limit: 64 * MiB }, pids: { limit: 30 }, cpu: { shares: 1024 } });
    const w = start(t, m, 'dd if=/dev/zero bs=16M count=1 2>/dev/null | sleep 60');
    t.ok(await eventually(() => m.stats().memory.usage.usage! > 16 * MiB, 300, 50), 'using 16M');
    m.update({ memory: { limit: 48 * MiB, checkBeforeUpdate: true }, pids: { limit: 40 } });
    t.equal(read(m, 'memory.max'), String(48 * MiB));
    t.equal(read(m, 'pids.max'), '40');
    const before = ['memory.max', 'pids.max', 'cpu.weight', 'memory.swap.max'].map((f) => read(m, f));
    const e1 = t.throws(() => m.update({ pids: { limit: 10 }, memory: { limit: 8 * MiB, checkBeforeUpdate: true } })) as CgroupError;
    t.equal(e1.code, 'ECHECKBEFOREUPDATE', 'a limit below the usage is refused');
    t.match(e1.file, /memory\.max$/);
    const e2 = t.throws(() => m.update({ cpu: { shares: 4096 }, pids: { limit: 12 }, hugepageLimits: [{ pageSize: '3MB', limit: 1 }] })) as CgroupError;
    t.equal(e2.code, 'ENOTSUPPORTED', 'an unknown huge page size');
    t.match(e2.file, /hugetlb\.3MB\.max$/, 'names the file');
    t.same(['memory.max', 'pids.max', 'cpu.weight', 'memory.swap.max'].map((f) => read(m, f)), before, 'every file as before both');
    t.equal(m.oomKills(), 0, 'nothing was killed');
    t.equal(w.child.exitCode, null, 'the process still runs');
  });

  t.test('a nested cgroupsPath: controllers reach the leaf through the parents apply made; destroy removes them all', async (t) => {
    const top = name();
    const cgroupsPath = `/${top}/pod/c1`;
    const m = createManager({ id: 'c1', cgroupsPath });
    t.teardown(() => m.destroy());
    const w = waiting('sleep 60 & sleep 60 & wait');
    t.teardown(() => w.child.kill('SIGKILL'));
    m.apply(w.pid);
    w.go();
    t.same(m.createdParents().sort(), [path.join(ROOT, top), path.join(ROOT, top, 'pod')]);
    for (const c of ['memory', 'pids', 'cpu', 'io']) t.ok(read(m, 'cgroup.controllers').split(' ').includes(c), `${c} in the leaf`);
    m.set({ memory: { limit: 32 * MiB }, pids: { limit: 10 } });
    t.equal(read(m, 'memory.max'), String(32 * MiB));
    // The container made its own sub-cgroup; a process is still running.
    fs.mkdirSync(path.join(dirOf(m), 'inner'));
    t.ok(await eventually(() => m.pids().length === 3, 200, 50));
    const pids = m.pids();
    // Another process (e.g. `delete`) destroys it from the saved state.
    const again = loadManager(m.paths(), { created: m.createdParents() });
    await again.destroy();
    t.same(pids.filter(alive), [], 'the processes were killed');
    t.notOk(fs.existsSync(path.join(ROOT, top)), 'the leaf, its sub-cgroup and the parents apply made are gone');
  });

  t.test('destroy keeps a parent it did not make, and a frozen cgroup is destroyed too', async (t) => {
    const top = name();
    fs.mkdirSync(path.join(ROOT, top));
    const m = createManager({ id: 'c', cgroupsPath: `/${top}/c` });
    t.teardown(async () => {
      await m.destroy();
      fs.rmdirSync(path.join(ROOT, top));
    });
    m.apply(-1);
    t.same(m.createdParents(), [], 'the parent existed');
    const w = start(t, m, 'while :; do :; done');
    t.ok(await eventually(() => cpuTicks(w.pid) > 0, 200, 50));
    const seen: number[] = [];
    const watch = m.watchOOM((e) => seen.push(e.oomKills));
    await m.freeze();
    await m.destroy();
    t.equal((await w.exited).signal, 'SIGKILL');
    await delay(200);
    t.same(seen, [], 'an OOM watcher open across destroy: no event, no error');
    watch.close();
    t.notOk(m.exists());
    t.ok(fs.existsSync(path.join(ROOT, top)), 'the parent stays');
    await m.destroy();
    t.pass('a second destroy is a no-op');
  });

  t.test('no cgroup is left behind', async (t) => {
    t.same(leftovers(PREFIX), []);
  });
}
