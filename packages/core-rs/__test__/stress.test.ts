// spawnInit while the Node process is busy: worker threads allocating and
// freeing memory (so malloc and V8 locks are held at random moments when we
// clone). Nothing may hang, and no process may be left behind.
import t from 'tap';
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { buildRootfs, haveBusybox } from './helpers/rootfs.ts';
import { defaultProgram } from './helpers/program.ts';
import { drive } from './helpers/driver.ts';

if (process.getuid?.() !== 0 || !haveBusybox()) {
  t.plan(0, 'needs root and busybox-static');
  process.exit(0);
}

const dir = t.testdir();
const rootfs = buildRootfs(dir);
const program = (args: string[]) => {
  const p = defaultProgram(rootfs, args);
  // Network namespaces are slow to create and tear down; not what this tests.
  p.namespaces = p.namespaces.filter((n) => n.type !== 'network');
  return p;
};

const busy = `
  const { parentPort } = require('node:worker_threads');
  let stop = false;
  parentPort.on('message', () => { stop = true; });
  (function spin() {
    for (let i = 0; i < 2000; i++) { const a = new Array(1000).fill(i); JSON.stringify(a).length; Buffer.alloc(4096 + i); }
    if (!stop) setImmediate(spin);
  })();
`;

function children(): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}

t.test('sequential and parallel containers under busy worker threads', async (t) => {
  const workers = [new Worker(busy, { eval: true }), new Worker(busy, { eval: true })];
  t.teardown(() => Promise.all(workers.map((w) => w.terminate())));
  const before = new Set(children());
  const bad: unknown[] = [];
  for (let i = 0; i < 40; i++) {
    const r = await drive(program(['sh', '-c', `exit ${i % 7}`]), { dir });
    if (r.exit?.exitCode !== i % 7 || r.error) bad.push({ i, error: r.error, exit: r.exit, stage1: r.stage1, output: r.output, messages: r.messages });
  }
  t.same(bad, [], '40 sequential containers ran and exited with their status');
  const results = await Promise.all(Array.from({ length: 12 }, (_, i) => drive(program(['sh', '-c', `echo ${i}`]), { dir })));
  t.same(results.map((r) => r.output), Array.from({ length: 12 }, (_, i) => `${i}\n`), '12 parallel containers');
  for (const w of workers) w.postMessage('stop');
  const left = children().filter((p) => !before.has(p));
  const names = left.map((p) => { try { return fs.readFileSync(`/proc/${p}/comm`, 'utf8').trim(); } catch { return '?'; } });
  t.same(names.filter((n) => n !== 'node'), [], 'no executor or container process left');
  const hostMounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(rootfs));
  t.same(hostMounts, [], 'no mount leaked into the host mount namespace');
});
