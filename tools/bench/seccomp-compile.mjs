#!/usr/bin/env node
// Benchmark: @oci/seccomp vs libseccomp on the Docker default profile.
// Prints, for amd64 (x86_64 + x86 + x32) and x86_64 only: instructions in the
// filter, instructions executed for a few syscalls, the mean and the worst
// case over x86_64 numbers 0..599 (arguments zero), and the warm compile time.
// libseccomp's programs come from ../shared/data/seccomp/reference-bpf
// (libseccomp 2.6.1) when present, else are built live with python3-seccomp.
// All step counts are measured by the same interpreter, so they compare;
// allow-cache counts x86_64 numbers 0..599 the kernel's action cache would
// mark always-allowed (seccomp_is_const_allow).
// Usage: node tools/bench/seccomp-compile.mjs   (after `pnpm build`)
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { compile, makeEvaluator, syscallNumber, findArch, dockerDefault, isConstantAllow } = await import(path.join(root, 'packages/seccomp/dist/index.js'));
const shared = path.resolve(root, '../shared/data/seccomp');
const helper = path.join(root, 'packages/seccomp/test/helpers/libseccomp-export.py');

const X64 = findArch('SCMP_ARCH_X86_64');
const profiles = {};
for (const variant of ['amd64', 'amd64-only']) {
  const f = path.join(shared, `oci/docker-default.${variant}.oci.json`);
  if (fs.existsSync(f)) profiles[variant] = JSON.parse(fs.readFileSync(f, 'utf8'));
}
if (!Object.keys(profiles).length) {
  // No ../shared: the bundled Docker profile, converted as Docker does for amd64.
  console.log(`(${shared} is absent: bundled Docker profile, libseccomp measured live)`);
  profiles.amd64 = dockerDefault({ arch: 'x86_64', kernel: '6.18' });
  profiles['amd64-only'] = { ...profiles.amd64, architectures: ['SCMP_ARCH_X86_64'] };
}

function libseccompPrograms(variant) {
  const out = {};
  for (const opt of [1, 2]) {
    const f = path.join(shared, `reference-bpf/docker-default.${variant}.libseccomp-v2.6.1.opt${opt}.nostub.bpf`);
    if (fs.existsSync(f)) out[`libseccomp 2.6.1 opt${opt}`] = new Uint8Array(fs.readFileSync(f));
  }
  if (Object.keys(out).length) return out;
  // Live: Debian's python3-seccomp, default layout and binary tree.
  const py = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import seccomp'], { stdio: 'ignore' }).status === 0);
  if (!py) return out;
  const items = [1, 2].map((optimize) => ({ native: 'SCMP_ARCH_X86_64', seccomp: profiles[variant], optimize }));
  const r = spawnSync(py, [helper], { input: JSON.stringify({ profiles: items }) });
  JSON.parse(r.stdout.toString()).results.forEach((res, i) => {
    if (res.ok) out[`libseccomp (live) opt${i + 1}`] = new Uint8Array(Buffer.from(res.bpf, 'base64'));
  });
  return out;
}

function measure(bpf) {
  const ev = makeEvaluator(bpf);
  const steps = (nr, args = []) => ev({ nr, arch: 'SCMP_ARCH_X86_64', args }).steps;
  let sum = 0, worst = 0, cacheable = 0;
  for (let nr = 0; nr < 600; nr++) {
    const s = steps(nr); sum += s; worst = Math.max(worst, s);
    if (isConstantAllow(bpf, nr, X64.token)) cacheable++;
  }
  return {
    insns: bpf.length / 8,
    read: steps(syscallNumber(X64, 'read')),
    write: steps(syscallNumber(X64, 'write')),
    openat: steps(syscallNumber(X64, 'openat')),
    'socket(AF_INET)': steps(syscallNumber(X64, 'socket'), [2, 1, 0]),
    'unlisted (acct)': steps(syscallNumber(X64, 'acct')),
    'nr 600': steps(600),
    mean: +(sum / 600).toFixed(1),
    worst,
    'allow-cache': cacheable,
  };
}

// Wall time suffers when the machine is busy; CPU time of this process much less.
function compileMs(p) {
  for (let i = 0; i < 30; i++) compile(p, { arch: 'x86_64' });
  const times = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < 100; i++) { const t0 = performance.now(); compile(p, { arch: 'x86_64' }); times.push(performance.now() - t0); }
  const cpu = process.cpuUsage(cpu0);
  times.sort((a, b) => a - b);
  return { wall: times[50], cpu: (cpu.user + cpu.system) / 1000 / 100 };
}

const targets = { amd64: { insns: 400, worst: 20 }, 'amd64-only': { insns: 150, worst: 16 } };
for (const [variant, p] of Object.entries(profiles)) {
  const rows = {};
  for (const stub of [false, true]) rows[`oci-seccomp${stub ? ' +enosys stub' : ''}`] = measure(compile(p, { arch: 'x86_64', enosysStub: stub }).bpf);
  for (const [name, bpf] of Object.entries(libseccompPrograms(variant))) rows[name] = measure(bpf);
  console.log(`\nDocker default, ${variant === 'amd64' ? 'amd64 (x86_64 + x86 + x32)' : 'x86_64 only'} — instructions in the filter and executed (target: <= ${targets[variant].insns} insns, worst <= ${targets[variant].worst})`);
  console.table(rows);
  const ours = rows['oci-seccomp'];
  for (const [name, r] of Object.entries(rows)) {
    if (!name.startsWith('libseccomp')) continue;
    console.log(`  vs ${name}: size x${(ours.insns / r.insns).toFixed(2)}, mean steps x${(ours.mean / r.mean).toFixed(2)}, worst x${(ours.worst / r.worst).toFixed(2)}`);
  }
  const ms = compileMs(p);
  console.log(`  compile (warm): median ${ms.wall.toFixed(2)} ms wall, ${ms.cpu.toFixed(2)} ms CPU per compile (target < 5 ms); load average ${(await import('node:os')).loadavg()[0].toFixed(1)}`);
}
