#!/usr/bin/env node
// Benchmark for @oci/spec: load + validate a full config.
//   in-process: parseConfig (JSON + schema + semantic), validateConfig,
//               checkConfig: ops/s and µs per call
//   per process: `node -e 0` vs a process that imports @oci/spec and parses
//               the config: the ms the package adds to a runtime invocation
//               (target < 5 ms), wall and CPU (user+sys), via hyperfine when
//               installed, else a spawn loop (wall only).
// Usage: node tools/bench/spec-validate.mjs [--quick]   (needs `pnpm build`)
// Prints a JSON summary on the last line.
import { spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = path.join(root, 'packages/spec/dist/index.js');
if (!fs.existsSync(dist)) { console.error('build first: NX_DAEMON=false pnpm nx run @oci/spec:build'); process.exit(1); }
const quick = process.argv.includes('--quick');
const spec = await import(pathToFileURL(dist).href);

// A full config: runc's default plus what Docker/containerd put in one
// (a 300-name seccomp allow-list, resources for every controller, devices, hooks, mounts).
function fullConfig() {
  const c = spec.defaultConfig();
  const names = Array.from({ length: 300 }, (_, i) => `syscall_${i}`);
  c.process.capabilities = Object.fromEntries(['bounding', 'effective', 'permitted', 'inheritable', 'ambient'].map((k) => [k, Object.keys(spec.CAPABILITIES).slice(0, 14)]));
  c.process.rlimits.push({ type: 'RLIMIT_MEMLOCK', soft: 18446744073709551615n, hard: 18446744073709551615n });
  c.process.env.push(...Array.from({ length: 20 }, (_, i) => `VAR_${i}=value-${i}`));
  c.hooks = { createRuntime: [{ path: '/usr/bin/hook', args: ['hook', 'create'], env: ['A=1'], timeout: 5 }], poststop: [{ path: '/usr/bin/hook', args: ['hook', 'stop'] }] };
  for (let i = 0; i < 20; i++) c.mounts.push({ destination: `/data/${i}`, type: 'bind', source: `/srv/volumes/${i}`, options: ['rbind', 'rprivate', 'nosuid', 'nodev'] });
  c.annotations = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`io.kubernetes.cri.annotation-${i}`, `value-${i}`]));
  c.linux.cgroupsPath = '/oci-ts/bench';
  c.linux.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.shmmax': '68719476736' };
  c.linux.devices = [{ type: 'c', path: '/dev/fuse', major: 10, minor: 229, fileMode: 438, uid: 0, gid: 0 }];
  c.linux.resources = {
    devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }],
    memory: { limit: 536870912, reservation: 268435456, swap: 1073741824, swappiness: 60 },
    cpu: { shares: 1024, quota: 50000, period: 100000, cpus: '0-1', mems: '0' },
    pids: { limit: 1024 },
    blockIO: { weight: 500, throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }] },
    hugepageLimits: [{ pageSize: '2MB', limit: 0 }],
  };
  c.linux.seccomp = {
    defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1, architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [
      { names, action: 'SCMP_ACT_ALLOW' },
      { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }] },
      { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2114060288, op: 'SCMP_CMP_MASKED_EQ', valueTwo: 0 }] },
    ],
  };
  return c;
}
const text = spec.stringify(fullConfig(), '\t');

// CPU time per op (process.cpuUsage), best of several rounds: robust when
// other work shares the machine (wall time is reported too).
function bench(name, fn, ms = quick ? 200 : 800, rounds = quick ? 3 : 5) {
  for (let i = 0; i < 200; i++) fn(); // warm up the JIT
  let best = Infinity, bestWall = Infinity;
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let t1 = t0;
    while (Number(t1 - t0) / 1e6 < ms) { for (let i = 0; i < 20; i++) fn(); n += 20; t1 = process.hrtime.bigint(); }
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / n);
    bestWall = Math.min(bestWall, Number(t1 - t0) / 1e3 / n);
  }
  return { name, usPerOp: Number(best.toFixed(2)), opsPerSec: Math.round(1e6 / best), wallUsPerOp: Number(bestWall.toFixed(2)) };
}

