#!/usr/bin/env node
// Proof of @oci/cgroups on a pure cgroup v2 kernel with real controllers,
// run inside the QEMU guest (this repo's hybrid host cannot show it):
//   tools/guest/run-in-guest --disk 64 node packages/cgroups/scripts/guest-v2-check.mjs
// Plain JS on dist/ (the TS test loader is too slow under TCG). One line per
// check, `cgroups-check {"check":..,"ok":..,"detail":..}`; exit 1 if any
// failed. packages/cgroups/test/guest.test.ts runs it when OCI_TS_GUEST=1.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/index.js');
const { createManager, detect } = await import(pathToFileURL(dist).href);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const read = (dir, f) => fs.readFileSync(path.join(dir, f), 'utf8').trim();
let failed = 0;
const managers = [];
async function check(name, fn) {
  let ok = false, detail;
  try {
    const r = await fn();
    ok = r.ok;
    detail = r.detail;
  } catch (e) {
    detail = e instanceof Error ? `${e.code ?? ''} ${e.stack}` : String(e);
  }
  if (!ok) failed++;
  console.log(`cgroups-check ${JSON.stringify({ check: name, ok, detail })}`);
}
const make = (tag) => {
  const m = createManager({ id: tag, cgroupsPath: `/oci-ts-test-guest-${tag}-${process.pid}` });
  managers.push(m);
  return m;
};

await check('detect says v2', () => ({ ok: detect().mode === 'v2', detail: detect().mode }));

await check('apply enables controllers and set writes memory.max, swap, pids, cpu.weight, cpu.max', () => {
  const m = make('set');
  m.apply(-1);
  m.set({ memory: { limit: 32 << 20, swap: 32 << 20 }, pids: { limit: 4 }, cpu: { shares: 1024, quota: 1000, period: 100000 } });
  const dir = m.paths()[''];
  const got = Object.fromEntries(['memory.max', 'pids.max', 'cpu.weight', 'cpu.max'].map((f) => [f, read(dir, f)]));
  return { ok: got['memory.max'] === String(32 << 20) && got['pids.max'] === '4' && got['cpu.weight'] === '39' && got['cpu.max'] === '1000 100000', detail: got };
});

await check('the eBPF device program denies /dev/null, allows /dev/zero', () => {
  const m = make('dev');
  m.apply(-1);
  m.set({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }] });
  const r = spawnSync('sh', ['-c', `echo $$ > ${m.paths()['']}/cgroup.procs; echo x > /dev/null && echo null-ok; head -c1 /dev/zero | wc -c`], { encoding: 'utf8' });
  return { ok: !r.stdout.includes('null-ok') && r.stdout.trim() === '1' && /Operation not permitted/.test(r.stderr), detail: { stdout: r.stdout, stderr: r.stderr } };
});

await check('pids.max: a fork beyond the limit fails', () => {
  const m = make('pids');
  m.apply(-1);
  m.set({ pids: { limit: 3 } });
  const r = spawnSync('sh', ['-c', `echo $$ > ${m.paths()['']}/cgroup.procs; for i in 1 2 3 4 5; do sleep 2 & done; wait`], { encoding: 'utf8' });
  return { ok: /fork/i.test(r.stderr), detail: r.stderr.slice(0, 200) };
});

await check('memory.max OOM-kills a hog; memory.events and the watcher see it', async () => {
  const m = make('oom');
  m.apply(-1);
  m.set({ memory: { limit: 32 << 20, swap: 32 << 20 } });
  const seen = [];
  const w = m.watchOOM((e) => seen.push(e.oomKills));
  const r = spawnSync('sh', ['-c', `echo $$ > ${m.paths()['']}/cgroup.procs; exec dd if=/dev/zero of=/dev/zero bs=256M count=1`], { encoding: 'utf8' });
  for (let i = 0; i < 100 && !seen.length; i++) await sleep(50);
  w.close();
  return { ok: r.signal === 'SIGKILL' && m.oomKills() >= 1 && seen.length >= 1, detail: { signal: r.signal, oomKills: m.oomKills(), seen } };
});

await check('cpu.max throttles (cpu.stat), freeze/thaw settle, killAll empties', async () => {
  const m = make('cpu');
  m.apply(-1);
  m.set({ cpu: { quota: 1000, period: 100000 } });
  const busy = spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' });
  m.apply(busy.pid);
  let s;
  for (let i = 0; i < 200; i++) {
    s = m.stats();
    if (s.cpu.throttling.throttledPeriods > 0) break;
    await sleep(50);
  }
  await m.freeze();
  const frozen = m.freezerState();
  await m.thaw();
  const thawed = m.freezerState();
  await m.killAll(9);
  return { ok: s.cpu.throttling.throttledPeriods > 0 && frozen === 'frozen' && thawed === 'thawed' && m.pids().length === 0, detail: { throttling: s.cpu.throttling, frozen, thawed } };
});

let vda;
try {
  const st = fs.statSync('/dev/vda');
  vda = { major: Math.floor(st.rdev / 256), minor: st.rdev % 256 };
} catch { /* no scratch disk */ }
if (vda) {
  await check('io.max and io.weight from blockIO; io.stat in the stats', () => {
    const m = make('io');
    m.apply(-1);
    m.set({ blockIO: { weight: 500, throttleWriteBpsDevice: [{ ...vda, rate: 4 << 20 }], throttleReadIOPSDevice: [{ ...vda, rate: 100 }] } });
    const dir = m.paths()[''];
    const max = read(dir, 'io.max');
    spawnSync('sh', ['-c', `echo $$ > ${dir}/cgroup.procs; dd if=/dev/zero of=/dev/vda bs=64k count=16 oflag=direct 2>/dev/null`]);
    const written = m.stats().blkio.ioServiceBytesRecursive?.find((e) => e.major === vda.major && e.op === 'Write')?.value;
    return { ok: max === `${vda.major}:${vda.minor} rbps=max wbps=${4 << 20} riops=100 wiops=max` && written === 16 * 65536, detail: { max, written } };
  });
}

await check('hugetlb.2MB.max (and .rsvd.max) from hugepageLimits', () => {
  const m = make('huge');
  m.apply(-1);
  m.set({ hugepageLimits: [{ pageSize: '2MB', limit: 4 << 20 }] });
  const v = read(m.paths()[''], 'hugetlb.2MB.max');
  return { ok: v === String(4 << 20), detail: v };
});

for (const m of managers) await m.destroy();
await check('no cgroup is left behind', () => {
  const left = fs.readdirSync('/sys/fs/cgroup').filter((n) => n.startsWith('oci-ts-test-guest'));
  return { ok: left.length === 0, detail: left };
});
process.exitCode = failed ? 1 : 0;
