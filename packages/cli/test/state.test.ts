// The state store: permissions, atomic writes, ids, the per-container lock;
// and signal parsing.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { StateStore, validateId, type SavedState } from '../src/state.ts';
import { parseSignal } from '../src/signals.ts';

const saved = (id: string): SavedState => ({ ociVersion: '1.2.0', id, phase: 'created', pid: 1, pidStartTime: '1', bundle: '/b', rootfs: '/b/rootfs', created: 'x', owner: '', cgroupPaths: {}, hooks: {}, pidNamespace: true });

t.test('state dir 0700, state.json 0600, atomic replace, duplicate ids refused', (t) => {
  const root = path.join(t.testdir({}), 'root');
  const s = new StateStore(root);
  const old = process.umask(0);
  try { s.createDir('c1'); } finally { process.umask(old); }
  t.equal(fs.statSync(s.dir('c1')).mode & 0o777, 0o700);
  s.write('c1', saved('c1'));
  t.equal(fs.statSync(s.statePath('c1')).mode & 0o777, 0o600);
  s.write('c1', { ...saved('c1'), pid: 2 });
  t.equal(s.read('c1').pid, 2);
  t.same(fs.readdirSync(s.dir('c1')), ['state.json'], 'no temporary file left');
  t.throws(() => s.createDir('c1'), { code: 'EEXIST', message: 'container with id exists: c1' });
  t.throws(() => s.read('nope'), { code: 'ENOTEXIST', message: 'container does not exist' });
  t.same(s.ids(), ['c1']);
  t.end();
});

t.test('ids as runc accepts them', (t) => {
  for (const ok of ['a', 'A-b_c.d+e', 'x'.repeat(64)]) t.doesNotThrow(() => validateId(ok), ok);
  for (const bad of ['', '.', '..', 'a/b', 'a b', '../x', 'é']) t.throws(() => validateId(bad), { code: 'EINVALIDID' }, JSON.stringify(bad));
  t.end();
});

t.test('the lock is exclusive, waits, and dies with its holder', async (t) => {
  const root = t.testdir({});
  const s = new StateStore(root);
  const release = await s.lock('c1');
  await t.rejects(s.lock('c1', 50), { code: 'ELOCKED' }, 'a second taker times out');
  release();
  t.notOk(fs.existsSync(path.join(root, '.c1.lock')), 'release removes the lock file');
  const again = await s.lock('c1', 50);
  again();
  // A holder SIGKILLed while it holds the lock (a killed create): the kernel
  // drops the flock with its fds, and the file it leaves behind, empty, is no lock.
  const lockFile = path.join(root, '.c1.lock');
  const holder = `import fs from 'node:fs'; const c = await import(${JSON.stringify(import.meta.resolve('@oci/core'))});
    const fd = fs.openSync(${JSON.stringify(lockFile)}, 'w'); if (!c.tryFlock(fd)) process.exit(3); console.log('held'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', holder], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((r) => child.stdout.once('data', r));
  await t.rejects(s.lock('c1', 50), { code: 'ELOCKED' }, 'held by a live process');
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  t.ok(fs.existsSync(path.join(root, '.c1.lock')), 'the dead holder left its file');
  const stolen = await s.lock('c1', 5000);
  t.pass('a dead holder\'s lock is free');
  stolen();
  t.notOk(fs.existsSync(path.join(root, '.c1.lock')));
});

t.test('signals: numeric, named, with or without SIG, real-time', (t) => {
  t.equal(parseSignal('9'), 9);
  t.equal(parseSignal('KILL'), 9);
  t.equal(parseSignal('SIGKILL'), 9);
  t.equal(parseSignal('sigterm'), 15);
  t.equal(parseSignal('SIGRTMIN+3'), 37);
  t.equal(parseSignal('RTMAX-1'), 63);
  t.equal(parseSignal('0'), 0, 'signal 0 checks the process exists, as kill(2)');
  t.equal(parseSignal('+9'), 9, 'a leading + as Go strconv.Atoi');
  for (const bad of ['65', 'SIGNOPE', '', '-1', ' 9', '9 ', ' KILL', 'KILL\n']) t.throws(() => parseSignal(bad), { code: 'EINVALIDSIGNAL' }, JSON.stringify(bad));
  t.end();
});
