#!/usr/bin/env node
// Measures the guest runner: image build (cold: kernel .deb already
// downloaded, image rebuilt; cached: nothing to do), boot to the shell, and
// a node script, each as the median of N runs. Prints one JSON object.
// Usage: node tools/guest/measure.mjs [--runs N] [--download]
//   --download also deletes the cached kernel .deb first (measures apt-get download)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildGuest, cacheDir, repoRoot } from './build.mjs';
import { chooseAccel } from './accel.mjs';
import { runInGuest } from './qemu.mjs';

const argv = process.argv.slice(2);
const runs = Number(argv[argv.indexOf('--runs') + 1]) || 3;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const r2 = (x) => Math.round(x * 100) / 100;

if (argv.includes('--download')) fs.rmSync(path.join(cacheDir, 'deb'), { recursive: true, force: true });
const load0 = os.loadavg()[0];
const cold = buildGuest({ rebuild: true });
const cached = buildGuest();
const accel = await chooseAccel({ image: cached, repo: repoRoot, cacheDir });

/**
 * CPU seconds used by our reaped children (QEMU), from /proc/self/stat
 * cutime + cstime (proc(5)): unlike wall time, this hardly depends on how
 * busy the host is.
 */
function childCpuSeconds() {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields 16 and 17 (cutime, cstime) are at 13 and 14 after "(comm) "
  return (Number(f[13]) + Number(f[14])) / 100; // USER_HZ is 100 on Linux
}

/** @param {string[]} cmd */
async function series(cmd) {
  const boot = [], command = [], total = [], cpu = [];
  for (let i = 0; i < runs; i++) {
    const c0 = childCpuSeconds();
    const r = await runInGuest({ image: cached, repo: repoRoot, argv: cmd, accel, timeoutSec: 120 });
    if (r.status !== 0) throw new Error(`${cmd.join(' ')} exited with ${r.status} in the guest`);
    boot.push(r.bootSeconds); command.push(r.commandSeconds); total.push(r.totalSeconds); cpu.push(childCpuSeconds() - c0);
  }
  return { bootSeconds: r2(median(boot)), commandSeconds: r2(median(command)), totalSeconds: r2(median(total)), qemuCpuSeconds: r2(median(cpu)) };
}

const shell = await series(['true']);
const node = await series(['node', '-e', 'process.exit(0)']);
process.stdout.write(JSON.stringify({
  accel,
  runs,
  hostLoadAverage: { before: r2(load0), after: r2(os.loadavg()[0]) },
  buildSeconds: { cold: r2(cold.seconds), cached: r2(cached.seconds) },
  // boot: QEMU start to the shell about to run the command.
  shell,
  node,
}, null, 2) + '\n');
