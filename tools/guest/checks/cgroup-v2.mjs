// Runs inside the guest (run-in-guest node tools/guest/checks/cgroup-v2.mjs):
// checks on the real kernel that the guest is a pure cgroup v2 machine whose
// controllers enforce limits. One JSON line per check on stdout,
// `guest-check {"check":..., "ok":..., "detail":..., "skip"?: reason}`; exit status 1 when any
// check failed. Cgroup semantics: Documentation/admin-guide/cgroup-v2.rst.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = '/sys/fs/cgroup';
const CGROUP2_SUPER_MAGIC = 0x63677270; // linux/magic.h
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const read = (f) => fs.readFileSync(f, 'utf8').trim();
const write = (f, v) => fs.writeFileSync(f, String(v));
/** "key value" lines (memory.events, cgroup.events, cpu.stat) to an object */
const keyed = (f) => Object.fromEntries(read(f).split('\n').map((l) => l.split(/\s+/)).map(([k, v]) => [k, Number(v)]));

/** @type {string[]} */
const made = [];
/** A fresh child cgroup of the root, removed at the end. */
function cgroup(name) {
  const p = path.join(ROOT, `oci-ts-guest-${name}-${process.pid}`);
  fs.mkdirSync(p);
  made.push(p);
  return p;
}

/** Polls until fn() is truthy; false after the deadline (generous: TCG is slow). */
async function until(fn, ms = 20000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return true;
    await sleep(50);
  }
  return !!(await fn());
}

/** A shell that moves itself into cg, then runs script (on its own line, so
 * a trailing `&` in it cannot pull the move into a background job). */
const inCgroup = (cg, script) => ['-c', `echo $$ > ${cg}/cgroup.procs || exit 100\n${script}`];

// Only ever in the guest (or on a host that is pure v2 and says so): on a
// hybrid host /sys/fs/cgroup is a tmpfs, and writing "cgroup files" there
// would litter it with plain files and directories.
if (process.env.OCI_TS_IN_GUEST !== '1' && process.env.OCI_TS_CGROUP_V2_HOST !== '1') {
  process.stderr.write('cgroup-v2.mjs: refusing to run outside the guest (run it with tools/guest/run-in-guest, or set OCI_TS_CGROUP_V2_HOST=1 on a pure v2 host)\n');
  process.exit(2);
}
if (fs.statfsSync(ROOT).type !== CGROUP2_SUPER_MAGIC) {
  process.stdout.write(`guest-check ${JSON.stringify({ check: 'cgroup2 is mounted at /sys/fs/cgroup', ok: false, detail: 'not cgroup2: nothing else checked' })}\n`);
  process.exit(1);
}

let failed = 0;
async function check(name, fn) {
  let ok = false, detail, skip;
  try {
    const r = await fn();
    ok = r.ok;
    detail = r.detail;
    skip = r.skip;
  } catch (e) {
    detail = e instanceof Error ? e.stack : String(e);
  }
  if (!ok) failed++;
  process.stdout.write(`guest-check ${JSON.stringify({ check: name, ok, detail, ...(skip ? { skip } : {}) })}\n`);
}

await check('cgroup2 is mounted at /sys/fs/cgroup', () => {
  const st = fs.statfsSync(ROOT);
  return { ok: st.type === CGROUP2_SUPER_MAGIC, detail: { fstype: `0x${st.type.toString(16)}` } };
});

await check('no cgroup v1 hierarchy is mounted', () => {
  const v1 = read('/proc/self/mountinfo').split('\n').filter((l) => / - cgroup /.test(l));
  return { ok: v1.length === 0, detail: { v1 } };
});

await check('controllers are available and enabled for children', () => {
  const want = ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids'];
  const available = read(`${ROOT}/cgroup.controllers`).split(' ');
  const enabled = read(`${ROOT}/cgroup.subtree_control`).split(' ');
  return { ok: want.every((c) => available.includes(c) && enabled.includes(c)), detail: { available, enabled } };
});

await check('memory.max OOM-kills a memory hog and memory.events counts it', () => {
  const cg = cgroup('memory');
  write(`${cg}/memory.max`, 16 * 1024 * 1024);
  try { write(`${cg}/memory.swap.max`, 0); } catch { /* no swap accounting */ }
  // tail -c 48M keeps 48 MiB of the 64 MiB stream in memory: three times the limit.
  const r = spawnSync('sh', inCgroup(cg, 'head -c 64M /dev/zero | tail -c 48M >/dev/null'), { encoding: 'utf8' });
  const events = keyed(`${cg}/memory.events`);
  return {
    ok: r.status !== 0 && events.oom_kill >= 1 && read(`${cg}/memory.max`) === String(16 * 1024 * 1024),
    detail: { status: r.status, signal: r.signal, events },
  };
});

await check('pids.max makes fork fail and pids.events counts it', () => {
  const cg = cgroup('pids');
  write(`${cg}/pids.max`, 3);
  const r = spawnSync('sh', inCgroup(cg, 'for i in 1 2 3 4 5 6; do sleep 0.3 & done; wait'), { encoding: 'utf8' });
  const events = keyed(`${cg}/pids.events`);
  return { ok: events.max >= 1 && /fork/i.test(r.stderr), detail: { status: r.status, stderr: r.stderr.trim(), events } };
});

