// The container lifecycle on a pure cgroup v2 host (issue 8): busybox
// containers with resources, `update`, `pause`/`resume`, `events --stats`
// and the OOM event, the eBPF device program, `delete --force`, all through
// the real `oci-ts` bin and checked from inside the container where that is
// where a user sees them. This host is hybrid (v1 controllers), so the file
// skips here; tools/guest/stage.mjs runs it in the QEMU guest, whose
// /sys/fs/cgroup is a cgroup2 with every controller:
//   tools/guest/run-in-guest --disk 64 node tools/guest/stage.mjs packages/cli/test/cgroups-v2.guest.test.ts
// (--disk gives the guest /dev/vda for the block device checks).
import t, { type Test } from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { bin, executorAvailable, makeBundle, ociTs, processLeftovers, uniqueId, type Result } from './helpers.ts';

const CGROUP2_SUPER_MAGIC = 0x63677270; // statfs(2)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let pureV2 = false;
try {
  pureV2 = fs.statfsSync('/sys/fs/cgroup').type === CGROUP2_SUPER_MAGIC;
} catch {
  // no /sys/fs/cgroup at all
}
const why = !pureV2 ? 'needs a pure cgroup v2 host; run it in the guest (tools/guest/run-in-guest)' : await executorAvailable();

