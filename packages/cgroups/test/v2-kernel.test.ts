// cgroup v2 resource limits on a real kernel with every controller (issue 8):
// what a process in the cgroup sees (killed, throttled, pinned, unable to
// fork, to fault a huge page or to open a device) and what stats() reports.
// Runs only on a pure v2 host: in CI the QEMU guest's stage
// (`tools/guest/run-in-guest --disk 64 --timeout 540 node tools/guest/stage.mjs`,
// tools/guest/README.md), with the scratch disk /dev/vda for io and swap.
// Skips on this hybrid host, whose cgroup2 has only hugetlb
// (v2-unified.test.ts covers that; fs2-files.test.ts checks the same writes
// on a fake tree). The lifecycle (freeze, kill, stats, update, destroy) is in
// v2-lifecycle.guest.test.ts. Cgroups get unique names and are removed;
// the two guest-wide changes (swap on /dev/vda, io.cost for /dev/vda) are
// undone, and the last test checks both.
import t, { type Test } from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createManager, detect, type CgroupError, type Manager } from '../src/index.ts';
import { attachedDevicePrograms, hasCore } from '../src/devices/bpf.ts';
import { V2Manager } from '../src/fs2/manager.ts';
import { leftovers, waiting, delay, eventually, procStatus, scratchDisk, pureV2 } from './helpers.ts';

const PREFIX = `oci-ts-test-v2k-${process.pid}-`;
const MiB = 1 << 20;

