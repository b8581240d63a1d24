#!/usr/bin/env node
// Benchmark for @oci/cgroups on this host's real cgroups (needs root and
// `pnpm build`):
//   lifecycle: createManager + apply(pid) + set(resources) + destroy for one
//              container, against a hand-written baseline doing the same
//              mkdir/write/rmdir syscalls with no checks, rollback journal or
//              detection: the ratio is what the library's safety costs.
//   freeze:    freeze + thaw round trip of a busy process (v1 freezer and, on
//              the cgroup2 side, cgroup.freeze).
//   killAll:   SIGKILL of a 3-process cgroup until empty.
//   devices:   compiling runc's default device list to eBPF, one interpreter
//              run, and load + attach + detach in the kernel (with @oci/core).
// Usage: node tools/bench/cgroups-lifecycle.mjs [--quick]
// Prints a JSON summary on the last line. Reports ratios and times, asserts nothing.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = path.join(root, 'packages/cgroups/dist/index.js');
if (!fs.existsSync(dist)) { console.error('build first: NX_DAEMON=false pnpm nx run @oci/cgroups:build'); process.exit(1); }
if (process.getuid() !== 0) { console.error('needs root (creates cgroups)'); process.exit(1); }
const cg = await import(pathToFileURL(dist).href);
const quick = process.argv.includes('--quick');
const N = quick ? 20 : 100;
const now = () => Number(process.hrtime.bigint()) / 1e6;
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const tag = `oci-ts-bench-${process.pid}`;
const d = cg.detect();

const resources = {
  memory: { limit: 256 << 20, reservation: 128 << 20, swap: 512 << 20 },
  cpu: { shares: 512, quota: 50000, period: 100000 },
  pids: { limit: 100 },
  devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }, { allow: true, type: 'c', major: 136, access: 'rwm' }],
};

function sleeper() {
  const c = spawn('sleep', ['600'], { stdio: 'ignore' });
  return c;
}
const exited = (c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', r)));

async function ours(i) {
  const c = sleeper();
  const t0 = now();
  const m = cg.createManager({ id: `b${i}`, cgroupsPath: `/${tag}-o${i}` });
  m.apply(c.pid);
  m.set(resources);
  await m.destroy();
  const t = now() - t0;
  await exited(c);
  return t;
}

// The same syscalls with nothing else: what a minimal C runtime would do.
async function baseline(i) {
  const c = sleeper();
  const t0 = now();
  const ctrls = Object.keys(d.v1).filter((k) => !k.startsWith('name='));
  const dirs = ctrls.map((k) => path.join(d.v1[k].mountpoint, `${tag}-b${i}`));
  if (d.unified && d.mode === 'hybrid') dirs.push(path.join(d.unified.mountpoint, `${tag}-b${i}`));
  const uniq = [...new Set(dirs)];
  for (const dir of uniq) fs.mkdirSync(dir);
  const cpuset = path.join(d.v1.cpuset?.mountpoint ?? '/nonexistent', `${tag}-b${i}`);
  if (fs.existsSync(cpuset)) {
    fs.writeFileSync(path.join(cpuset, 'cpuset.cpus'), fs.readFileSync(path.join(d.v1.cpuset.mountpoint, 'cpuset.cpus')));
    fs.writeFileSync(path.join(cpuset, 'cpuset.mems'), fs.readFileSync(path.join(d.v1.cpuset.mountpoint, 'cpuset.mems')));
  }
  for (const dir of uniq) fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(c.pid));
  const at = (k) => path.join(d.v1[k].mountpoint, `${tag}-b${i}`);
  fs.writeFileSync(path.join(at('memory'), 'memory.limit_in_bytes'), String(256 << 20));
  fs.writeFileSync(path.join(at('memory'), 'memory.memsw.limit_in_bytes'), String(512 << 20));
  fs.writeFileSync(path.join(at('memory'), 'memory.soft_limit_in_bytes'), String(128 << 20));
  fs.writeFileSync(path.join(at('cpu'), 'cpu.shares'), '512');
  fs.writeFileSync(path.join(at('cpu'), 'cpu.cfs_period_us'), '100000');
  fs.writeFileSync(path.join(at('cpu'), 'cpu.cfs_quota_us'), '50000');
  fs.writeFileSync(path.join(at('pids'), 'pids.max'), '100');
  fs.writeFileSync(path.join(at('devices'), 'devices.deny'), 'a');
  for (const l of ['c 1:3 rwm', 'c 1:5 rwm', 'c 136:* rwm']) fs.writeFileSync(path.join(at('devices'), 'devices.allow'), l);
  process.kill(c.pid, 'SIGKILL');
  while (fs.readFileSync(path.join(at('pids'), 'cgroup.procs'), 'utf8').trim()) await new Promise((r) => setImmediate(r));
  for (const dir of uniq) {
    for (;;) {
      try { fs.rmdirSync(dir); break; } catch (e) { if (e.code !== 'EBUSY') throw e; await new Promise((r) => setTimeout(r, 1)); }
    }
  }
  const t = now() - t0;
  await exited(c);
  return t;
}