const parsed = spec.parseConfig(text, { forStart: true });
const inProcess = [
  bench('parseConfig (JSON + 64-bit scan + schema + checks)', () => spec.parseConfig(text, { forStart: true })),
  bench('JSON.parse alone (baseline)', () => JSON.parse(text)),
  bench('validateConfig (schema)', () => spec.validateConfig(parsed)),
  bench('checkConfig (semantic)', () => spec.checkConfig(parsed, { forStart: true })),
];

// ---- whole process
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-ts-bench-spec-'));
const configFile = path.join(dir, 'config.json');
fs.writeFileSync(configFile, text);
const script = path.join(dir, 'validate.mjs');
fs.writeFileSync(script, `import { loadConfig } from ${JSON.stringify(pathToFileURL(dist).href)};\nawait loadConfig(${JSON.stringify(dir)}, { forStart: true });\n`);
const importOnly = path.join(dir, 'import.mjs');
fs.writeFileSync(importOnly, `import ${JSON.stringify(pathToFileURL(dist).href)};\n`);
const empty = path.join(dir, 'empty.mjs');
fs.writeFileSync(empty, '\n');
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS; // loading extra CA certs costs every node start; not ours to measure
delete env.NODE_OPTIONS;

const cmds = { 'node empty.mjs': [process.execPath, empty], 'node import @oci/spec': [process.execPath, importOnly], 'node loadConfig+validate': [process.execPath, script] };
const runs = quick ? 15 : 40;
let perProcess;
const hasHyperfine = spawnSync('hyperfine', ['--version']).status === 0;
if (hasHyperfine) {
  const out = path.join(dir, 'hf.json');
  const q = (a) => a.map((x) => `'${x}'`).join(' ');
  execFileSync('hyperfine', ['-N', '-w', '3', '-r', String(runs), '--export-json', out, ...Object.values(cmds).map(q)], { env, stdio: 'ignore' });
  const res = JSON.parse(fs.readFileSync(out, 'utf8')).results;
  perProcess = Object.keys(cmds).map((name, i) => ({ name, medianMs: +(res[i].median * 1e3).toFixed(2), meanMs: +(res[i].mean * 1e3).toFixed(2), cpuMs: +((res[i].user + res[i].system) * 1e3).toFixed(2) }));
} else {
  perProcess = Object.entries(cmds).map(([name, [bin, ...args]]) => {
    const ts = [];
    for (let i = 0; i < runs; i++) { const t0 = process.hrtime.bigint(); spawnSync(bin, args, { env, stdio: 'ignore' }); ts.push(Number(process.hrtime.bigint() - t0) / 1e6); }
    ts.sort((a, b) => a - b);
    return { name, medianMs: +ts[ts.length >> 1].toFixed(2) };
  });
}

