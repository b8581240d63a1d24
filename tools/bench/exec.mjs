#!/usr/bin/env node
// exec benchmark: latency of `exec ID true` (foreground, exit code back),
// `exec -d ID sleep`, `ps --format json`, `pause`+`resume`, `update
// --pids-limit` and `events --stats` for oci-ts and runc on the same bundle
// (a running busybox `sleep` container each), in one run, as medians and
// ratios (oci-ts / runc). No assertions: numbers only.
// Usage: node tools/bench/exec.mjs [--n 10] [--json]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { asJson, env, haveRunc, iterations, ociBin, repo } from './common.mjs';

const N = iterations(10);

if (process.getuid?.() !== 0) { console.log('exec bench skipped: needs root'); process.exit(0); }
if (!haveRunc) { console.log('exec bench skipped: runc not installed'); process.exit(0); }

const RUNTIMES = {
  'oci-ts': (args) => [ociBin, args],
  runc: (args) => ['runc', args],
};

function run(rt, args, { detached = false } = {}) {
  const [cmd, a] = RUNTIMES[rt](args);
  // Detached processes inherit stdio: a file, not a pipe, so the call does not wait for them.
  const errFile = path.join(os.tmpdir(), `oci-ts-bench-exec-${process.pid}`);
  const errFd = fs.openSync(errFile, 'w+');
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, a, { env, stdio: ['ignore', detached ? 'ignore' : 'pipe', errFd], encoding: 'utf8', timeout: 60_000 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  fs.closeSync(errFd);
  const stderr = fs.readFileSync(errFile, 'utf8');
  fs.rmSync(errFile, { force: true });
  if (r.status !== 0) throw new Error(`${rt} ${args.join(' ')}: exit ${r.status}: ${stderr}`);
  return { ms, stdout: r.stdout };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-ts-bench-exec-'));
const base = path.join(repo, 'tools/.cache/busybox-bundle');
if (!fs.existsSync(path.join(base, 'config.json'))) spawnSync(process.execPath, [path.join(repo, 'tools/bundle/build.mjs')], { stdio: 'ignore' });
const bundle = path.join(work, 'bundle');
fs.mkdirSync(bundle);
const cfg = JSON.parse(fs.readFileSync(path.join(base, 'config.json'), 'utf8'));
cfg.process.args = ['sleep', '100000'];
cfg.root.path = fs.realpathSync(path.join(base, 'rootfs')); // runc refuses a symlinked rootfs
cfg.ociVersion = '1.0.2-dev'; // runc 1.1.5 knows runtime-spec 1.0.2
fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(cfg));

const OPS = {
  'exec true': (rt, root, id) => run(rt, ['--root', root, 'exec', id, 'true']).ms,
  'exec -d sleep': (rt, root, id) => run(rt, ['--root', root, 'exec', '-d', id, 'sleep', '1'], { detached: true }).ms,
  'ps --format json': (rt, root, id) => run(rt, ['--root', root, 'ps', '--format', 'json', id]).ms,
  'pause + resume': (rt, root, id) => run(rt, ['--root', root, 'pause', id]).ms + run(rt, ['--root', root, 'resume', id]).ms,
  'update --pids-limit': (rt, root, id) => run(rt, ['--root', root, 'update', '--pids-limit', '100', id]).ms,
  'events --stats': (rt, root, id) => run(rt, ['--root', root, 'events', '--stats', id]).ms,
};

const results = {};
try {
  for (const rt of Object.keys(RUNTIMES)) {
    const root = path.join(work, `root-${rt}`);
    const id = `bench-exec-${rt}-${process.pid}`;
    run(rt, ['--root', root, 'run', '-d', '-b', bundle, id], { detached: true });
    try {
      for (const [op, fn] of Object.entries(OPS)) {
        fn(rt, root, id); // warm-up
        const xs = [];
        for (let i = 0; i < N; i++) xs.push(fn(rt, root, id));
        (results[op] ??= {})[rt] = median(xs);
      }
    } finally {
      spawnSync(RUNTIMES[rt]([])[0], RUNTIMES[rt](['--root', root, 'delete', '--force', id])[1], { env, stdio: 'ignore' });
    }
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}

if (asJson) {
  console.log(JSON.stringify({ n: N, results }, null, 2));
} else {
  console.log(`median of ${N} (ms), oci-ts / runc\n`);
  console.log('| operation | oci-ts | runc | ratio |');
  console.log('|---|---|---|---|');
  for (const [op, r] of Object.entries(results)) {
    console.log(`| ${op} | ${r['oci-ts'].toFixed(1)} | ${r.runc.toFixed(1)} | ${(r['oci-ts'] / r.runc).toFixed(2)} |`);
  }
}
