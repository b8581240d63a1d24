// Measures the executor: spawnInit → "ready" latency, a whole container
// lifetime (create, start, exit), and the resident memory of the process
// that waits for `start`, beside runc's `runc init` on the same rootfs.
// Run: node packages/core-rs/bench/run.mjs [iterations]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { buildRootfs } from '../__test__/helpers/rootfs.ts';
import { defaultProgram } from '../__test__/helpers/program.ts';
import { drive } from '../__test__/helpers/driver.ts';

const N = Number(process.argv[2] ?? 30);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-core-bench-'));
const rootfs = buildRootfs(dir);

const rssKiB = (pid: number) => {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? NaN);
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile'), shmem: kb('RssShmem') };
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

const toReady: number[] = [];
const lifetime: number[] = [];
const toReadyNoNet: number[] = [];
const phases: number[][] = [[], [], []];
let ours: ReturnType<typeof rssKiB> | undefined;
// Without a network namespace (its creation and teardown dominate).
for (let i = 0; i < N + 3; i++) {
  const p = defaultProgram(rootfs, ['true']);
  p.namespaces = p.namespaces.filter((n) => n.type !== 'network');
  const t0 = process.hrtime.bigint();
  let tReady = 0n;
  const r = await drive(p, { dir, onReady: () => { tReady = process.hrtime.bigint(); } });
  if (i >= 3) {
    toReadyNoNet.push(Number(tReady - t0) / 1e6);
    r.times.forEach((x, j) => phases[j]?.push(j ? x - r.times[j - 1]! : x));
  }
}
for (let i = 0; i < N + 3; i++) {
  const t0 = process.hrtime.bigint();
  let tReady = 0n;
  await drive(defaultProgram(rootfs, ['true']), {
    dir,
    onReady: ({ pid }) => {
      tReady = process.hrtime.bigint();
      if (i === N + 2) ours = rssKiB(pid);
    },
  });
  const t1 = process.hrtime.bigint();
  if (i >= 3) {
    toReady.push(Number(tReady - t0) / 1e6);
    lifetime.push(Number(t1 - t0) / 1e6);
  }
}

// runc on the same rootfs, default `runc spec` config running `true`.
let runc: ReturnType<typeof rssKiB> | undefined;
let runcCreate: number[] = [];
if (spawnSync('runc', ['--version']).status === 0) {
  const bundle = path.join(dir, 'bundle');
  fs.mkdirSync(bundle);
  execFileSync('runc', ['spec'], { cwd: bundle });
  const cfg = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8'));
  cfg.root.path = rootfs;
  cfg.root.readonly = false;
  cfg.process.terminal = false;
  cfg.process.args = ['true'];
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(cfg));
  const root = path.join(dir, 'runc-root');
  for (let i = 0; i < Math.min(N, 10) + 1; i++) {
    const id = `oci-core-bench-${process.pid}-${i}`;
    const t0 = process.hrtime.bigint();
    execFileSync('runc', ['--root', root, 'create', '--bundle', bundle, id], { stdio: 'ignore' });
    const t1 = process.hrtime.bigint();
    if (i > 0) runcCreate.push(Number(t1 - t0) / 1e6);
    const pid = JSON.parse(execFileSync('runc', ['--root', root, 'state', id], { encoding: 'utf8' })).pid;
    if (i === 1) runc = rssKiB(pid);
    execFileSync('runc', ['--root', root, 'delete', '--force', id], { stdio: 'ignore' });
  }
}
fs.rmSync(dir, { recursive: true, force: true });

const f = (x: number) => x.toFixed(2);
console.log(`executor (${N} runs, in-process, no CLI):`);
console.log(`  spawnInit -> ready     median ${f(median(toReady))} ms  p90 ${f(pct(toReady, 0.9))} ms`);
console.log(`  same, no net namespace median ${f(median(toReadyNoNet))} ms  p90 ${f(pct(toReadyNoNet, 0.9))} ms`);
console.log(`    spawn -> "pid" ${f(median(phases[0]!))} ms, -> "createRuntime" ${f(median(phases[1]!))} ms, -> "ready" ${f(median(phases[2]!))} ms (medians)`);
console.log(`  create+start+exit      median ${f(median(lifetime))} ms  p90 ${f(pct(lifetime, 0.9))} ms`);
if (runcCreate.length) console.log(`  (runc create, whole command: median ${f(median(runcCreate))} ms)`);
console.log('waiting process (created, not started), KiB:');
console.log('               VmRSS  RssAnon  RssFile  RssShmem');
const row = (n: string, r?: ReturnType<typeof rssKiB>) => r && console.log(`  ${n.padEnd(11)} ${String(r.rss).padStart(6)} ${String(r.anon).padStart(8)} ${String(r.file).padStart(8)} ${String(r.shmem).padStart(9)}`);
row('oci-ts-init', ours);
row('runc init', runc);
if (ours && runc) console.log(`  ratio oci-ts-init / runc init VmRSS: ${(ours.rss / runc.rss).toFixed(2)}`);