if (why) {
  t.pass(`skipped: ${why}`);
} else {
  const dir = fs.mkdtempSync('/tmp/oci-ts-guest-cli-');
  const root = path.join(dir, 'root');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const oci = (...args: string[]): Result => ociTs(['--root', root, ...args], { timeout: 120_000 });
  const ids: string[] = [];
  // A counter in the container's /dev/shm, read from the host through /proc/<init>/root.
  const COUNTER = 'i=0; while :; do i=$((i+1)); echo $i > /dev/shm/c; usleep 20000; done';
  // An init that never forks (the pids and memory tests fill their limits).
  const idle = (c: any) => { c.process.args = ['sleep', '1000000']; };
  const container = (t: Test, patch: (c: any) => void = () => {}) => {
    const id = uniqueId('g2');
    const b = makeBundle(path.join(dir, `b${++n}`), (c) => { c.process.args = ['sh', '-c', COUNTER]; patch(c); });
    // --pid-file rather than a `state` call: each oci-ts run costs seconds under emulation.
    const pidFile = path.join(dir, `${id}.pid`);
    const r = oci('run', '-d', '--pid-file', pidFile, '-b', b, id);
    t.equal(r.status, 0, `run -d: ${r.stderr}`);
    ids.push(id);
    t.teardown(() => { oci('delete', '--force', id); });
    const pid = r.status === 0 ? Number(fs.readFileSync(pidFile, 'utf8')) : 0;
    return { id, pid };
  };
  /** The container's cgroup2 directory on the host, from its init's /proc/<pid>/cgroup ("0::/path"). */
  const cgroupDir = (pid: number) => path.join('/sys/fs/cgroup', /^0::(.*)$/m.exec(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8'))![1]);
  const counter = (pid: number) => { try { return Number(fs.readFileSync(`/proc/${pid}/root/dev/shm/c`, 'utf8')); } catch { return 0; } };
  const advances = async (pid: number) => {
    const first = counter(pid);
    for (let i = 0; i < 200; i++) { await sleep(50); if (counter(pid) > first) return true; }
    return false;
  };
  const statusOf = (id: string) => JSON.parse(oci('state', id).stdout).status;
  const exists = (p: string) => fs.existsSync(p);
  // The scratch disk run-in-guest --disk attaches, as "major:minor".
  const disk = exists('/sys/block/vda/dev') ? fs.readFileSync('/sys/block/vda/dev', 'utf8').trim() : undefined;

  t.test('create-time resources are the v2 files the container sees', async (t) => {
    const throttle = disk ? { throttleWriteBpsDevice: [{ major: Number(disk.split(':')[0]), minor: Number(disk.split(':')[1]), rate: 1 << 20 }] } : undefined;
    const { id, pid } = container(t, (c) => {
      idle(c);
      c.linux.resources = {
        ...c.linux.resources,
        memory: { limit: 64 << 20, swap: 96 << 20, reservation: 16 << 20 },
        cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0', mems: '0' },
        pids: { limit: 40 },
        hugepageLimits: [{ pageSize: '2MB', limit: 2 << 20 }],
        ...(throttle ? { blockIO: throttle } : {}),
        unified: { 'memory.high': String(60 << 20) },
      };
    });
    const files = ['memory.max', 'memory.swap.max', 'memory.low', 'memory.high', 'cpu.max', 'cpu.weight', 'cpuset.cpus', 'cpuset.mems', 'pids.max', 'hugetlb.2MB.max'];
    const inside = oci('exec', id, 'sh', '-c', `cd /sys/fs/cgroup && cat ${files.join(' ')} && cat /proc/self/status /proc/self/mountinfo`);
    t.equal(inside.status, 0, inside.stderr);
    const lines = inside.stdout.split('\n');
    t.same(lines.slice(0, files.length), [
      String(64 << 20), // memory.max
      String(32 << 20), // memory.swap.max: runtime-spec swap is memory+swap, v2 counts swap alone
      String(16 << 20), // memory.low from reservation
      String(60 << 20), // memory.high from unified
      '50000 100000',
      '20', // cpu.weight: runc's shares→weight conversion of 512
      '0',
      '0',
      '40',
      String(2 << 20),
    ], files.join(', '));
    t.match(inside.stdout, /^Cpus_allowed_list:\s+0$/m, 'the container\'s processes are pinned to cpu 0');
    t.match(inside.stdout, /^\S+ \S+ \S+ \S+ \/sys\/fs\/cgroup ro,\S*( .*)? - cgroup2 /m, 'a read-only cgroup2 at /sys/fs/cgroup');
    if (disk) {
      t.match(fs.readFileSync(path.join(cgroupDir(pid), 'io.max'), 'utf8'), new RegExp(`^${disk} rbps=max wbps=${1 << 20} riops=max wiops=max$`, 'm'), 'io.max of the scratch disk');
    }
    // The container's cgroup is its own: the host sees the init in it, and the mount inside shows only that cgroup.
    t.equal(fs.readFileSync(path.join(cgroupDir(pid), 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number).includes(pid), true, 'the init is in the container cgroup');
    const procs = oci('exec', id, 'cat', '/sys/fs/cgroup/cgroup.procs');
    t.ok(procs.stdout.trim().split('\n').length >= 2, 'inside, cgroup.procs lists the init and the exec');

    // events --stats: one runc-style stats object read from the v2 files.
    const ev = oci('events', '--stats', id);
    t.equal(ev.status, 0, ev.stderr);
    const evLines = ev.stdout.trim().split('\n');
    t.equal(evLines.length, 1, 'events --stats prints one line');
    const e = JSON.parse(evLines[0]);
    t.equal(e.type, 'stats');
    t.equal(e.id, id);
    t.equal(e.data.memory.usage.limit, 64 << 20, 'memory.max');
    t.ok(e.data.memory.usage.usage > 0, 'memory.current');
    t.ok(Object.keys(e.data.memory.raw ?? {}).includes('anon'), 'memory.stat keys');
    t.equal(e.data.pids.limit, 40, 'pids.max');
    t.ok(e.data.pids.current >= 1, 'pids.current');
    t.ok(e.data.cpu.usage.total > 0, 'cpu.stat usage_usec');
    t.equal(e.data.hugetlb?.['2MB']?.failcnt, 0, 'hugetlb 2MB entry');
  });

  t.test('the eBPF device program: a node without an allow rule cannot be opened', { skip: disk ? false : 'no scratch disk (run-in-guest --disk MIB)' }, async (t) => {
    const [major, minor] = disk!.split(':').map(Number);
    const node = { path: '/dev/scratch', type: 'b', major, minor, fileMode: 0o660, uid: 0, gid: 0 };
    const denied = container(t, (c) => { idle(c); c.linux.devices = [node]; });
    const r = oci('exec', denied.id, 'sh', '-c', 'ls -l /dev/scratch && head -c 512 /dev/scratch | wc -c');
    t.match(r.stdout, /^b.*\/dev\/scratch$/m, 'the node exists in the container');
    t.match(r.stderr, /Operation not permitted/, 'opening it is refused by the device program');
    t.match(r.stdout, /^0$/m, 'nothing was read');
    const allowed = container(t, (c) => {
      idle(c);
      c.linux.devices = [node];
      c.linux.resources.devices.push({ allow: true, type: 'b', major, minor, access: 'r' });
    });
    const ok = oci('exec', allowed.id, 'sh', '-c', 'head -c 512 /dev/scratch | wc -c; echo x > /dev/scratch');
    t.match(ok.stdout, /^512$/m, 'with an allow rule for reading, 512 bytes are read');
    t.match(ok.stderr, /Operation not permitted/, 'writing is still refused (access "r")');
  });

  t.test('update: new limits are live and visible inside; pids.max stops fork', async (t) => {
    const { id, pid } = container(t, idle);
    const r = oci('update', '--memory', '48m', '--memory-swap', '64m', '--pids-limit', '6', '--cpu-quota', '20000', '--cpu-period', '100000', '--cpu-share', '1024', '--cpuset-cpus', '0', id);
    t.equal(r.status, 0, r.stderr);
    const inside = oci('exec', id, 'sh', '-c', 'cd /sys/fs/cgroup; cat memory.max memory.swap.max pids.max cpu.max cpu.weight cpuset.cpus');
    t.equal(inside.stdout, `${48 << 20}\n${16 << 20}\n6\n20000 100000\n39\n0\n`, inside.stderr);
    const fork = oci('exec', id, 'sh', '-c', 'for i in 1 2 3 4 5 6 7 8; do sleep 5 & done; echo all-forked');
    t.not(fork.status, 0);
    t.match(fork.stderr, /can't fork/, 'fork fails at pids.max');
    t.notMatch(fork.stdout, /all-forked/);
    t.ok(Number(/^max (\d+)$/m.exec(fs.readFileSync(path.join(cgroupDir(pid), 'pids.events'), 'utf8'))?.[1]) > 0, 'pids.events counts the refused forks');
    // --resources -: runtime-spec linux.resources JSON on stdin, unified keys included.
    const res = spawnSync(process.execPath, [bin, '--root', root, 'update', '--resources', '-', id], { input: JSON.stringify({ memory: { limit: 32 << 20 }, pids: { limit: 50 }, unified: { 'memory.high': String(30 << 20) } }), encoding: 'utf8', timeout: 120_000 });
    t.equal(res.status, 0, res.stderr);
    const after = oci('exec', id, 'sh', '-c', 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory.high /sys/fs/cgroup/pids.max; for i in 1 2 3 4 5 6 7 8; do sleep 1 & done; echo all-forked');
    t.equal(after.stdout, `${32 << 20}\n${30 << 20}\n50\nall-forked\n`, 'the new limits, and forking works again');
    // A value the kernel refuses: update fails, names the file, and keeps the old limits.
    const bad = oci('update', '--cpuset-cpus', '63', id);
    t.not(bad.status, 0);
    t.match(bad.stderr, /cpuset\.cpus/);
    t.equal(fs.readFileSync(path.join(cgroupDir(pid), 'cpuset.cpus'), 'utf8').trim(), '0', 'cpuset.cpus unchanged');
    t.equal(fs.readFileSync(path.join(cgroupDir(pid), 'memory.max'), 'utf8').trim(), String(32 << 20), 'memory.max unchanged');
  });

  t.test('pause freezes the cgroup (state "paused"), resume thaws it', async (t) => {
    const { id, pid } = container(t);
    t.ok(await advances(pid), 'the counter runs');
    t.equal(oci('pause', id).status, 0);
    t.equal(statusOf(id), 'paused');
    t.match(fs.readFileSync(path.join(cgroupDir(pid), 'cgroup.events'), 'utf8'), /^frozen 1$/m, 'cgroup.events: frozen 1');
    const frozenAt = counter(pid);
    await sleep(1000);
    t.equal(counter(pid), frozenAt, 'the counter does not move while paused');
    t.equal(oci('resume', id).status, 0);
    t.equal(statusOf(id), 'running');
    t.match(fs.readFileSync(path.join(cgroupDir(pid), 'cgroup.events'), 'utf8'), /^frozen 0$/m);
    t.ok(await advances(pid), 'the counter runs again');
  });

  t.test('events streams stats and reports an OOM kill as it happens', async (t) => {
    const { id } = container(t, (c) => { idle(c); c.linux.resources = { ...c.linux.resources, memory: { limit: 16 << 20, swap: 16 << 20 } }; });
    const ev = spawn(process.execPath, [bin, '--root', root, 'events', '--interval', '1s', id], { stdio: ['ignore', 'pipe', 'inherit'] });
    const events: any[] = [];
    let buf = '';
    ev.stdout.on('data', (d) => {
      buf += d;
      for (let i; (i = buf.indexOf('\n')) >= 0; buf = buf.slice(i + 1)) events.push(JSON.parse(buf.slice(0, i)));
    });
    const seen = async (pred: (e: any) => boolean) => {
      for (let i = 0; i < 600; i++) { if (events.some(pred)) return true; await sleep(100); }
      return false;
    };
    t.teardown(() => { ev.kill('SIGKILL'); });
    t.ok(await seen(() => events.filter((e) => e.type === 'stats').length >= 2), 'stats events keep coming');
    // tail reads /dev/zero looking for a newline and buffers without bound.
    const oom = oci('exec', id, 'tail', '/dev/zero');
    t.equal(oom.status, 137, 'the exec\'d process was SIGKILLed by the OOM killer');
    t.ok(await seen((e) => e.type === 'oom' && e.id === id), 'an oom event');
    t.equal(oci('kill', id, 'KILL').status, 0);
    const code = await new Promise((resolve) => ev.on('close', resolve));
    t.equal(code, 0, 'the stream ends when the container stops');
  });

  t.test('delete --force: running and paused containers with children, nested cgroupsPath', async (t) => {
    const nested = `/oci-ts-guest-${process.pid}/a/b`;
    const a = container(t, (c) => { c.linux.cgroupsPath = `${nested}/one`; });
    t.equal(oci('exec', '-d', a.id, 'sh', '-c', 'sleep 1000 & sleep 1000').status, 0, 'an exec with a child of its own');
    const dirA = cgroupDir(a.pid);
    t.equal(dirA, `/sys/fs/cgroup${nested}/one`);
    t.equal(oci('delete', '--force', a.id).status, 0);
    t.notOk(exists(dirA), 'the container cgroup is gone');
    t.notOk(exists(`/sys/fs/cgroup/oci-ts-guest-${process.pid}`), 'so are the parents create made');
    t.same(processLeftovers(a.id), []);
    t.notOk(exists(path.join(root, a.id)), 'and the state');

    const b = container(t);
    const dirB = cgroupDir(b.pid);
    t.equal(oci('exec', '-d', b.id, 'sleep', '1000').status, 0);
    t.equal(oci('pause', b.id).status, 0);
    const del = oci('delete', b.id);
    t.not(del.status, 0);
    t.match(del.stderr, /not stopped: paused/);
    t.equal(oci('delete', '--force', b.id).status, 0, 'delete --force removes a paused container');
    t.notOk(exists(dirB));
    t.notOk(exists(path.join(root, b.id)));
  });

  t.test('nothing is left behind', async (t) => {
    t.same(fs.existsSync(root) ? fs.readdirSync(root).filter((f) => !f.startsWith('.')) : [], []);
    const left = fs.readdirSync('/sys/fs/cgroup').filter((d) => ids.includes(d) || d.startsWith('oci-ts-guest-'));
    t.same(left, [], 'no container cgroup');
  });
}
