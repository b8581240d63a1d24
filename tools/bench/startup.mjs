#!/usr/bin/env node
// Start-up benchmark: the commands container managers call most, each run
// as a fresh process, oci-ts beside runc and beside Node's own start
// (`node -e 0`), interleaved (one call of each in turn, N rounds) so a busy
// machine slows all of them alike. Prints the median wall time, the mean CPU
// time (user+sys of the child, from /proc/self/stat) and the ratios
// oci-ts/runc and oci-ts - node. NODE_EXTRA_CA_CERTS is removed from every
// measured process (container managers do not set it; Node reads a CA bundle
// at start-up when it is set).
// Usage: node tools/bench/startup.mjs [--n 30] [--json] [--bin NAME=PATH]...
//   --bin adds another oci-ts build (e.g. an older checkout) as a column.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { asJson, childCpuMs, env, haveRunc, iterations, repo, runtimes } from './common.mjs';

const N = iterations(30);

// A runtime is a function from argv to [file, args] (common.mjs).
const RUNTIMES = runtimes();

function run(file, args) {
  const c0 = childCpuMs();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 60_000 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw r.error;
  return { ms, cpu: childCpuMs() - c0, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

function bundleDir(work) {
  const base = path.join(repo, 'tools/.cache/busybox-bundle');
  if (!fs.existsSync(path.join(base, 'config.json'))) spawnSync(process.execPath, [path.join(repo, 'tools/bundle/build.mjs')], { stdio: 'ignore' });
  const dir = path.join(work, 'bundle');
  fs.mkdirSync(dir);
  const cfg = JSON.parse(fs.readFileSync(path.join(base, 'config.json'), 'utf8'));
  cfg.process.args = ['sleep', '1000'];
  cfg.root.path = fs.realpathSync(path.join(base, 'rootfs'));
  cfg.ociVersion = '1.0.2-dev'; // runc 1.1.5 knows runtime-spec 1.0.2
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg));
  return dir;
}

export async function bench() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-ts-startup-'));
  const rts = Object.keys(RUNTIMES);
  const root = (rt) => path.join(work, `root-${rt.replace(/\W/g, '_')}`);
  const created = process.getuid?.() === 0;
  try {
    // One created container per runtime, for `state ID` (the call clients make most).
    if (created) {
      const b = bundleDir(work);
      for (const rt of rts) {
        const [f, a] = RUNTIMES[rt](['--root', root(rt), 'create', '-b', b, 'bench']);
        const r = spawnSync(f, a, { env, stdio: 'ignore', timeout: 60_000 });
        if (r.status !== 0) throw new Error(`${rt} create failed (exit ${r.status}${r.error ? `: ${r.error.message}` : ''})`);
      }
    }
    const CASES = [
      ['state (missing id)', (rt) => ['--root', root(rt), 'state', 'nothere']],
      ...(created ? [['state (created)', (rt) => ['--root', root(rt), 'state', 'bench']]] : []),
      ['list', (rt) => ['--root', root(rt), 'list']],
      ['--version', () => ['--version']],
      ['features', () => ['features']],
    ];
    const node = [];
    const t = Object.fromEntries(CASES.map(([c]) => [c, Object.fromEntries(rts.map((rt) => [rt, { ms: [], cpu: [] }]))]));
    for (let round = 0; round < N + 2; round++) {
      const n = run(process.execPath, ['-e', '0']);
      if (round >= 2) node.push(n);
      for (const [name, args] of CASES) {
        for (const rt of rts) {
          const [f, a] = RUNTIMES[rt](args(rt));
          const r = run(f, a);
          if (round === 0 && name !== 'state (missing id)' && r.status !== 0) throw new Error(`${rt} ${a.join(' ')}: exit ${r.status}: ${r.stderr}`);
          if (round < 2) continue; // warm-up
          t[name][rt].ms.push(r.ms);
          t[name][rt].cpu.push(r.cpu);
        }
      }
    }
    const out = { n: N, loadavg: os.loadavg(), node: { ms: median(node.map((x) => x.ms)), cpu: mean(node.map((x) => x.cpu)) }, commands: {} };
    for (const [name] of CASES) {
      out.commands[name] = Object.fromEntries(rts.map((rt) => [rt, { ms: median(t[name][rt].ms), cpu: mean(t[name][rt].cpu) }]));
    }
    return out;
  } finally {
    if (created) for (const rt of rts) spawnSync(...RUNTIMES[rt](['--root', root(rt), 'delete', '--force', 'bench']), { env, stdio: 'ignore' });
    fs.rmSync(work, { recursive: true, force: true });
  }
}

export function table(r) {
  const rts = Object.keys(Object.values(r.commands)[0]);
  const ours = rts.filter((x) => x !== 'runc');
  const head = ['command', ...rts.map((rt) => `${rt} ms (cpu)`), ...(rts.includes('runc') ? ours.map((rt) => `${rt}/runc`) : []), ...ours.map((rt) => `${rt} - node`)];
  const rows = [head];
  for (const [name, v] of Object.entries(r.commands)) {
    rows.push([
      name,
      ...rts.map((rt) => `${v[rt].ms.toFixed(1)} (${v[rt].cpu.toFixed(1)})`),
      ...(rts.includes('runc') ? ours.map((rt) => `x${(v[rt].ms / v.runc.ms).toFixed(2)}`) : []),
      ...ours.map((rt) => `+${(v[rt].ms - r.node.ms).toFixed(1)} ms`),
    ]);
  }
  const w = head.map((_, i) => Math.max(...rows.map((x) => x[i].length)));
  const line = (x) => '| ' + x.map((c, i) => c.padEnd(w[i])).join(' | ') + ' |';
  return [line(head), '|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|', ...rows.slice(1).map(line), '',
    `median wall ms (mean child CPU ms) over ${r.n} interleaved rounds; node -e 0: ${r.node.ms.toFixed(1)} ms (${r.node.cpu.toFixed(1)}); load average ${r.loadavg.map((x) => x.toFixed(2)).join(' ')}`].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const r = await bench();
  console.log(asJson ? JSON.stringify(r, null, 2) : table(r));
}