// What @oci/spec itself adds, measured inside fresh processes from the entry
// module's first line to the end of loadConfig (CPU and wall, median): the
// Node bootstrap is excluded, so machine noise matters much less.
// "cli-like": node:fs, node:path and node:fs/promises already imported, as
// they are in the oci-ts CLI, so only what this package adds is counted.
const probe = path.join(dir, 'probe.mjs');
fs.writeFileSync(probe, `
const c0 = process.cpuUsage(), t0 = performance.now();
const [mode, bundle] = process.argv.slice(2);
if (mode === 'cli-like') { await import('node:fs'); await import('node:fs/promises'); await import('node:path'); }
const c1 = process.cpuUsage(), t1 = performance.now();
const m = await import(${JSON.stringify(pathToFileURL(dist).href)});
await m.loadConfig(bundle, { forStart: true });
const c = process.cpuUsage(c1);
console.log(JSON.stringify({ cpuMs: (c.user + c.system) / 1000, wallMs: performance.now() - t1 }));
`);
// Three configs: what `runc spec` prints, a config using every Linux field
// (packages/spec/test/samples/config/full.json), and the Docker-sized one above.
const bundles = { 'runc spec default': spec.stringify(spec.defaultConfig(), '\t'), 'every Linux field': fs.readFileSync(path.join(root, 'packages/spec/test/samples/config/full.json'), 'utf8'), 'docker-sized (300 syscalls, u64)': text };
// Is the V8 code cache the build wrote accepted by this node (same V8 and flags)?
const { default: vm } = await import('node:vm');
const gen = path.join(root, 'packages/spec/dist/generated');
const cacheFile = path.join(gen, 'validators.script.cache');
const cacheAccepted = fs.existsSync(cacheFile) && !new vm.Script(fs.readFileSync(path.join(gen, 'validators.script.js'), 'utf8'), { cachedData: fs.readFileSync(cacheFile) }).cachedDataRejected;
const median = (a) => { const s = [...a].sort((x, y) => x - y); return +s[s.length >> 1].toFixed(2); };
const inChild = {};
for (const [label, body] of Object.entries(bundles)) {
  const b = fs.mkdtempSync(path.join(dir, 'bundle-'));
  fs.writeFileSync(path.join(b, 'config.json'), body);
  for (const mode of ['bare', 'cli-like']) {
    const r = [];
    for (let i = 0; i < runs; i++) r.push(JSON.parse(execFileSync(process.execPath, [probe, mode, b], { env, encoding: 'utf8' })));
    inChild[`${label}, ${mode}`] = { configBytes: Buffer.byteLength(body), cpuMs: median(r.map((x) => x.cpuMs)), wallMs: median(r.map((x) => x.wallMs)) };
  }
}
fs.rmSync(dir, { recursive: true, force: true });
const [base, imp, full] = perProcess;
const summary = {
  configBytes: Buffer.byteLength(text),
  inProcess,
  perProcess,
  addedInChild: inChild,
  addedMs: {
    importMedian: +(imp.medianMs - base.medianMs).toFixed(2),
    importAndValidateMedian: +(full.medianMs - base.medianMs).toFixed(2),
    ...(full.cpuMs !== undefined ? { importAndValidateCpu: +(full.cpuMs - base.cpuMs).toFixed(2) } : {}),
  },
  ratios: { processWithSpecOverEmpty: +(full.medianMs / base.medianMs).toFixed(3), parseConfigOverJSONparse: +(inProcess[0].usPerOp / inProcess[1].usPerOp).toFixed(2) },
  codeCacheAccepted: cacheAccepted,
  load: os.loadavg()[0],
  tool: hasHyperfine ? 'hyperfine' : 'spawn loop',
};
for (const r of inProcess) console.log(`${r.name.padEnd(52)} ${String(r.usPerOp).padStart(9)} µs/op ${String(r.opsPerSec).padStart(9)} ops/s`);
for (const r of perProcess) console.log(`${r.name.padEnd(52)} ${String(r.medianMs).padStart(9)} ms median${r.cpuMs !== undefined ? `, ${r.cpuMs} ms cpu` : ''}`);
console.log(`added per process (hyperfine, whole process): import ${summary.addedMs.importMedian} ms, import+load+validate ${summary.addedMs.importAndValidateMedian} ms median wall`);
for (const [label, r] of Object.entries(inChild)) console.log(`added per process, in-child (${label}, ${r.configBytes} B): import+loadConfig ${r.cpuMs} ms cpu, ${r.wallMs} ms wall (median; target < 5 ms)`);
console.log(`V8 code cache for the validators accepted: ${cacheAccepted}; load average ${summary.load} on ${os.cpus().length} cpus`);
console.log(JSON.stringify(summary));
