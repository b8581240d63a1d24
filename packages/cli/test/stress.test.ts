// Stress: sequential and parallel run/delete cycles through the library
// entry point (main) inside this Node process while worker threads keep it
// busy: no hang, and no leaked process, mount, cgroup or state dir.
// Default: 20 sequential + 5 parallel (CI time); OCI_TS_STRESS=1 runs the
// full 200 sequential + 20 parallel.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { main } from '../src/main.ts';
import { cgroupLeftovers, executorAvailable, makeBundle, processLeftovers } from './helpers.ts';

const why = await executorAvailable();
const full = process.env.OCI_TS_STRESS === '1';
const SEQ = full ? 200 : 20;
const PAR = full ? 20 : 5;

if (why) {
  t.plan(0, `stress tests skipped: ${why}`);
} else {
  const dir = t.testdir({ root: {} });
  const root = path.join(dir, 'root');
  const bundle = makeBundle(path.join(dir, 'bundle'), (c) => { c.process.args = ['sh', '-c', 'echo $$ > /dev/null']; });
  const devnull = fs.openSync('/dev/null', 'r+');
  const stdio = { stdin: devnull, stdout: devnull, stderr: devnull };
  const rootfs = fs.realpathSync(path.join(bundle, 'rootfs'));

  // Busy worker threads: a spin loop each, for the whole test.
  const workers = [0, 1].map(() => new Worker('const end = Date.now() + 600000; while (Date.now() < end) { Math.sqrt(Math.random()); }', { eval: true }));
  t.teardown(async () => { for (const w of workers) await w.terminate(); fs.closeSync(devnull); });

  const ids: string[] = [];
  const runOne = async (id: string) => {
    ids.push(id);
    return main(['--root', root, 'run', '-b', bundle, id], { stdio, env: process.env });
  };

  t.test(`${SEQ} sequential run/delete cycles`, async (t) => {
    let ok = 0;
    for (let i = 0; i < SEQ; i++) if ((await runOne(`seq-${process.pid}-${i}`)) === 0) ok++;
    t.equal(ok, SEQ, 'every run exited 0');
  });

  t.test(`${PAR} parallel runs`, async (t) => {
    const codes = await Promise.all(Array.from({ length: PAR }, (_, i) => runOne(`par-${process.pid}-${i}`)));
    t.same(codes, codes.map(() => 0), 'every run exited 0');
  });

  t.test('nothing leaked', async (t) => {
    t.same(fs.readdirSync(root).filter((f) => !f.startsWith('.')), [], 'no state dirs');
    t.same(fs.readdirSync(root).filter((f) => f.startsWith('.')), [], 'no lock files');
    t.same(ids.flatMap(cgroupLeftovers), [], 'no cgroups');
    t.same(ids.flatMap(processLeftovers), [], 'no processes');
    // Other tests on the machine may mount things meanwhile: look for ours only.
    const mine = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(rootfs) || l.includes(dir) || ids.some((id) => l.includes(id)));
    t.same(mine, [], 'no host mount of the rootfs, the bundle or a container');
  });
}