if (!pureV2()) {
  let mode = 'none';
  try {
    mode = detect().mode;
  } catch {
    // no cgroups at all
  }
  t.pass(`skipped: needs root on a pure cgroup v2 host (this one is ${mode}); run it in the guest: tools/guest/run-in-guest --disk 64 node tools/guest/stage.mjs packages/cgroups/test/v2-kernel.test.ts`);
} else {
  const disk = scratchDisk();
  const make = (t: Test, resources?: Parameters<typeof createManager>[0]['resources']): Manager => {
    const m = createManager({ id: 'c', cgroupsPath: `/${PREFIX}${Math.random().toString(36).slice(2, 8)}`, resources });
    t.teardown(() => m.destroy());
    m.apply(-1);
    return m;
  };
  const dirOf = (m: Manager) => m.paths()[''];
  const read = (m: Manager, f: string) => fs.readFileSync(path.join(dirOf(m), f), 'utf8').trim();
  const kv = (m: Manager, f: string): Record<string, number> => Object.fromEntries(read(m, f).split('\n').map((l) => l.split(' ')).map(([k, v]) => [k, Number(v)]));
  /** Runs `script` in the cgroup (moved in before it starts) and waits for it. */
  const runIn = async (m: Manager, script: string) => {
    const w = waiting(script);
    m.apply(w.pid);
    w.go();
    w.child.stdin!.end();
    return w.exited;
  };

  t.test('detect sees a pure v2 host; apply enables the controllers; set writes the v2 files', async (t) => {
    t.equal(detect().mode, 'v2');
    const m = make(t);
    const avail = read(m, 'cgroup.controllers').split(' ');
    for (const c of ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids']) t.ok(avail.includes(c), `${c} available in the new cgroup`);
    m.set({ memory: { limit: 64 * MiB, swap: 64 * MiB, reservation: 16 * MiB }, cpu: { shares: 1024, quota: 50000, period: 100000, burst: 10000 }, pids: { limit: 20 } });
    t.equal(read(m, 'memory.max'), String(64 * MiB));
    t.equal(read(m, 'memory.low'), String(16 * MiB), 'reservation is memory.low');
    t.equal(read(m, 'memory.swap.max'), '0', 'memory+swap == memory: no swap');
    t.equal(read(m, 'cpu.weight'), '39', 'shares 1024 is weight 39 (runc)');
    t.equal(read(m, 'cpu.max'), '50000 100000');
    t.equal(read(m, 'cpu.max.burst'), '10000');
    t.equal(read(m, 'pids.max'), '20');
    m.set({ memory: { limit: 64 * MiB, swap: 96 * MiB } });
    t.equal(read(m, 'memory.swap.max'), String(32 * MiB), 'swap alone: memory+swap 96M - memory 64M');
    m.set({ memory: { limit: 64 * MiB, swap: -1 } });
    t.equal(read(m, 'memory.swap.max'), 'max', 'swap -1 is max');
    t.throws(() => m.set({ memory: { limit: 64 * MiB, swap: 32 * MiB } }), { code: 'EINVALID', resource: 'memory.swap' });
    t.equal(read(m, 'memory.swap.max'), 'max', 'a refused swap changed nothing');
    m.update({ memory: { swap: 80 * MiB } });
    t.equal(read(m, 'memory.swap.max'), String(16 * MiB), 'swap alone: against memory.max in force');
  });

  t.test('memory.max: a hog is OOM-killed; memory.events, stats and the watcher see it', async (t) => {
    const m = make(t, { memory: { limit: 32 * MiB, swap: 32 * MiB } });
    m.set();
    const seen: number[] = [];
    const watch = m.watchOOM((e) => seen.push(e.oomKills));
    t.teardown(() => watch.close());
    const r = await runIn(m, 'exec dd if=/dev/zero of=/dev/null bs=256M count=1');
    t.equal(r.signal, 'SIGKILL', 'the hog was killed');
    t.ok(m.oomKills() >= 1, 'memory.events oom_kill');
    t.ok(await eventually(() => seen.length > 0, 200, 50), 'watchOOM called');
    const s = m.stats();
    t.ok((s.oomKills ?? 0) >= 1, 'stats().oomKills');
    t.ok(s.memory.usage.failcnt >= 1, 'stats().memory.usage.failcnt from memory.events max');
    t.ok(s.memory.event_count!.oom_kill >= 1 && s.memory.event_count!.oom >= 1 && s.memory.event_count!.max >= 1, `stats().memory.event_count (${JSON.stringify(s.memory.event_count)})`);
    t.ok(s.memory.psi?.some !== undefined && s.memory.psi?.full !== undefined, 'stats().memory.psi from memory.pressure');
    t.equal(s.memory.usage.limit, 32 * MiB);
    t.ok((s.memory.usage.max ?? 0) > 30 * MiB && (s.memory.usage.max ?? 0) <= 32 * MiB, `memory.peak at the limit (${s.memory.usage.max})`);
  });

  t.test('memory.low from reservation shields page cache from reclaim (memory.reclaim on the parent)', { skip: disk ? false : 'skipped: no scratch disk /dev/vda (run-in-guest --disk 64)' }, async (t) => {
    // Two containers under one parent, each with 8M of page cache from a
    // disk region no other test reads; reclaiming 6M from the parent must
    // take it from the unprotected one (cgroup-v2.rst "memory.low").
    const top = `/${PREFIX}${Math.random().toString(36).slice(2, 8)}`;
    const a = createManager({ id: 'a', cgroupsPath: `${top}/a`, resources: { memory: { reservation: 16 * MiB } } });
    const b = createManager({ id: 'b', cgroupsPath: `${top}/b` });
    t.teardown(async () => {
      await b.destroy();
      await a.destroy(); // a made the parent: removed with the last one
    });
    a.apply(-1);
    b.apply(-1);
    a.set();
    const reclaim = path.join(path.dirname(dirOf(a)), 'memory.reclaim');
    if (!fs.existsSync(reclaim)) return void t.pass('skipped: no memory.reclaim (Linux < 5.19)');
    // The last close of a block device drops its page cache (blkdev_put):
    // keep it open meanwhile.
    const hold = fs.openSync(disk!.path, 'r');
    t.teardown(() => fs.closeSync(hold));
    await runIn(a, `dd if=${disk!.path} of=/dev/null bs=1M skip=44 count=8 2>/dev/null`);
    await runIn(b, `dd if=${disk!.path} of=/dev/null bs=1M skip=52 count=8 2>/dev/null`);
    const cur = (m: Manager) => Number(read(m, 'memory.current'));
    const [a0, b0] = [cur(a), cur(b)];
    t.ok(a0 > 7 * MiB && b0 > 7 * MiB, `both hold their page cache (${a0}, ${b0})`);
    try {
      fs.writeFileSync(reclaim, String(6 * MiB));
    } catch {
      // EAGAIN when less than asked could be reclaimed: the numbers below tell.
    }
    const [a1, b1] = [cur(a), cur(b)];
    t.ok(a1 >= a0 - MiB, `the protected container kept its cache (${a0} → ${a1})`);
    t.ok(b1 <= b0 - 4 * MiB, `the other one's was reclaimed (${b0} → ${b1})`);
  });

  t.test('memory.high via unified reclaims page cache without a kill; memory.low from reservation', { skip: disk ? false : 'skipped: no scratch disk /dev/vda (run-in-guest --disk 64)' }, async (t) => {
    const m = make(t, { memory: { reservation: 2 * MiB }, unified: { 'memory.high': String(4 * MiB) } });
    m.set();
    t.equal(read(m, 'memory.high'), String(4 * MiB));
    t.equal(read(m, 'memory.low'), String(2 * MiB));
    // A buffered read fills the page cache, charged to the reader's cgroup
    // (cgroup-v2.rst "Memory Ownership"). This region of the disk is read
    // by no other test, so no page is already charged elsewhere.
    const r = await runIn(m, `dd if=${disk!.path} of=/dev/null bs=1M skip=4 count=24 2>/dev/null; echo status=$?`);
    t.match(r.stdout, /status=0/, 'the reader was not killed');
    t.ok(kv(m, 'memory.events').high > 0, 'memory.events high counts the reclaim');
    t.ok(m.stats().memory.event_count!.reclaim_high > 0, 'stats().memory.event_count.reclaim_high');
    t.ok((m.stats().memory.usage.max ?? 0) < 16 * MiB, `peak stayed well below the 24M read (${m.stats().memory.usage.max})`);
    t.equal(m.oomKills(), 0);
  });

  t.test('cpu weights: shares → cpu.weight and cpu.idle share one CPU in proportion', async (t) => {
    // Three busy loops pinned to CPU 0 (cpuset) in three cgroups.
    const light = make(t, { cpu: { shares: 512, cpus: '0', mems: '0' } });
    const heavy = make(t, { cpu: { shares: 4096, cpus: '0', mems: '0' } });
    const idle = make(t, { cpu: { shares: 1024, idle: 1, cpus: '0', mems: '0' } });
    for (const m of [light, heavy, idle]) m.set();
    t.equal(read(light, 'cpu.weight'), '20', 'shares 512 → weight 20');
    t.equal(read(heavy, 'cpu.weight'), '157', 'shares 4096 → weight 157');
    t.equal(read(idle, 'cpu.idle'), '1');
    t.match(idle.warnings.join('\n'), /cpu\.shares 1024 is ignored: the cgroup is idle/, 'shares on an idle group: a warning, not EINVAL');
    const ws = [light, heavy, idle].map((m) => {
      const w = waiting('while :; do :; done');
      t.teardown(() => w.child.kill('SIGKILL'));
      m.apply(w.pid);
      w.go();
      return w;
    });
    await delay(300);
    const u0 = [light, heavy, idle].map((m) => m.stats().cpu.usage.total);
    await delay(1500);
    const [l, h, i] = [light, heavy, idle].map((m, k) => m.stats().cpu.usage.total - u0[k]);
    t.ok(h > 2 * l, `weight 157 got more than twice weight 20 (${h} vs ${l} ns)`);
    t.ok(l > 2 * i, `weight 20 got more than twice the idle group (${l} vs ${i} ns)`);
    t.ok((light.stats().cpu.psi?.some?.total ?? 0) > 0, `cpu.pressure: the light group waited for the CPU (stats().cpu.psi ${JSON.stringify(light.stats().cpu.psi)})`);
    t.equal(procStatus(ws[0].pid, 'Cpus_allowed_list'), '0', 'pinned to CPU 0');
    idle.update({ cpu: { idle: 0, shares: 2048 } });
    t.equal(read(idle, 'cpu.idle'), '0');
    t.equal(read(idle, 'cpu.weight'), '79', 'after idle 0, shares apply again');
  });

  t.test('cpu.max throttles a busy loop; update lifts the quota; burst and a refused quota roll back', async (t) => {
    const m = make(t, { cpu: { quota: 1000, period: 100000 } });
    m.set();
    const w = waiting('while :; do :; done');
    t.teardown(() => w.child.kill('SIGKILL'));
    m.apply(w.pid);
    w.go();
    t.ok(await eventually(() => (m.stats().cpu.throttling.throttledPeriods ?? 0) > 1, 300, 50), 'nr_throttled grows');
    t.ok(await eventually(() => (m.stats().cpu.throttling.throttledTime ?? 0) > 0, 100, 50), `throttled time (cpu.stat: ${read(m, 'cpu.stat').replace(/\n/g, ', ')})`);
    const s = m.stats();
    t.ok(s.cpu.throttling.periods! >= s.cpu.throttling.throttledPeriods!, 'periods >= throttled periods');
    t.ok(s.cpu.usage.total > 0 && s.cpu.usage.user + s.cpu.usage.kernel > 0, 'usage');
    m.update({ cpu: { quota: -1 } });
    t.equal(read(m, 'cpu.max'), 'max 100000', 'quota -1 is max, the period stays');
    await delay(200);
    const before = m.stats().cpu.throttling.throttledPeriods;
    await delay(500);
    t.equal(m.stats().cpu.throttling.throttledPeriods, before, 'no more throttling once lifted');
    await m.killAll(9);

    m.update({ cpu: { quota: 20000, period: 100000, burst: 10000 } });
    t.equal(read(m, 'cpu.max.burst'), '10000');
    m.update({ cpu: { period: 50000 } });
    t.equal(read(m, 'cpu.max'), '20000 50000', 'a period alone keeps the quota');
    m.update({ cpu: { period: 100000 } });
    m.update({ cpu: { quota: 50000, burst: 40000 } });
    t.equal(read(m, 'cpu.max'), '50000 100000');
    t.equal(read(m, 'cpu.max.burst'), '40000', 'a burst above the old quota is written after the new quota');
    // The kernel refuses a quota below the burst (tg_set_cfs_bandwidth):
    // the weight and burst written before it are restored.
    const err = t.throws(() => m.update({ cpu: { shares: 2048, quota: 10000, burst: 20000 } })) as CgroupError;
    t.equal(err.code, 'EWRITE');
    t.equal(err.errno, 22, 'EINVAL from the kernel');
    t.equal(err.file, path.join(dirOf(m), 'cpu.max'), 'the error names cpu.max');
    t.equal(read(m, 'cpu.max'), '50000 100000');
    t.equal(read(m, 'cpu.max.burst'), '40000', 'burst rolled back');
    t.equal(read(m, 'cpu.weight'), '100', 'weight rolled back');
    // Burst for real: quota 50ms + burst 40ms per 100ms. After idle periods
    // bank the unused quota, a busy loop runs past the quota: cpu.stat
    // nr_bursts counts it (sched-bwc.rst "Burst feature").
    if ('nr_bursts' in kv(m, 'cpu.stat')) {
      const b = waiting('sleep 1; while :; do :; done');
      t.teardown(() => b.child.kill('SIGKILL'));
      m.apply(b.pid);
      b.go();
      t.ok(await eventually(() => kv(m, 'cpu.stat').nr_bursts > 0, 200, 50), `the loop used its burst (cpu.stat: ${read(m, 'cpu.stat').replace(/\n/g, ', ')})`);
    }
  });

  t.test('cpuset: a process is pinned; update moves it; an invalid mems rolls back cpus', async (t) => {
    const m = make(t);
    // A failure on a fresh, empty cgroup restores the empty (inherited) cpuset.cpus.
    const err0 = t.throws(() => m.set({ cpu: { cpus: '1', mems: '7' } })) as CgroupError;
    t.equal(err0.code, 'EWRITE');
    t.equal(err0.resource, 'cpu.mems');
    t.equal(read(m, 'cpuset.cpus'), '', 'cpuset.cpus empty again');
    const w = waiting('sleep 60');
    t.teardown(() => w.child.kill('SIGKILL'));
    m.apply(w.pid);
    // Populated, it cannot be emptied again: the parent's effective set is restored.
    t.throws(() => m.set({ cpu: { cpus: '1', mems: '7' } }), { code: 'EWRITE', resource: 'cpu.mems' });
    t.equal(read(m, 'cpuset.cpus.effective'), '0-1', 'effective cpus as before');
    t.equal(procStatus(w.pid, 'Cpus_allowed_list'), '0-1', 'the process may run anywhere again');
    m.set({ cpu: { cpus: '1', mems: '0' } });
    t.equal(procStatus(w.pid, 'Cpus_allowed_list'), '1', 'Cpus_allowed_list of the process');
    t.equal(procStatus(w.pid, 'Mems_allowed_list'), '0', 'Mems_allowed_list of the process');
    t.same(m.stats().cpuset, { cpus: [1], mems: [0] }, 'stats().cpuset from the effective files');
    m.update({ cpu: { cpus: '0' } });
    t.equal(procStatus(w.pid, 'Cpus_allowed_list'), '0', 'update moved the running process');
    const err = t.throws(() => m.update({ cpu: { cpus: '1', mems: '5' } })) as CgroupError;
    t.equal(err.code, 'EWRITE');
    t.equal(err.file, path.join(dirOf(m), 'cpuset.mems'), 'the error names cpuset.mems');
    t.equal(read(m, 'cpuset.cpus'), '0', 'cpus rolled back');
    t.equal(procStatus(w.pid, 'Cpus_allowed_list'), '0', 'the process stays where it was');
    t.throws(() => m.update({ cpu: { cpus: '9' } }), { code: 'EWRITE', resource: 'cpu.cpus' }, 'a CPU the guest lacks is refused');
  });

  t.test('pids.max: a fork past the limit fails; update raises it; pids stats', async (t) => {
    const m = make(t, { pids: { limit: 2 } });
    m.set();
    const w = waiting('sleep 60 & sleep 60 & sleep 60 & wait');
    t.teardown(() => w.child.kill('SIGKILL'));
    m.apply(w.pid);
    w.go();
    t.ok(await eventually(() => /fork|Resource temporarily unavailable/i.test(w.stderr()), 300, 50), `fork failed: ${w.stderr().trim()}`);
    t.ok(kv(m, 'pids.events').max > 0, 'pids.events max counts it');
    // dash exits on a failed fork, so the count may have dropped meanwhile.
    const p = m.stats().pids;
    t.equal(p.limit, 2, 'stats().pids.limit');
    t.ok(p.current! >= 1 && p.current! <= 2, `stats().pids.current within the limit (${p.current})`);
    m.update({ pids: { limit: 10 } });
    t.equal(read(m, 'pids.max'), '10');
    const r = await runIn(m, 'sleep 0 & sleep 0 & sleep 0 & wait; echo forked');
    t.match(r.stdout, /forked/, 'forks succeed after update');
    t.equal(r.stderr, '');
    m.update({ pids: { limit: -1 } });
    t.equal(read(m, 'pids.max'), 'max');
    t.equal(m.stats().pids.limit, 0, 'max reads as no limit (runc)');
  });

  t.test('io.max throttles direct writes to /dev/vda; update lifts it; io.weight; io.stat in stats', { skip: disk ? false : 'skipped: no scratch disk /dev/vda (run-in-guest --disk 64)' }, async (t) => {
    const d = disk!;
    const dev = `${d.major}:${d.minor}`;
    const rate = 256 * 1024;
    const m = make(t, {
      blockIO: {
        weight: 500,
        weightDevice: [{ major: d.major, minor: d.minor, weight: 1000 }],
        throttleWriteBpsDevice: [{ major: d.major, minor: d.minor, rate }],
        throttleReadIOPSDevice: [{ major: d.major, minor: d.minor, rate: 100 }],
      },
    });
    m.set();
    t.equal(read(m, 'io.max'), `${dev} rbps=max wbps=${rate} riops=100 wiops=max`);
    t.equal(read(m, 'io.weight'), 'default 4950', 'io.weight: blkio 500 → 4950');
    t.match(m.warnings.join('\n'), new RegExp(`weightDevice ${dev}: .*io.cost not enabled`), 'a per-device weight without io.cost: a warning (runc ignores it)');
    // With io.cost on for the disk (root's io.cost.qos; off again after),
    // the per-device weight is taken.
    const qos = '/sys/fs/cgroup/io.cost.qos';
    if (fs.existsSync(qos)) {
      fs.writeFileSync(qos, `${dev} enable=1`);
      t.teardown(() => fs.writeFileSync(qos, `${dev} enable=0`));
      m.set({ blockIO: { weightDevice: [{ major: d.major, minor: d.minor, weight: 1000 }] } });
      t.match(read(m, 'io.weight'), new RegExp(`^${dev} 10000$`, 'm'), 'io.weight: the device 1000 → 10000');
    }
    // A refused update (an unknown huge page size, after io) restores the io lines.
    const ioBefore = [read(m, 'io.max'), read(m, 'io.weight')];
    const vda = { major: d.major, minor: d.minor };
    t.throws(() => m.update({ blockIO: { weight: 100, weightDevice: [{ ...vda, weight: 10 }], throttleWriteBpsDevice: [{ ...vda, rate: MiB }], throttleReadBpsDevice: [{ ...vda, rate: MiB }] }, hugepageLimits: [{ pageSize: '3MB', limit: 1 }] }), { code: 'ENOTSUPPORTED' });
    t.same([read(m, 'io.max'), read(m, 'io.weight')], ioBefore, 'io.max and io.weight as before');
    // 4 MiB of direct writes at 40 MiB (past the swap test's area): 16 s at
    // 256 KiB/s, so it is still running when sampled.
    const total = 4 * MiB;
    const w = waiting(`exec dd if=/dev/zero of=${d.path} bs=64k count=64 seek=640 oflag=direct`);
    t.teardown(() => w.child.kill('SIGKILL'));
    m.apply(w.pid);
    const t0 = Date.now();
    w.go();
    const written = () => m.stats().blkio.ioServiceBytesRecursive?.find((e) => e.major === d.major && e.minor === d.minor && e.op === 'Write')?.value ?? 0;
    t.ok(await eventually(() => written() > 0, 300, 50), 'the first bytes went through');
    await delay(1000);
    const mid = written();
    const elapsed = (Date.now() - t0) / 1000;
    // Bytes moved, not time: at most the rate over the time elapsed, plus
    // one second of slack for blk-throttle's first slice and the bio in flight.
    t.ok(mid <= rate * (elapsed + 1), `throttled: ${mid} bytes in ${elapsed.toFixed(1)} s at ${rate} B/s`);
    t.ok(mid < total, 'dd not done');
    t.ok((m.stats().blkio.psi?.some?.total ?? 0) > 0, `io.pressure: the throttled writer stalled (stats().blkio.psi ${JSON.stringify(m.stats().blkio.psi)})`);
    m.update({ blockIO: { throttleWriteBpsDevice: [{ major: d.major, minor: d.minor, rate: 0 }], throttleReadIOPSDevice: [{ major: d.major, minor: d.minor, rate: 0 }] } });
    t.equal(read(m, 'io.max'), '', 'rate 0 removes the limits (the kernel drops an all-max line)');
    const r = await w.exited;
    t.equal(r.code, 0, 'dd finished once the limit was lifted');
    t.equal(written(), total, 'io.stat wbytes through stats(): every byte, once');
    const ios = m.stats().blkio.ioServicedRecursive?.find((e) => e.major === d.major && e.op === 'Write')?.value ?? 0;
    t.ok(ios >= 64, `io.stat wios (${ios})`);
  });

  t.test('memory.swap.max with a swap area: -1 lets a process past memory.max, swap > limit caps it', async (t) => {
    const d = disk;
    if (!d) return void t.pass('skipped: no scratch disk /dev/vda (run-in-guest --disk 64)');
    // The first 32 MiB of the scratch disk as swap; off again before the
    // next test (other files in the stage expect no swap).
    const mk = spawnSync('mkswap', [d.path, '32768'], { encoding: 'utf8' });
    if (mk.status !== 0) return void t.pass(`skipped: mkswap failed: ${mk.stderr}`);
    const on = spawnSync('swapon', [d.path], { encoding: 'utf8' });
    if (on.status !== 0) return void t.pass(`skipped: swapon failed (no swap in this kernel?): ${on.stderr}`);
    const off = () => spawnSync('swapoff', [d.path]);
    // Also if this process dies mid-test: later files in the stage expect no swap.
    process.once('exit', off);
    t.teardown(() => {
      off();
      process.removeListener('exit', off);
    });
    const m = make(t, { memory: { limit: 16 * MiB, swap: -1 } });
    m.set();
    const hog = 'exec dd if=/dev/zero of=/dev/null bs=40M count=1';
    const ok = await runIn(m, hog);
    t.equal(ok.signal, null, 'a 40M buffer fits in 16M of memory plus swap');
    t.equal(ok.code, 0);
    t.equal(m.oomKills(), 0);
    const s = m.stats();
    t.equal(s.memory.swap.limit, Number.MAX_SAFE_INTEGER, 'swap limit max');
    m.update({ memory: { limit: 16 * MiB, swap: 24 * MiB } });
    t.equal(read(m, 'memory.swap.max'), String(8 * MiB));
    t.equal(m.stats().memory.swap.limit, 24 * MiB, 'stats: memory+swap limit, as v1 memsw (runc)');
    const killed = await runIn(m, hog);
    t.equal(killed.signal, 'SIGKILL', '40M does not fit in 16M + 8M of swap');
    t.equal(m.oomKills(), 1);
    t.ok(kv(m, 'memory.swap.events').max > 0, 'memory.swap.events max counts it');
  });

  t.test('hugetlb: one 2 MiB page allowed; a second cannot be reserved or faulted (SIGBUS); hugetlb stats', async (t) => {
    const m = make(t, { hugepageLimits: [{ pageSize: '2MB', limit: 2 * MiB }] });
    m.set();
    t.equal(read(m, 'hugetlb.2MB.max'), String(2 * MiB));
    t.equal(read(m, 'hugetlb.2MB.rsvd.max'), String(2 * MiB), 'the reservation limit too (runc)');
    // MAP_HUGETLB 0x40000, MAP_NORESERVE 0x4000 (mmap(2)). A reserving
    // mmap of two pages fails at once (rsvd.max); without a reservation the
    // second page's fault is refused by hugetlb.2MB.max: SIGBUS.
    const py = [
      'import mmap',
      'H = 2 << 20',
      'try:',
      '    mmap.mmap(-1, 2 * H, flags=mmap.MAP_PRIVATE | 0x40000)',
      '    print("reserve2-ok", flush=True)',
      'except OSError as e:',
      '    print("reserve2-failed", e.errno, flush=True)',
      'm = mmap.mmap(-1, 2 * H, flags=mmap.MAP_PRIVATE | 0x40000 | 0x4000)',
      'm[0] = 1',
      'print("page1-ok", flush=True)',
      'import sys',
      'sys.stdin.readline()',
      'm[H] = 1',
      'print("page2-ok", flush=True)',
    ].join('\n');
    const w = waiting(`exec python3 -c '${py}'`);
    t.teardown(() => w.child.kill('SIGKILL'));
    m.apply(w.pid);
    w.go();
    t.ok(await eventually(() => /page1-ok/.test(w.stdout()), 400, 50), 'the first page faults in');
    t.match(w.stdout(), /reserve2-failed 12/, 'reserving two pages: ENOMEM');
    t.same(m.stats().hugetlb['2MB'], { usage: 2 * MiB, max: 2 * MiB, failcnt: Number(read(m, 'hugetlb.2MB.events').split(' ')[1]) }, 'stats while one page is held');
    w.go();
    const r = await w.exited;
    t.notMatch(r.stdout, /page2-ok/);
    t.equal(r.signal, 'SIGBUS', 'the second page: SIGBUS');
    const h = m.stats().hugetlb['2MB'];
    t.equal(h?.max, 2 * MiB, 'stats max');
    t.equal(h?.usage, 0, 'released after exit');
    t.ok((h?.failcnt ?? 0) >= 1, `failcnt from hugetlb.2MB.events (${h?.failcnt})`);
    t.ok(m.stats().hugetlb['1GB'] !== undefined, 'every page size is reported');
  });

  t.test('devices: an allow list over deny-all, enforced by the eBPF program; update replaces it', { skip: hasCore() ? false : 'skipped: @oci/core not built' }, async (t) => {
    const m = make(t, {
      devices: [
        { allow: false, access: 'rwm' },
        { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' },
        { allow: true, type: 'c', major: 1, minor: 5, access: 'r' },
      ],
    });
    m.set();
    const probe = [
      'echo x > /dev/null && echo null-w',
      'head -c1 /dev/zero > /dev/null && echo zero-r',
      '(echo x > /dev/zero) 2>/dev/null && echo zero-w',
      '(head -c1 /dev/full > /dev/null) 2>/dev/null && echo full-r',
      'n=/tmp/oci-ts-mknod-$$; mknod $n c 1 3 2>/dev/null && echo mknod; rm -f $n',
      'echo end',
    ].join('; ');
    const a = await runIn(m, probe);
    t.same(a.stdout.trim().split('\n'), ['null-w', 'zero-r', 'end'], '/dev/null rw and /dev/zero r only; /dev/full and mknod denied');
    t.equal(attachedDevicePrograms(dirOf(m)).length, 1);
    m.update({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 7, access: 'r' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }] });
    t.equal(attachedDevicePrograms(dirOf(m)).length, 1, 'the old program is detached');
    const b = await runIn(m, probe);
    t.same(b.stdout.trim().split('\n'), ['null-w', 'full-r', 'mknod', 'end'], 'the new list: /dev/full readable, mknod of 1:3 allowed, /dev/zero denied');
  });

  t.test('unified: keys written as given after the typed resources; refused keys; a bad value rolls back', async (t) => {
    const m = make(t);
    m.set({ pids: { limit: 20 }, memory: { limit: 64 * MiB }, unified: { 'pids.max': '7', 'memory.high': String(32 * MiB), 'cpu.weight.nice': '5' } });
    t.equal(read(m, 'pids.max'), '7', 'unified wins over pids.limit');
    t.equal(read(m, 'memory.high'), String(32 * MiB));
    t.equal(read(m, 'cpu.weight.nice'), '5');
    for (const key of ['cgroup.procs', 'cgroup.kill', '../cgroup.procs', 'cgroup.subtree_control']) {
      t.throws(() => m.set({ unified: { [key]: '1' } }), { code: 'EINVALID' }, `${key} refused`);
    }
    t.throws(() => m.set({ unified: { 'memory.nonexistent': '1' } }), { code: 'ENOTSUPPORTED', resource: 'unified.memory.nonexistent' });
    const err = t.throws(() => m.update({ memory: { limit: 48 * MiB }, unified: { 'memory.high': 'lots' } })) as CgroupError;
    t.equal(err.code, 'EWRITE');
    t.equal(err.file, path.join(dirOf(m), 'memory.high'), 'the error names memory.high');
    t.equal(read(m, 'memory.max'), String(64 * MiB), 'memory.max rolled back');
    t.equal(read(m, 'memory.high'), String(32 * MiB));
  });

  t.test('a controller the cgroup lacks is refused before any write; rdma without a device names rdma.max', async (t) => {
    // A parent without controllers in its subtree_control (not made by
    // createManager, which enables them).
    const parent = path.join('/sys/fs/cgroup', `${PREFIX}bare`);
    fs.mkdirSync(parent);
    const m = new V2Manager(path.join(parent, 'leaf'));
    t.teardown(async () => {
      await m.destroy();
      fs.rmdirSync(parent);
    });
    m.apply(-1);
    t.equal(read(m, 'cgroup.controllers'), '');
    const err = t.throws(() => m.set({ pids: { limit: 5 } })) as CgroupError;
    t.equal(err.code, 'ENOTSUPPORTED');
    t.equal(err.resource, 'pids');
    t.equal(err.file, path.join(dirOf(m), 'cgroup.controllers'));
    t.notOk(fs.existsSync(path.join(dirOf(m), 'pids.max')), 'no pids file to write');
    const r = make(t);
    const e2 = t.throws(() => r.set({ rdma: { mlx5_0: { hcaHandles: 3 } } })) as CgroupError;
    t.equal(e2.code, 'EWRITE', 'the kernel has no such RDMA device');
    t.equal(e2.file, path.join(dirOf(r), 'rdma.max'));
    t.equal(e2.value, 'mlx5_0 hca_handle=3');
  });

  t.test('no cgroup is left behind', async (t) => {
    t.same(leftovers(PREFIX), []);
    t.notMatch(fs.readFileSync('/proc/swaps', 'utf8'), /vda/, 'swap is off again');
    const qos = '/sys/fs/cgroup/io.cost.qos';
    if (fs.existsSync(qos)) t.notMatch(fs.readFileSync(qos, 'utf8'), /enable=1/, 'io.cost is off again');
  });
}
