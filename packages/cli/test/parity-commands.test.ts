// Privileged: pause/resume, kill --all and delete --force on paused
// containers, ps, update, events and features on real busybox containers,
// checked from inside the container and from the host.
import t, { type Test } from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { bin, cgroupLeftovers, executorAvailable, makeBundle, ociTs, processLeftovers, uniqueId, type Result } from './helpers.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('features: a valid runtime-spec features document of what oci-ts supports', async (t) => {
  const r = ociTs(['features']);
  t.equal(r.status, 0, r.stderr);
  const f = JSON.parse(r.stdout);
  const { validateFeatures } = await import('@oci/spec');
  t.same(validateFeatures(f).problems, [], 'validateFeatures accepts it');
  t.ok(f.linux.namespaces.includes('pid') && f.linux.namespaces.includes('user'));
  t.ok(f.linux.capabilities.includes('CAP_SYS_ADMIN'));
  t.ok(f.linux.seccomp.enabled);
  t.ok(f.linux.seccomp.actions.includes('SCMP_ACT_NOTIFY'));
  t.ok(f.linux.seccomp.archs.includes('SCMP_ARCH_X86_64'));
  t.ok(f.mountOptions.includes('ro') && f.mountOptions.includes('rprivate'));
  t.ok(f.mountOptions.includes('rro') && f.mountOptions.includes('rnosymfollow'), 'recursive mount attributes (mount_setattr)');
  t.ok(f.mountOptions.includes('tmpcopyup'), 'tmpcopyup (copyup.rs), listed as runc/crun do');
  t.same(f.linux.cgroup, { v1: true, v2: true, systemd: true, systemdUser: false, rdma: true });
  t.ok(f.hooks.includes('createContainer'));
});