await check('cpu.max throttles a busy loop (cpu.stat nr_throttled)', () => {
  const cg = cgroup('cpu');
  write(`${cg}/cpu.max`, '10000 100000'); // 10 ms per 100 ms period
  write(`${cg}/cpu.weight`, 50);
  const r = spawnSync('sh', inCgroup(cg, `exec timeout 1 sh -c 'while :; do :; done'`), { encoding: 'utf8' });
  const stat = keyed(`${cg}/cpu.stat`);
  return {
    ok: r.status === 124 && stat.nr_throttled > 0 && stat.throttled_usec > 0 && read(`${cg}/cpu.weight`) === '50',
    detail: { status: r.status, stat },
  };
});

await check('cpuset.cpus pins a process to CPU 0', () => {
  const cg = cgroup('cpuset');
  write(`${cg}/cpuset.cpus`, '0');
  const r = spawnSync('sh', inCgroup(cg, 'grep Cpus_allowed_list /proc/self/status'), { encoding: 'utf8' });
  return {
    ok: r.status === 0 && /Cpus_allowed_list:\s*0$/m.test(r.stdout) && read(`${cg}/cpuset.cpus.effective`) === '0',
    detail: { cpus: os.cpus().length, out: r.stdout.trim(), effective: read(`${cg}/cpuset.cpus.effective`) },
  };
});

await check('hugetlb limits are writable', () => {
  const cg = cgroup('hugetlb');
  write(`${cg}/hugetlb.2MB.max`, 2 * 1024 * 1024);
  const total = Number(/HugePages_Total:\s*(\d+)/.exec(read('/proc/meminfo'))?.[1]);
  return { ok: read(`${cg}/hugetlb.2MB.max`) === String(2 * 1024 * 1024), detail: { hugePagesTotal: total } };
});

await check('io.max accepts a limit for the scratch disk and io.stat counts writes', () => {
  if (!fs.existsSync('/sys/block/vda')) return { ok: true, skip: 'no scratch disk (run-in-guest --disk MIB)' };
  const cg = cgroup('io');
  const dev = read('/sys/block/vda/dev');
  write(`${cg}/io.max`, `${dev} wbps=8388608`);
  const r = spawnSync('sh', inCgroup(cg, 'dd if=/dev/zero of=/dev/vda bs=64k count=16 oflag=direct 2>&1'), { encoding: 'utf8' });
  const line = read(`${cg}/io.stat`).split('\n').find((l) => l.startsWith(`${dev} `)) ?? '';
  const wbytes = Number(/wbytes=(\d+)/.exec(line)?.[1] ?? 0);
  return { ok: r.status === 0 && /wbps=8388608/.test(read(`${cg}/io.max`)) && wbytes >= 16 * 65536, detail: { dev, io_stat: line, dd: r.stdout.trim() } };
});

await check('cgroup.freeze stops and resumes the processes', async () => {
  const cg = cgroup('freeze');
  const counter = path.join(fs.mkdtempSync('/tmp/oci-ts-check-'), 'counter');
  const child = spawn('sh', inCgroup(cg, `i=0; while :; do i=$((i+1)); echo $i > ${counter}; sleep 0.05; done`), { stdio: 'ignore' });
  const count = () => { try { return Number(read(counter)) || 0; } catch { return 0; } };
  try {
    const running = await until(() => count() >= 3);
    write(`${cg}/cgroup.freeze`, 1);
    const frozen = await until(() => keyed(`${cg}/cgroup.events`).frozen === 1);
    const c1 = count();
    await sleep(1500); // would be ~30 iterations if the freeze did nothing
    const c2 = count();
    write(`${cg}/cgroup.freeze`, 0);
    const thawed = await until(() => keyed(`${cg}/cgroup.events`).frozen === 0);
    const resumed = await until(() => count() > c2);
    return { ok: running && frozen && c1 === c2 && thawed && resumed, detail: { running, frozen, c1, c2, thawed, resumed } };
  } finally {
    child.kill('SIGKILL');
  }
});

await check('cgroup.kill kills every process and empties the cgroup', async () => {
  const cg = cgroup('kill');
  const child = spawn('sh', inCgroup(cg, 'sleep 100 & sleep 100 & sleep 100 & wait'), { stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', (code, sig) => r(sig)));
  const all = await until(() => read(`${cg}/cgroup.procs`).split('\n').filter(Boolean).length === 4);
  write(`${cg}/cgroup.kill`, 1);
  const sig = await exited;
  const empty = await until(() => read(`${cg}/cgroup.procs`) === '' && keyed(`${cg}/cgroup.events`).populated === 0);
  return { ok: all && sig === 'SIGKILL' && empty, detail: { all, sig, empty } };
});

for (const p of made.reverse()) {
  // A cgroup is removable once its last process is reaped (populated 0).
  await until(() => { try { fs.rmdirSync(p); return true; } catch { return false; } }, 10000);
}
process.exitCode = failed ? 1 : 0;