// Whatever happens, leave no cgroup and no process behind.
function cleanup() {
  for (const h of fs.readdirSync('/sys/fs/cgroup')) {
    let names = [];
    try { names = fs.readdirSync(path.join('/sys/fs/cgroup', h)).filter((n) => n.startsWith(tag)); } catch { continue; }
    for (const n of names) {
      const dir = path.join('/sys/fs/cgroup', h, n);
      try { for (const pid of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ }
      for (let i = 0; i < 100; i++) { try { fs.rmdirSync(dir); break; } catch { spinWait(5); } }
    }
  }
}
function spinWait(ms) { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms); }
process.on('exit', cleanup);

const results = {};
if (d.mode !== 'v2') {
  const o = [], b = [];
  for (let i = 0; i < N; i++) { b.push(await baseline(i)); o.push(await ours(i)); }
  results.lifecycle = { ours_ms: +median(o).toFixed(3), baseline_ms: +median(b).toFixed(3), ratio: +(median(o) / median(b)).toFixed(2) };
  console.log(`lifecycle (create+apply+set+destroy, ${d.mode}): ours ${results.lifecycle.ours_ms} ms, raw syscalls ${results.lifecycle.baseline_ms} ms, ratio ${results.lifecycle.ratio}`);
}

async function freezeBench(m, label) {
  const c = spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' });
  m.apply(c.pid);
  const ts = [];
  for (let i = 0; i < N; i++) { const t0 = now(); await m.freeze(); await m.thaw(); ts.push(now() - t0); }
  const k0 = now();
  await m.killAll(9);
  const kill = now() - k0;
  await m.destroy();
  await exited(c);
  results[label] = { freeze_thaw_ms: +median(ts).toFixed(3), killAll_ms: +kill.toFixed(3) };
  console.log(`${label}: freeze+thaw ${results[label].freeze_thaw_ms} ms, killAll(SIGKILL) ${results[label].killAll_ms} ms`);
}
await freezeBench(cg.createManager({ id: 'f', cgroupsPath: `/${tag}-f` }), `freezer_${d.mode === 'v2' ? 'v2' : 'v1'}`);
if (d.mode === 'hybrid') await freezeBench(cg.createManager({ id: 'u', cgroupsPath: `/${tag}-u`, driver: 'v2' }), 'freezer_cgroup2');

// runc's default device list (libcontainer/specconv AllowedDevices) after deny-all.
const runcDefault = [{ allow: false, access: 'rwm' }, ...[[1, 3], [1, 5], [1, 7], [1, 8], [1, 9], [5, 0], [5, 1], [5, 2], [10, 200]].map(([major, minor]) => ({ allow: true, type: 'c', major, minor, access: 'rwm' })), { allow: true, type: 'c', major: 136, access: 'rwm' }, { allow: true, type: 'c', access: 'm' }, { allow: true, type: 'b', access: 'm' }];
const C = quick ? 2000 : 20000;
let t0 = now();
let prog;
for (let i = 0; i < C; i++) prog = cg.compileDeviceProgram(runcDefault);
const compileUs = ((now() - t0) / C) * 1000;
t0 = now();
for (let i = 0; i < C; i++) cg.runDeviceProgram(prog.insns, { accessType: (6 << 16) | 2, major: 136, minor: i & 1023 });
const interpUs = ((now() - t0) / C) * 1000;
results.devices = { rules: runcDefault.length, instructions: prog.insns.length, compile_us: +compileUs.toFixed(2), interpret_us: +interpUs.toFixed(2) };
let core = null;
try { core = await import(pathToFileURL(path.join(root, 'packages/core-rs/index.js')).href); } catch { /* optional: not built */ }
if (core && d.unified) {
  const dir = path.join(d.unified.mountpoint, `${tag}-dev`);
  fs.mkdirSync(dir);
  try {
    const fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    const ts = [];
    for (let i = 0; i < (quick ? 20 : 200); i++) {
      const a = now();
      const p = core.bpfProgLoadCgroupDevice(Buffer.from(prog.bytes), prog.license);
      core.bpfProgAttachCgroupDevice(p, fd, 2);
      core.bpfProgDetachCgroupDevice(p, fd);
      fs.closeSync(p);
      ts.push(now() - a);
    }
    fs.closeSync(fd);
    results.devices.kernel_load_attach_detach_ms = +median(ts).toFixed(3);
  } finally {
    fs.rmdirSync(dir);
  }
}
console.log(`devices: ${results.devices.rules} rules -> ${results.devices.instructions} insns, compile ${results.devices.compile_us} µs, interpret ${results.devices.interpret_us} µs` + (results.devices.kernel_load_attach_detach_ms !== undefined ? `, kernel load+attach+detach ${results.devices.kernel_load_attach_detach_ms} ms` : ''));
console.log(JSON.stringify({ bench: 'cgroups-lifecycle', mode: d.mode, n: N, ...results }));