const why = await executorAvailable();
if (why) {
  t.test('privileged command tests', async (t) => { t.plan(0, `skipped: ${why}`); });
} else {
  const dir = t.testdir({ root: {} });
  const root = path.join(dir, 'root');
  let n = 0;
  const oci = (...args: string[]): Result => ociTs(['--root', root, ...args]);
  const ids: string[] = [];
  // A counter in the container's /dev/shm (tmpfs), read from the host through /proc/<init>/root.
  const COUNTER = 'i=0; while :; do i=$((i+1)); echo $i > /dev/shm/c; usleep 20000; done';
  // An init that never forks, for tests that fill the pids or memory limit:
  // busybox sh exits when a fork fails, so the COUNTER loop would die (and the
  // container stop) if its usleep fork landed while the limit is full.
  const idle = (c: any) => { c.process.args = ['sleep', '1000000']; };
  const container = (t: Test, patch: (c: any) => void = () => {}) => {
    const id = uniqueId('pc');
    const b = makeBundle(path.join(dir, `b${++n}`), (c) => { c.process.args = ['sh', '-c', COUNTER]; patch(c); });
    const r = oci('run', '-d', '-b', b, id);
    t.equal(r.status, 0, r.stderr);
    ids.push(id);
    t.teardown(() => { oci('delete', '--force', id); });
    const pid = JSON.parse(oci('state', id).stdout).pid as number;
    return { id, pid };
  };
  const counter = (pid: number) => { try { return Number(fs.readFileSync(`/proc/${pid}/root/dev/shm/c`, 'utf8')); } catch { return 0; } };
  const advances = async (pid: number) => {
    const first = counter(pid);
    for (let i = 0; i < 250; i++) { await sleep(20); if (counter(pid) > first) return true; }
    return false;
  };
  const statusOf = (id: string) => JSON.parse(oci('state', id).stdout).status;
  const waitStopped = async (id: string) => { for (let i = 0; i < 250 && statusOf(id) !== 'stopped'; i++) await sleep(20); return statusOf(id); };

  t.test('pause stops the processes (state "paused"), resume restarts them', async (t) => {
    const { id, pid } = container(t);
    t.ok(await advances(pid), 'the counter runs');
    t.equal(oci('pause', id).status, 0);
    t.equal(statusOf(id), 'paused');
    t.match(fs.readFileSync(`/proc/${pid}/status`, 'utf8'), /State:\s+[SD]/);
    const frozenAt = counter(pid);
    await sleep(300);
    t.equal(counter(pid), frozenAt, 'the counter does not move while paused');
    const again = oci('pause', id);
    t.not(again.status, 0);
    t.match(again.stderr, /container not running/);
    t.equal(oci('resume', id).status, 0);
    t.equal(statusOf(id), 'running');
    t.ok(await advances(pid), 'the counter runs again');
    const r = oci('resume', id);
    t.not(r.status, 0);
    t.match(r.stderr, /container not paused/);
  });

  t.test('kill --all KILL and delete --force on a paused container', async (t) => {
    const a = container(t);
    t.equal(oci('exec', '-d', a.id, 'sleep', '100').status, 0);
    t.equal(oci('pause', a.id).status, 0);
    t.equal(oci('kill', '--all', a.id, 'KILL').status, 0);
    t.equal(await waitStopped(a.id), 'stopped', 'every process died (the freezer was thawed after SIGKILL)');
    t.equal(oci('delete', a.id).status, 0);
    t.same(cgroupLeftovers(a.id), []);

    const b = container(t);
    t.equal(oci('pause', b.id).status, 0);
    const del = oci('delete', b.id);
    t.not(del.status, 0);
    t.match(del.stderr, /cannot delete container .* that is not stopped: paused/);
    t.equal(oci('delete', '--force', b.id).status, 0, 'delete --force removes a paused container');
    t.notOk(fs.existsSync(path.join(root, b.id)));
    t.same(cgroupLeftovers(b.id), []);
    t.same(processLeftovers(b.id), []);
  });

  t.test('ps: json pid list and the host ps table of the container processes', async (t) => {
    const { id, pid } = container(t);
    const pf = path.join(dir, 'ps.pid');
    t.equal(oci('exec', '-d', '--pid-file', pf, id, 'sleep', '100').status, 0);
    const ex = Number(fs.readFileSync(pf, 'utf8'));
    const j = oci('ps', '--format', 'json', id);
    t.equal(j.status, 0, j.stderr);
    const pids = JSON.parse(j.stdout);
    t.ok(pids.includes(pid) && pids.includes(ex), 'init and the exec\'d process');
    t.notOk(pids.includes(process.pid));
    const tab = oci('ps', id);
    t.match(tab.stdout, /^UID\s+PID\s+PPID/);
    t.match(tab.stdout, new RegExp(`^\\S+\\s+${ex}\\s.*sleep 100$`, 'm'));
    t.notMatch(tab.stdout, new RegExp(`\\s${process.pid}\\s`), 'no host process');
    const custom = oci('ps', id, '--', '-o', 'pid,comm');
    t.match(custom.stdout, /^\s*PID COMMAND\n/);
    t.match(custom.stdout, new RegExp(`^\\s*${ex} sleep$`, 'm'));
  });

  t.test('update: limits applied live and visible inside the container', async (t) => {
    const { id } = container(t, idle);
    const r = oci('update', '--memory', '48m', '--memory-swap', '64m', '--pids-limit', '6', '--cpu-quota', '20000', '--cpu-period', '100000', '--cpu-share', '512', '--cpuset-cpus', '0', id);
    t.equal(r.status, 0, r.stderr);
    const inside = oci('exec', id, 'sh', '-c', 'cd /sys/fs/cgroup; cat memory/memory.limit_in_bytes memory/memory.memsw.limit_in_bytes pids/pids.max cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us cpu/cpu.shares cpuset/cpuset.cpus');
    t.equal(inside.status, 0, inside.stderr);
    t.equal(inside.stdout, `${48 << 20}\n${64 << 20}\n6\n20000\n100000\n512\n0\n`);
    // The pids limit as behaviour: init and this shell leave room for 4 more; busybox sh stops at the failing fork.
    const fork = oci('exec', id, 'sh', '-c', 'for i in 1 2 3 4 5 6 7 8; do sleep 5 & done; echo all-forked');
    t.not(fork.status, 0);
    t.match(fork.stderr, /can't fork/, 'fork fails at pids.max');
    t.notMatch(fork.stdout, /all-forked/);
    // --resources - : runtime-spec linux.resources JSON on stdin.
    const res = spawnSync(process.execPath, [bin, '--root', root, 'update', '--resources', '-', id], { input: JSON.stringify({ memory: { limit: 32 << 20 }, pids: { limit: 50 } }), encoding: 'utf8' });
    t.equal(res.status, 0, res.stderr);
    const after = oci('exec', id, 'sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max; for i in 1 2 3 4 5 6 7 8; do sleep 1 & done; echo all-forked');
    t.equal(after.stdout, `${32 << 20}\n50\nall-forked\n`, 'the new limits, and forking works again');
    // containerd's CRI sends its whole LinuxResources, a deny-all device list
    // included: as with runc, update leaves the create-time device rules alone.
    const cri = spawnSync(process.execPath, [bin, '--root', root, 'update', '--resources', '-', id], { input: JSON.stringify({ devices: [{ allow: false, access: 'rwm' }], memory: { limit: 40 << 20 } }), encoding: 'utf8' });
    t.equal(cri.status, 0, cri.stderr);
    const dev = oci('exec', id, 'sh', '-c', 'echo x > /dev/null && cat /sys/fs/cgroup/memory/memory.limit_in_bytes');
    t.equal(dev.status, 0, dev.stderr);
    t.equal(dev.stdout, `${40 << 20}\n`, '/dev/null still writable, the memory limit applied');
    const bad = oci('update', '--memory', 'lots', id);
    t.not(bad.status, 0);
    t.match(bad.stderr, /invalid size: 'lots'/);
  });

  t.test('events --stats prints one runc-style stats object', async (t) => {
    const { id, pid } = container(t, (c) => { c.linux.resources = { ...c.linux.resources, memory: { limit: 64 << 20 }, pids: { limit: 40 } }; });
    const r = oci('events', '--stats', id);
    t.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    t.equal(lines.length, 1);
    const e = JSON.parse(lines[0]);
    t.equal(e.type, 'stats');
    t.equal(e.id, id);
    t.equal(e.data.memory.usage.limit, 64 << 20);
    t.equal(e.data.pids.limit, 40);
    t.ok(e.data.pids.current >= 1);
    t.ok(e.data.cpu.usage.total > 0);
    t.ok(pid > 0);
  });

  t.test('events streams stats every --interval and reports an OOM kill as it happens', async (t) => {
    const { id } = container(t, (c) => { idle(c); c.linux.resources = { ...c.linux.resources, memory: { limit: 16 << 20, swap: 16 << 20 } }; });
    const ev = spawn(process.execPath, [bin, '--root', root, 'events', '--interval', '200ms', id], { stdio: ['ignore', 'pipe', 'inherit'] });
    const events: any[] = [];
    let buf = '';
    const seen = (pred: (e: any) => boolean) => new Promise<boolean>((resolve) => {
      const check = () => { if (events.some(pred)) { resolve(true); return true; } return false; };
      if (check()) return;
      const timer = setTimeout(() => resolve(false), 30_000);
      ev.stdout.on('data', () => { if (check()) clearTimeout(timer); });
    });
    ev.stdout.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) { events.push(JSON.parse(buf.slice(0, i))); buf = buf.slice(i + 1); }
    });
    t.teardown(() => { ev.kill('SIGKILL'); });
    t.ok(await seen(() => events.filter((e) => e.type === 'stats').length >= 2), 'stats events keep coming');
    // tail reads /dev/zero looking for a newline and buffers without bound: the memory cgroup OOM-kills it.
    const oom = oci('exec', id, 'tail', '/dev/zero');
    t.equal(oom.status, 137, 'the exec\'d process was SIGKILLed');
    t.ok(await seen((e) => e.type === 'oom' && e.id === id), 'an oom event');
    t.equal(oci('kill', id, 'KILL').status, 0);
    const code = await new Promise((resolve) => ev.on('close', resolve));
    t.equal(code, 0, 'the stream ends when the container stops');
  });

  t.test('every container and cgroup is gone afterwards', async (t) => {
    t.same(fs.readdirSync(root).filter((f) => !f.startsWith('.')), []);
    for (const id of ids) t.same(cgroupLeftovers(id), [], `no cgroup left for ${id}`);
  });
}
