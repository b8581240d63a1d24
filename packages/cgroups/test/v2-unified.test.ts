// cgroup v2 on the real kernel, in the cgroup2 hierarchy (/sys/fs/cgroup/unified
// on this hybrid host, with only hugetlb): apply, cgroup.procs, freeze via
// cgroup.freeze + cgroup.events, cgroup.kill, populated events, destroy, and
// the eBPF device program denying /dev/null. No controller is enabled
// anywhere: the hierarchy's root is not ours to reconfigure.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { V2Manager } from '../src/fs2/manager.ts';
import { V1Manager } from '../src/fs/manager.ts';
import { createManager, CgroupError } from '../src/index.ts';
import { attachedDevicePrograms, hasCore } from '../src/devices/bpf.ts';
import { unifiedMount, leftovers, waiting, cpuTicks, delay, eventually } from './helpers.ts';

const PREFIX = `oci-ts-test-v2u-${process.pid}-`;
const mount = unifiedMount();

if (!mount) {
  t.pass('skipped: no cgroup2 hierarchy here (or not root)');
} else {
  const make = (t: { teardown(fn: () => unknown): void }, sub = ''): V2Manager => {
    const m = new V2Manager(path.join(mount, PREFIX + Math.random().toString(36).slice(2, 8) + sub));
    t.teardown(() => m.destroy());
    return m;
  };
  const events = (m: V2Manager) => fs.readFileSync(path.join(m.paths()[''], 'cgroup.events'), 'utf8');

  t.test('apply puts the process in cgroup.procs and cgroup.events says populated', async (t) => {
    const m = make(t);
    const w = waiting('sleep 60');
    t.teardown(() => w.child.kill('SIGKILL'));
    m.apply(w.pid);
    t.same(m.pids(), [w.pid]);
    t.match(events(m), /populated 1/);
    t.match(fs.readFileSync(`/proc/${w.pid}/cgroup`, 'utf8'), new RegExp(`0::.*${PREFIX}`), '/proc/pid/cgroup shows it');
  });

  t.test('freeze stops a busy process, thaw resumes it (cgroup.freeze, cgroup.events)', async (t) => {
    const m = make(t);
    const w = waiting('while :; do :; done');
    t.teardown(() => w.child.kill('SIGKILL'));
    m.apply(w.pid);
    w.go();
    t.ok(await eventually(() => cpuTicks(w.pid) > 0));
    await m.freeze();
    t.match(events(m), /frozen 1/);
    t.equal(m.freezerState(), 'frozen');
    const a = cpuTicks(w.pid);
    await delay(150);
    t.equal(cpuTicks(w.pid), a, 'no CPU time while frozen');
    await m.thaw();
    t.match(events(m), /frozen 0/);
    t.ok(await eventually(() => cpuTicks(w.pid) > a), 'runs after thaw');
  });

  t.test('killAll uses cgroup.kill and leaves the cgroup empty', async (t) => {
    const m = make(t);
    const w = waiting('sleep 60 & sleep 60 & echo up; wait');
    t.teardown(() => w.child.kill('SIGKILL'));
    m.apply(w.pid);
    w.go();
    t.ok(await eventually(() => m.pids().length === 3));
    await m.killAll(9);
    t.match(events(m), /populated 0/);
    t.same(m.pids(), []);
    t.equal((await w.exited).signal, 'SIGKILL');
  });

  t.test('a frozen cgroup is killed, left thawed and destroyed', async (t) => {
    const m = make(t);
    const w = waiting('sleep 60 & while :; do :; done');
    t.teardown(() => w.child.kill('SIGKILL'));
    m.apply(w.pid);
    w.go();
    t.ok(await eventually(() => m.pids().length === 2));
    await m.freeze();
    await m.killAll(9);
    t.same(m.pids(), []);
    t.equal(m.freezerState(), 'thawed');
    await m.destroy();
    t.notOk(m.exists());
  });

  t.test('killAll with another signal freezes, signals each, thaws', async (t) => {
    const m = make(t);
    const w = waiting('sleep 60 & wait');
    m.apply(w.pid);
    w.go();
    t.ok(await eventually(() => m.pids().length === 2));
    await m.killAll(15);
    t.equal((await w.exited).signal, 'SIGTERM');
    t.equal(m.freezerState(), 'thawed');
  });

  t.test('destroy kills, removes nested sub-cgroups, leaves nothing', async (t) => {
    const m = make(t);
    const w = waiting('sleep 60');
    m.apply(w.pid);
    const dir = m.paths()[''];
    fs.mkdirSync(path.join(dir, 'child'));
    fs.mkdirSync(path.join(dir, 'child', 'grandchild'));
    // No internal processes: the process must live in a leaf to nest.
    fs.writeFileSync(path.join(dir, 'child', 'grandchild', 'cgroup.procs'), String(w.pid));
    t.same(m.pids(), [w.pid], 'pids() sees sub-cgroups');
    await m.destroy();
    t.notOk(fs.existsSync(dir));
    t.equal((await w.exited).signal, 'SIGKILL');
  });

  t.test('resources whose controller is not enabled fail clearly, naming it', async (t) => {
    const m = make(t);
    m.apply(-1);
    const enabled = fs.readFileSync(path.join(m.paths()[''], 'cgroup.controllers'), 'utf8');
    if (/\bpids\b/.test(enabled)) {
      t.pass('skipped: pids is enabled here');
      return;
    }
    t.throws(() => m.set({ pids: { limit: 5 } }), { code: 'ENOTSUPPORTED', resource: 'pids', message: /pids controller is not enabled/ });
  });

  t.test('unified keys: core files that move processes are refused', async (t) => {
    const m = make(t);
    m.apply(-1);
    t.throws(() => m.set({ unified: { 'cgroup.procs': '1' } }), { code: 'EINVALID' });
    t.throws(() => m.set({ unified: { '../cgroup.max.depth': '1' } }), { code: 'EINVALID' });
    m.set({ unified: { 'cgroup.max.depth': '3' } });
    t.equal(fs.readFileSync(path.join(m.paths()[''], 'cgroup.max.depth'), 'utf8').trim(), '3');
    const err = t.throws(() => m.set({ unified: { 'cgroup.max.descendants': 'lots' } })) as CgroupError;
    t.equal(err.code, 'EWRITE');
    t.equal(err.resource, 'unified.cgroup.max.descendants');
    t.equal(err.value, 'lots');
    t.equal(err.errno, 22, 'EINVAL from the kernel');
  });

  t.test('the eBPF device program denies /dev/null (BPF_CGROUP_DEVICE)', { skip: hasCore() ? false : 'skipped: @oci/core not built' }, async (t) => {
    const m = make(t);
    const w = waiting('echo x > /dev/null && echo null-ok; head -c 1 /dev/zero | od -An -tx1; echo y > /dev/full; echo done');
    t.teardown(() => w.child.kill('SIGKILL'));
    m.apply(w.pid);
    m.set({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 5, access: 'r' }, { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 7, access: 'w' }] });
    t.equal(attachedDevicePrograms(m.paths()['']).length, 1, 'one program attached');
    w.go();
    const r = await w.exited;
    t.notMatch(r.stdout, /null-ok/, '/dev/null: no access');
    t.match(r.stderr, /\/dev\/null.*Operation not permitted/);
    t.match(r.stdout, /00/, '/dev/zero readable');
    t.match(r.stderr, /\/dev\/full.*Operation not permitted/, '/dev/full: write denied by the last rule');
    t.match(r.stdout, /done/);
  });

  t.test('replacing the device program keeps exactly one attached', { skip: hasCore() ? false : 'skipped: @oci/core not built' }, async (t) => {
    const m = make(t);
    m.apply(-1);
    m.set({ devices: [{ allow: false, access: 'rwm' }] });
    const first = attachedDevicePrograms(m.paths()['']);
    m.update({ devices: [{ allow: true, access: 'rwm' }] });
    const second = attachedDevicePrograms(m.paths()['']);
    t.equal(second.length, 1);
    t.not(second[0], first[0], 'a new program replaced the old one');
    const w = waiting('echo x > /dev/null && echo null-ok');
    m.apply(w.pid);
    w.go();
    t.match((await w.exited).stdout, /null-ok/, 'allow-all lets /dev/null open');
  });

  t.test('createManager with driver v2 places an absolute cgroupsPath in the cgroup2 mount', async (t) => {
    const name = PREFIX + 'abs';
    const m = createManager({ id: 'c1', cgroupsPath: `/${name}`, driver: 'v2', detection: { mode: 'hybrid', v1: {}, unified: { mountpoint: mount, root: '/' }, unifiedControllers: [], own: { '': '/' } } });
    t.teardown(() => m.destroy());
    t.same(m.paths(), { '': path.join(mount, name) });
    m.apply(-1);
    t.ok(m.exists());
    await m.destroy();
    t.notOk(m.exists());
  });

  t.test('hybrid without a v1 freezer freezes through the cgroup2 side', async (t) => {
    const dir = path.join(mount, PREFIX + 'hyb');
    const m = new V1Manager({ '': dir }, { mode: 'hybrid', v1: {}, unified: { mountpoint: mount, root: '/' }, unifiedControllers: [], own: {} });
    t.teardown(() => m.destroy());
    const w = waiting('while :; do :; done');
    t.teardown(() => w.child.kill('SIGKILL'));
    m.apply(w.pid);
    w.go();
    t.ok(await eventually(() => cpuTicks(w.pid) > 0));
    await m.freeze();
    t.equal(m.freezerState(), 'frozen');
    t.equal(fs.readFileSync(path.join(dir, 'cgroup.freeze'), 'utf8').trim(), '1');
    await m.thaw();
    t.equal(m.freezerState(), 'thawed');
    await m.killAll(9);
    t.same(m.pids(), []);
  });

  t.test('no cgroup is left behind', async (t) => {
    t.same(leftovers(PREFIX), []);
  });
}
