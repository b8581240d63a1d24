#!/usr/bin/env node
// Lifecycle benchmark: per-operation latency (create, start, state, kill,
// delete, run) and containers per second for oci-ts and runc on the same
// bundle, in one run, printed as a table with ratios (oci-ts / runc). Also the
// time from process start to the first line of our code, Node's bare start,
// and the resident memory of a created-but-not-started container's waiting
// process (oci-ts-init vs `runc init`).
// NODE_EXTRA_CA_CERTS is removed from the environment of every measured
// process (it makes Node read a CA bundle at start-up). oci-ts is run as
// clients run it: bin/oci-ts.cjs executed directly (node from PATH). The
// runtimes take turns within each iteration, so a busy machine (a QEMU guest
// on the other core) slows them alike.
// Usage: node tools/bench/lifecycle.mjs [--n 10] [--json] [--bin NAME=PATH]...
//   --bin adds another oci-ts build (e.g. an older checkout's bin) to compare.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { asJson, childCpuMs, crunSkipped, env, iterations, ociBin, repo, runtimes } from './common.mjs';

const N = iterations(10);

const RUNTIMES = runtimes();
// runc is the reference: without it the benchmark fails loudly rather than printing no ratios.
RUNTIMES.runc ??= (args) => ['runc', args];

