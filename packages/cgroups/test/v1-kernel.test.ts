// cgroup v1 on the real kernel: cgroups created under unique names, each
// removed by the test that made it, and the file ends by asserting none is
// left. Skips where the host has no v1 hierarchies (pure v2) or no root.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { createManager, loadManager, CgroupError, type Manager } from '../src/index.ts';
import { emulate } from '../src/devices/v1.ts';
import { normalizeRule } from '../src/devices/rule.ts';
import { leftovers, hasV1, waiting, cpuTicks, delay, eventually } from './helpers.ts';

const PREFIX = `oci-ts-test-v1k-${process.pid}-`;
const name = () => '/' + PREFIX + Math.random().toString(36).slice(2, 8);

if (!hasV1('memory', 'pids', 'freezer', 'devices', 'cpu')) {
  t.pass('skipped: no cgroup v1 hierarchies here (or not root)');
} else {
  const make = (t: { teardown(fn: () => unknown): void }, extra: Partial<Parameters<typeof createManager>[0]> = {}): Manager => {
    const id = name();
    const m = createManager({ id: path.basename(id), cgroupsPath: id, ...extra });
    t.teardown(() => m.destroy());
    return m;
  };

  t.test('paths: absolute cgroupsPath under every v1 hierarchy (and unified on hybrid)', async (t) => {
    const m = make(t);
    const p = m.paths();
    t.match(p.memory, /^\/sys\/fs\/cgroup\/memory\/oci-ts-test-v1k-/);
    t.match(p.pids, /^\/sys\/fs\/cgroup\/pids\/oci-ts-test-v1k-/);
    t.notOk(m.exists(), 'nothing is created before apply');
    m.apply(-1);
    t.ok(m.exists(), 'apply(-1) creates the directories');
    for (const d of new Set(Object.values(p))) t.ok(fs.statSync(d).isDirectory(), d);
  });

  t.test('a process over its pids limit cannot fork', async (t) => {
    const m = make(t);
    const w = waiting('for i in 1 2 3 4 5 6; do sleep 30 & done; echo forked; wait');
    t.teardown(() => w.child.kill('SIGKILL'));
    m.apply(w.pid);
    m.set({ pids: { limit: 3 } });
    t.equal(fs.readFileSync(path.join(m.paths().pids, 'pids.max'), 'utf8').trim(), '3');
    w.go();
    t.ok(await eventually(() => /fork|Resource temporarily unavailable/i.test(w.stderr()), 150), 'the shell reports a failed fork');
    const s = m.stats();
    t.ok(s.pids.current! <= 3 && s.pids.current! >= 2, `pids.current stays within the limit (${s.pids.current})`);
    t.equal(s.pids.limit, 3);
    t.ok(Number(fs.readFileSync(path.join(m.paths().pids, 'pids.events'), 'utf8').split(' ')[1]) > 0, 'pids.events counts the refusals');
    await m.killAll(9);
  });

  t.test('a memory hog over its limit is OOM-killed and the event is seen', async (t) => {
    const m = make(t);
    const w = waiting('exec dd if=/dev/zero of=/dev/null bs=256M count=1');
    t.teardown(() => w.child.kill('SIGKILL'));
    m.apply(w.pid);
    m.set({ memory: { limit: 32 << 20, swap: 32 << 20 } });
    const events: number[] = [];
    const watch = m.watchOOM((e) => events.push(e.oomKills));
    t.teardown(() => watch.close());
    t.equal(m.oomKills(), 0);
    w.go();
    const r = await w.exited;
    t.equal(r.signal, 'SIGKILL', 'dd was killed');
    t.ok(m.oomKills() >= 1, 'memory.oom_control counts the kill');
    t.ok(await eventually(() => events.length >= 1), 'the OOM listener was called');
    const s = m.stats();
    t.equal(s.memory.usage.limit, 32 << 20);
    t.ok(s.memory.usage.max! >= (32 << 20) * 0.9, `peak usage reached the limit (${s.memory.usage.max})`);
    t.ok((s.oomKills ?? 0) >= 1);
  });

  t.test('cpu quota shows in cpu.stat throttling', async (t) => {
    const m = make(t);
    const w = waiting('while :; do :; done');
    t.teardown(() => w.child.kill('SIGKILL'));
    m.apply(w.pid);
    m.set({ cpu: { quota: 1000, period: 100000, shares: 256 } });
    t.equal(fs.readFileSync(path.join(m.paths().cpu, 'cpu.cfs_quota_us'), 'utf8').trim(), '1000');
    w.go();
    t.ok(await eventually(() => (m.stats().cpu.throttling.throttledPeriods ?? 0) > 0, 500, 20), 'nr_throttled grows');
    // throttled_time is added when a throttled period ends.
    t.ok(await eventually(() => (m.stats().cpu.throttling.throttledTime ?? 0) > 0, 500, 20), 'throttled_time grows');
    const s = m.stats();
    t.ok(s.cpu.usage.total > 0, 'cpuacct.usage counts');
  });

  t.test('freeze stops a busy process and thaw resumes it', async (t) => {
    const m = make(t);
    const w = waiting('while :; do :; done');
    t.teardown(() => w.child.kill('SIGKILL'));
    m.apply(w.pid);
    w.go();
    t.ok(await eventually(() => cpuTicks(w.pid) > 0), 'it runs');
    await m.freeze();
    t.equal(m.freezerState(), 'frozen');
    const a = cpuTicks(w.pid);
    await delay(150);
    t.equal(cpuTicks(w.pid), a, 'no CPU time while frozen');
    await m.thaw();
    t.equal(m.freezerState(), 'thawed');
    t.ok(await eventually(() => cpuTicks(w.pid) > a), 'it runs again after thaw');
  });

  t.test('killAll leaves the cgroup empty, forks included', async (t) => {
    const m = make(t);
    const w = waiting('sleep 60 & sleep 60 & (sleep 60 & wait) & echo up; wait');
    t.teardown(() => w.child.kill('SIGKILL'));
    m.apply(w.pid);
    w.go();
    t.ok(await eventually(() => m.pids().length >= 4), 'the shell and its children are in');
    await m.killAll(9);
    t.same(m.pids(), [], 'no process left');
    const r = await w.exited;
    t.equal(r.signal, 'SIGKILL');
  });

  t.test('a frozen (paused) container is killed and destroyed', async (t) => {
    const m = make(t);
    const w = waiting('sleep 60 & while :; do :; done');
    t.teardown(() => w.child.kill('SIGKILL'));
    m.apply(w.pid);
    w.go();
    t.ok(await eventually(() => m.pids().length === 2));
    await m.freeze();
    await m.killAll(9);
    t.same(m.pids(), []);
    t.equal((await w.exited).signal, 'SIGKILL');
    t.not(m.freezerState(), 'frozen', 'left thawed');
    await m.destroy();
    t.notOk(m.exists());
  });

  t.test('killAll with SIGTERM signals every process', async (t) => {
    const m = make(t);
    const w = waiting('sleep 60 & wait');
    m.apply(w.pid);
    w.go();
    t.ok(await eventually(() => m.pids().length >= 2));
    await m.killAll(15);
    const r = await w.exited;
    t.equal(r.signal, 'SIGTERM');
    t.ok(await eventually(() => m.pids().length === 0), 'the sleeps got it too');
  });

  t.test('device rules deny opening /dev/null inside', async (t) => {
    const m = make(t);
    const w = waiting('echo x > /dev/null && echo null-ok; head -c 1 /dev/zero > /dev/full; echo rc=$?');
    t.teardown(() => w.child.kill('SIGKILL'));
    m.apply(w.pid);
    // Deny everything, then allow /dev/zero (1:5) and /dev/full (1:7) only.
    m.set({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 7, access: 'rw' }] });
    const list = fs.readFileSync(path.join(m.paths().devices, 'devices.list'), 'utf8');
    t.match(list, /c 1:5 rwm/);
    t.notMatch(list, /a \*:\* rwm/);
    w.go();
    const r = await w.exited;
    t.notMatch(r.stdout, /null-ok/, 'opening /dev/null failed');
    t.match(r.stderr, /\/dev\/null.*(Operation not permitted|Permission denied)/);
    t.notMatch(r.stderr, /\/dev\/zero/, '/dev/zero stayed allowed');
  });

  t.test('device rules: the kernel ends where the emulation says, before and after an update', async (t) => {
    const m = make(t);
    m.apply(-1);
    const listed = () => fs.readFileSync(path.join(m.paths().devices, 'devices.list'), 'utf8').split('\n').filter(Boolean).sort();
    const expect = (rs: Parameters<typeof m.set>[0]) => [...emulate(rs!.devices!.map((d, i) => normalizeRule(d, i))).exceptions].map(([k, v]) => `${k} ${v}`).sort();
    const a = { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }, { allow: true, type: 'c', major: 136, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'm' }, { allow: true, type: 'a', access: 'm' }] };
    m.set(a);
    t.same(listed(), expect(a));
    const b = { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 5, access: 'r' }, { allow: true, type: 'c', major: 1, minor: 7, access: 'rw' }] };
    m.update(b);
    t.same(listed(), expect(b));
    t.same(listed(), ['c 1:5 r', 'c 1:7 rw']);
  });

  t.test('a value the kernel rejects names resource, file and value; the set is rolled back', async (t) => {
    const m = make(t);
    m.apply(-1);
    m.set({ pids: { limit: 50 }, memory: { limit: 64 << 20 } });
    const err = t.throws(() => m.set({ memory: { limit: 128 << 20 }, cpu: { cpus: '0-4095' }, pids: { limit: 10 } })) as CgroupError;
    t.equal(err.code, 'EWRITE');
    t.equal(err.resource, 'cpu.cpus');
    t.match(err.file, /cpuset\.cpus$/);
    t.equal(err.value, '0-4095');
    t.ok(err.errno && err.errno > 0, 'errno is set');
    // cpuset runs first, so nothing else was written; check memory anyway.
    t.equal(fs.readFileSync(path.join(m.paths().memory, 'memory.limit_in_bytes'), 'utf8').trim(), String(64 << 20));
    t.equal(fs.readFileSync(path.join(m.paths().pids, 'pids.max'), 'utf8').trim(), '50');
    // A failure after earlier writes: memory changes, then cpu.shares is out of range.
    t.throws(() => m.set({ memory: { limit: 96 << 20 }, cpu: { shares: 1 } }), { code: 'EINVALID', resource: 'cpu.shares' });
    t.equal(fs.readFileSync(path.join(m.paths().memory, 'memory.limit_in_bytes'), 'utf8').trim(), String(64 << 20), 'memory limit restored');
  });

  t.test('memory: raising and lowering limit with swap in either order', async (t) => {
    const m = make(t);
    m.apply(-1);
    const mem = m.paths().memory;
    const read = (f: string) => Number(fs.readFileSync(path.join(mem, f), 'utf8'));
    m.set({ memory: { limit: 64 << 20, swap: 128 << 20, reservation: 32 << 20, swappiness: 10 } });
    t.equal(read('memory.limit_in_bytes'), 64 << 20);
    t.equal(read('memory.memsw.limit_in_bytes'), 128 << 20);
    t.equal(read('memory.soft_limit_in_bytes'), 32 << 20);
    t.equal(read('memory.swappiness'), 10);
    m.update({ memory: { limit: 256 << 20, swap: 512 << 20 } });
    t.equal(read('memory.limit_in_bytes'), 256 << 20, 'raised (swap written first)');
    m.update({ memory: { limit: 16 << 20, swap: 32 << 20 } });
    t.equal(read('memory.memsw.limit_in_bytes'), 32 << 20, 'lowered (limit written first)');
    m.update({ memory: { limit: -1 } });
    t.ok(read('memory.limit_in_bytes') > 1e15, 'unlimited');
    t.ok(read('memory.memsw.limit_in_bytes') > 1e15, 'swap follows an unlimited limit');
    m.update({ memory: { disableOOMKiller: true } });
    t.match(fs.readFileSync(path.join(mem, 'memory.oom_control'), 'utf8'), /oom_kill_disable 1/);
  });

  t.test('checkBeforeUpdate refuses a limit below usage', async (t) => {
    const m = make(t);
    const w = waiting('exec dd if=/dev/zero of=/dev/null bs=24M count=1000000');
    t.teardown(() => w.child.kill('SIGKILL'));
    m.apply(w.pid);
    m.set({ memory: { limit: 128 << 20 } });
    w.go();
    t.ok(await eventually(() => m.stats().memory.usage.usage! > 16 << 20), 'dd holds its buffer');
    t.throws(() => m.update({ memory: { limit: 4 << 20, checkBeforeUpdate: true } }), { code: 'ECHECKBEFOREUPDATE' });
    t.equal(m.stats().memory.usage.limit, 128 << 20, 'limit unchanged');
  });

  t.test('reattach from saved paths: stats, kill and destroy', async (t) => {
    const m = make(t);
    const w = waiting('sleep 60');
    m.apply(w.pid);
    const again = loadManager(JSON.parse(JSON.stringify(m.paths())));
    t.same(again.pids(), [w.pid]);
    await again.destroy();
    t.notOk(again.exists());
    t.notOk(fs.existsSync(m.paths().memory));
    const r = await w.exited;
    t.equal(r.signal, 'SIGKILL', 'destroy killed what was left');
  });

  t.test('nested cgroupsPath creates parents and destroy removes them', async (t) => {
    const top = name();
    const m = createManager({ id: 'x', cgroupsPath: `${top}/a/b` });
    t.teardown(() => m.destroy());
    m.apply(-1);
    t.ok(fs.existsSync(`/sys/fs/cgroup/pids${top}/a/b`));
    // The cpuset chain got cpus/mems so a process can join.
    t.not(fs.readFileSync(`/sys/fs/cgroup/cpuset${top}/a/b/cpuset.cpus`, 'utf8').trim(), '');
    await m.destroy();
    t.notOk(fs.existsSync(`/sys/fs/cgroup/pids${top}`), 'parents made for it are gone');
  });

  t.test('systemd driver fails clearly', async (t) => {
    t.throws(() => createManager({ id: 'x', systemd: true }), { code: 'ESYSTEMD', message: /systemd/ });
  });

  t.test('no cgroup is left behind', async (t) => {
    t.same(leftovers(PREFIX), []);
  });
}