function exec(rt, args) {
  const [cmd, a] = RUNTIMES[rt](args);
  const c0 = childCpuMs();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, a, { env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 60_000 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${rt} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return { ms, cpu: childCpuMs() - c0, stdout: r.stdout };
}
// create/run -d: the container inherits stdio; /dev/null keeps the call from waiting on a pipe.
function execDetached(rt, args) {
  const [cmd, a] = RUNTIMES[rt](args);
  const t0 = process.hrtime.bigint();
  const errFile = path.join(os.tmpdir(), `oci-ts-bench-err-${process.pid}`);
  const errFd = fs.openSync(errFile, 'w+');
  const c0 = childCpuMs();
  const r = spawnSync(cmd, a, { env, stdio: ['ignore', 'ignore', errFd], timeout: 60_000 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = childCpuMs() - c0;
  fs.closeSync(errFd);
  const stderr = fs.readFileSync(errFile, 'utf8');
  fs.rmSync(errFile, { force: true });
  if (r.status !== 0) throw new Error(`${rt} ${args.join(' ')}: exit ${r.status}: ${stderr}`);
  return { ms, cpu };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

function bundleDir(work, name, args) {
  const base = path.join(repo, 'tools/.cache/busybox-bundle');
  if (!fs.existsSync(path.join(base, 'config.json'))) spawnSync(process.execPath, [path.join(repo, 'tools/bundle/build.mjs')], { stdio: 'ignore' });
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  const cfg = JSON.parse(fs.readFileSync(path.join(base, 'config.json'), 'utf8'));
  cfg.process.args = args;
  // runc refuses a rootfs that is a symlink: both use the shared rootfs by its real path.
  cfg.root.path = fs.realpathSync(path.join(base, 'rootfs'));
  // runc 1.1.5 knows runtime-spec 1.0.2: give both the same version string.
  cfg.ociVersion = '1.0.2-dev';
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg));
  return dir;
}

function waitStopped(rt, root, id) {
  for (let i = 0; i < 500; i++) {
    const s = JSON.parse(exec(rt, ['--root', root, 'state', id]).stdout);
    if (s.status === 'stopped') return;
  }
  throw new Error(`${rt}: ${id} did not stop`);
}

function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

let parallelRuns = 0;
/** Containers per second with `par` runs in flight at once, `total` runs in all. */
async function parallelRate(rt, root, bundle, par, total) {
  let next = 0;
  const t0 = process.hrtime.bigint();
  const tag = `${par}x${++parallelRuns}`;
  const worker = async () => {
    while (next < total) {
      const id = `par-${tag}-${next++}`;
      const [cmd, a] = RUNTIMES[rt](['--root', root, 'run', '-b', bundle, id]);
      const code = await new Promise((r) => spawn(cmd, a, { env, stdio: 'ignore' }).on('exit', r));
      if (code !== 0) throw new Error(`${rt} run ${id}: exit ${code}`);
    }
  };
  await Promise.all(Array.from({ length: par }, worker));
  return total / (Number(process.hrtime.bigint() - t0) / 1e9);
}

export async function bench() {
  if (process.getuid?.() !== 0) throw new Error('the lifecycle benchmark needs root');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-ts-bench-'));
  const results = {};
  try {
    const sleepB = bundleDir(work, 'sleep', ['sleep', '1000']);
    const trueB = bundleDir(work, 'true', ['true']);
    const rts = Object.keys(RUNTIMES);
    const rootOf = (rt) => path.join(work, `root-${rt.replace(/\W/g, '_')}`);
    const OPS = ['create', 'start', 'state', 'kill', 'delete', 'run'];
    const t = Object.fromEntries(rts.map((rt) => [rt, { rss: [], ...Object.fromEntries(OPS.flatMap((o) => [[o, []], [`${o} cpu`, []]])) }]));
    for (let i = 0; i < N + 1; i++) {
      for (const rt of rts) {
        const root = rootOf(rt);
        const id = `bench-${i}`;
        const c = execDetached(rt, ['--root', root, 'create', '-b', sleepB, id]);
        const st = exec(rt, ['--root', root, 'state', id]);
        const pid = JSON.parse(st.stdout).pid;
        const rss = rssKiB(pid);
        const s = execDetached(rt, ['--root', root, 'start', id]);
        const k = exec(rt, ['--root', root, 'kill', id, 'KILL']);
        waitStopped(rt, root, id);
        const d = exec(rt, ['--root', root, 'delete', id]);
        const r = execDetached(rt, ['--root', root, 'run', '-b', trueB, `${id}-run`]);
        if (i === 0) continue; // warm-up
        const x = t[rt];
        for (const [o, v] of [['create', c], ['start', s], ['state', st], ['kill', k], ['delete', d], ['run', r]]) { x[o].push(v.ms); x[`${o} cpu`].push(v.cpu); }
        x.rss.push(rss);
      }
    }
    for (const rt of rts) {
      results[rt] = Object.fromEntries(Object.entries(t[rt]).map(([k, v]) => [k, k.endsWith(' cpu') ? v.reduce((a, b) => a + b, 0) / v.length : median(v)]));
      results[rt]['containers/s'] = 1000 / results[rt].run;
    }
    for (const rt of rts) {
      results[rt]['containers/s parallel'] = await parallelRate(rt, rootOf(rt), trueB, 4, Math.max(8, N * 2));
      // Sequential again, as a whole batch like the parallel one, so the two rates are measured alike.
      results[rt]['containers/s batch'] = await parallelRate(rt, rootOf(rt), trueB, 1, Math.max(8, N * 2));
    }
    // Node's own start-up and the first line of our code (OCI_TS_TIMING).
    const bare = [], first = [], version = [];
    for (let i = 0; i < N; i++) {
      let t0 = process.hrtime.bigint();
      spawnSync(process.execPath, ['-e', '0'], { env });
      bare.push(Number(process.hrtime.bigint() - t0) / 1e6);
      t0 = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [ociBin, '--version'], { env: { ...env, OCI_TS_TIMING: '1' }, encoding: 'utf8' });
      version.push(Number(process.hrtime.bigint() - t0) / 1e6);
      const m = /first line at ([\d.]+) ms/.exec(r.stderr);
      if (m) first.push(Number(m[1]));
    }
    results.startup = { nodeBare: median(bare), firstLine: median(first), ociVersion: median(version) };
    results.loadavg = os.loadavg();
  } finally {
    for (const rt of Object.keys(RUNTIMES)) {
      const root = path.join(work, `root-${rt.replace(/\W/g, '_')}`);
      try {
        for (const id of fs.readdirSync(root)) if (!id.startsWith('.')) spawnSync(...RUNTIMES[rt](['--root', root, 'delete', '--force', id]), { env, stdio: 'ignore' });
      } catch { /* nothing created */ }
    }
    fs.rmSync(work, { recursive: true, force: true });
  }
  return results;
}

export function table(r) {
  const rts = Object.keys(r).filter((k) => k !== 'startup' && k !== 'loadavg');
  const ours = rts.filter((rt) => rt !== 'runc');
  const rows = [['operation', ...rts, ...ours.map((rt) => `${rt}/runc`)]];
  const row = (label, key, fmt = (v) => v.toFixed(1)) => rows.push([label, ...rts.map((rt) => fmt(r[rt][key])), ...ours.map((rt) => (r[rt][key] / r.runc[key]).toFixed(2))]);
  for (const op of ['create', 'start', 'state', 'kill', 'delete', 'run']) row(`${op} (ms, median)`, op);
  for (const op of ['create', 'start', 'state', 'kill', 'delete', 'run']) row(`${op} CPU (ms, mean)`, `${op} cpu`);
  row('containers/s (sequential run)', 'containers/s');
  row('containers/s (batch, 1 in flight)', 'containers/s batch');
  row('containers/s (4 runs in flight)', 'containers/s parallel');
  row('waiting init RSS (KiB)', 'rss', String);
  const w = rows[0].map((_, i) => Math.max(...rows.map((x) => x[i].length)));
  const line = (x) => '| ' + x.map((c, i) => c.padEnd(w[i])).join(' | ') + ' |';
  const out = [line(rows[0]), '|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|', ...rows.slice(1).map(line)];
  out.push('', `node -e 0: ${r.startup.nodeBare.toFixed(1)} ms; first line of oci-ts code at ${r.startup.firstLine.toFixed(1)} ms after process start; oci-ts --version: ${r.startup.ociVersion.toFixed(1)} ms (medians); load average ${r.loadavg.map((x) => x.toFixed(2)).join(' ')}`);
  if (crunSkipped) out.push(`crun: not measured: ${crunSkipped}`);
  return out.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const r = await bench();
  console.log(asJson ? JSON.stringify(r, null, 2) : table(r));
}
