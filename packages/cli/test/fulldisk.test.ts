// An unlucky operator (issue 13): a full state disk, a command SIGKILLed at
// any moment, a state.json or config.json that is not what it should be.
// Rule for every case: one clear line and exit 1 for the failing operation,
// no hang, no stack trace, and the container stays manageable (state, list,
// pause, resume, delete -f) so nothing is left behind. --root is a small
// tmpfs this test mounts (as runc's state usually lives on /run).
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { cgroupLeftovers, executorAvailable, makeBundle, ociTs, processLeftovers, uniqueId, type Result } from './helpers.ts';

const why = await executorAvailable();
if (why) {
  t.plan(0, `full-disk tests skipped: ${why}`);
} else {
  const dir = t.testdir({});
  // Outside the tap fixture dir: it is removed before our teardown runs.
  const root = fs.mkdtempSync('/tmp/oci-ts-fulldisk-');
  const mnt = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', root], { encoding: 'utf8' });
  if (mnt.status !== 0) throw new Error(`mount tmpfs: ${mnt.stderr}`);
  t.teardown(() => {
    spawnSync('umount', ['-l', root]);
    fs.rmSync(root, { recursive: true, force: true });
  });
  const fill = path.join(root, 'fill');
  /** Fills --root so that only `pages` 4 KiB pages stay free. */
  const fillUp = (pages: number) => {
    fs.rmSync(fill, { force: true });
    const st = fs.statfsSync(root);
    const bytes = st.bavail * st.bsize - pages * 4096;
    const fd = fs.openSync(fill, 'w');
    const chunk = Buffer.alloc(4096, 1);
    try {
      for (let off = 0; off < bytes; off += chunk.length) fs.writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - off));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
    } finally {
      fs.closeSync(fd);
    }
  };
  const free = () => fs.rmSync(fill, { force: true });
  const oci = (...args: string[]): Result => ociTs(['--root', root, ...args], { timeout: 60_000 });
  const b = makeBundle(path.join(dir, 'bundle'), (c) => { c.process.args = ['sleep', '1000']; c.process.terminal = false; });
  /** A failure as a person should see it: one line, the runtime's words, no Node internals. */
  const clean = (t: any, r: Result, what: string) => {
    t.equal(r.signal, null, `${what}: not killed by a signal (no hang, no abort)`);
    t.notMatch(r.stderr, /\n\s+at |TypeError|RangeError|Cannot read prop|is not a function|is not iterable|bad_alloc|Assertion/, `${what}: no stack trace or crash: ${r.stderr}`);
    t.notMatch(r.stderr, /E[A-Z]+: [a-z ]+, [a-z]+/, `${what}: no raw Node errno text: ${r.stderr}`);
    if (r.status !== 0) t.equal(r.stderr.trim().split('\n').length, 1, `${what}: one line: ${r.stderr}`);
  };
  const nothingLeft = async (t: any, id: string) => {
    for (let k = 0; k < 100 && processLeftovers(id).length; k++) await new Promise((r) => setTimeout(r, 20));
    t.notOk(fs.existsSync(path.join(root, id)), `${id}: no state dir`);
    t.notOk(fs.existsSync(path.join(root, `.${id}.lock`)), `${id}: no lock file`);
    t.same(cgroupLeftovers(id), [], `${id}: no cgroup`);
    t.same(processLeftovers(id), [], `${id}: no process`);
  };

  t.test('a full state disk: the running container stays manageable, a create fails cleanly', async (t) => {
    const id = uniqueId('full');
    t.equal(oci('run', '-d', '-b', b, id).status, 0, 'run -d');
    fillUp(0);
    t.teardown(free);
    const st = oci('state', id);
    t.equal(st.status, 0, `state: ${st.stderr}`);
    t.match(JSON.parse(st.stdout), { status: 'running' });
    t.equal(oci('pause', id).status, 0, 'pause on a full disk');
    t.match(JSON.parse(oci('state', id).stdout), { status: 'paused' });
    t.equal(oci('resume', id).status, 0, 'resume on a full disk');
    t.match(JSON.parse(oci('state', id).stdout), { status: 'running' });
    t.match(oci('list', '-q').stdout, id);
    const other = uniqueId('full');
    const c = oci('create', '-b', b, other);
    t.equal(c.status, 1, 'create on a full disk fails');
    t.match(c.stderr, /no space left on device/);
    t.match(c.stderr, new RegExp(`${other}/state.json`), 'the error names the file');
    clean(t, c, 'create on a full disk');
    await nothingLeft(t, other);
    const d = oci('delete', '-f', id);
    t.equal(d.status, 0, `delete -f on a full disk: ${d.stderr}`);
    await nothingLeft(t, id);
  });

  t.test('a state disk out of inodes: the container stays manageable (runc as control)', async (t) => {
    // Blocks free, inodes gone: the lock file cannot be created (open(2)
    // O_CREAT fails with ENOSPC), yet runc manages its containers then, so
    // oci-ts must too: the container's own state directory is its lock.
    for (const rt of ['runc', 'oci-ts'] as const) {
      const iroot = fs.mkdtempSync(`/tmp/oci-ts-inodes-${rt}-`);
      const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,nr_inodes=64,mode=0700', 'tmpfs', iroot], { encoding: 'utf8' });
      if (m.status !== 0) throw new Error(`mount tmpfs: ${m.stderr}`);
      t.teardown(() => {
        spawnSync('umount', ['-l', iroot]);
        fs.rmSync(iroot, { recursive: true, force: true });
      });
      const call = (...args: string[]): Result => rt === 'runc'
        ? (() => { const r = spawnSync('runc', ['--root', iroot, ...args], { encoding: 'utf8', timeout: 60_000 }); return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr } as Result; })()
        : ociTs(['--root', iroot, ...args], { timeout: 60_000 });
      const id = uniqueId(`ino${rt === 'runc' ? 'r' : 'o'}`);
      t.equal(call('run', '-d', '-b', b, id).status, 0, `${rt}: run -d`);
      // Use up every inode left.
      const fillDir = path.join(iroot, 'fill');
      fs.mkdirSync(fillDir);
      let n = 0;
      try { for (; n < 100_000; n++) fs.closeSync(fs.openSync(path.join(fillDir, String(n)), 'w')); } catch (e) {
        t.equal((e as NodeJS.ErrnoException).code, 'ENOSPC', `${rt}: the inodes ran out after ${n} files`);
      }
      t.match(JSON.parse(call('state', id).stdout || '{}'), { status: 'running' }, `${rt}: state`);
      for (const [cmd, status] of [['pause', 'paused'], ['resume', 'running']] as const) {
        const r = call(cmd, id);
        t.equal(r.status, 0, `${rt}: ${cmd} out of inodes: ${r.stderr}`);
        if (rt === 'oci-ts') clean(t, r, `${cmd} out of inodes`);
        t.match(JSON.parse(call('state', id).stdout || '{}'), { status }, `${rt}: ${status} after ${cmd}`);
      }
      t.match(call('list', '-q').stdout, id, `${rt}: list`);
      const k = call('kill', id, 'KILL');
      t.equal(k.status, 0, `${rt}: kill out of inodes: ${k.stderr}`);
      const d = call('delete', '-f', id);
      t.equal(d.status, 0, `${rt}: delete -f out of inodes: ${d.stderr}`);
      if (rt === 'oci-ts') clean(t, d, 'delete -f out of inodes');
      t.notOk(fs.existsSync(path.join(iroot, id)), `${rt}: no state dir`);
      t.notOk(fs.existsSync(path.join(iroot, `.${id}.lock`)), `${rt}: no lock file`);
      for (let w = 0; w < 100 && processLeftovers(id).length; w++) await new Promise((r) => setTimeout(r, 20));
      t.same(processLeftovers(id), [], `${rt}: no process`);
      t.same(cgroupLeftovers(id), [], `${rt}: no cgroup`);
    }
  });

  t.test('fault injection: the disk full at every write of create, start, pause, resume, kill, delete', async (t) => {
    // tmpfs counts whole pages: with 0, 1, 2... pages free the disk fills at
    // the first, second, third... write the runtime makes (state.json is
    // written through a tmp file; the lock and exec.fifo take no pages).
    for (let pages = 0; pages <= 2; pages++) {
      const id = uniqueId(`fi${pages}`);
      fillUp(pages);
      const steps: Array<[string, string[]]> = [['create', ['create', '-b', b, id]], ['start', ['start', id]], ['pause', ['pause', id]], ['resume', ['resume', id]], ['kill', ['kill', id, 'KILL']]];
      for (const [name, args] of steps) {
        const r = oci(...args);
        clean(t, r, `${pages} pages free: ${name}`);
        t.notMatch(r.stderr, /locked/, `${pages} pages free: ${name} is never locked out`);
        if (r.status !== 0 && name === 'create') {
          t.match(r.stderr, /no space left on device/, `${pages} pages free: create says why`);
          break;
        }
      }
      const d = oci('delete', '-f', id);
      clean(t, d, `${pages} pages free: delete -f`);
      free();
      const again = oci('delete', '-f', id);
      t.equal(again.status, 0, `${pages} pages free: delete -f once space is back: ${again.stderr}`);
      await nothingLeft(t, id);
    }
  });

  t.test('a create SIGKILLed while it holds the lock leaves a container delete -f can remove at once', async (t) => {
    const { spawn } = await import('node:child_process');
    for (let i = 0; i < 4; i++) {
      const id = uniqueId('killed');
      const ch = spawn(process.execPath, [path.join(import.meta.dirname, '../bin/oci-ts.cjs'), '--root', root, 'create', '-b', b, id], { stdio: 'ignore' });
      const exited = new Promise((r) => ch.on('exit', r));
      // Kill it once its lock file exists (it holds the flock from then on).
      for (let k = 0; k < 500 && !fs.existsSync(path.join(root, `.${id}.lock`)); k++) await new Promise((r) => setTimeout(r, 2));
      await new Promise((r) => setTimeout(r, i * 30));
      ch.kill('SIGKILL');
      await exited;
      const started = Date.now();
      const d = oci('delete', '-f', id);
      t.equal(d.status, 0, `delete -f after SIGKILL #${i}: ${d.stderr}`);
      t.ok(Date.now() - started < 25_000, 'not held by a dead lock');
      await nothingLeft(t, id);
    }
  });

  t.test('a replaced pid: delete -f finds the container by its cgroup and kills it', async (t) => {
    const id = uniqueId('repl');
    t.equal(oci('run', '-d', '-b', b, id).status, 0, 'run -d');
    const file = path.join(root, id, 'state.json');
    const s = JSON.parse(fs.readFileSync(file, 'utf8'));
    const init = s.pid as number;
    // An unrelated live process takes the recorded pid's place.
    const other = (await import('node:child_process')).spawn('sleep', ['60'], { stdio: 'ignore' });
    t.teardown(() => other.kill('SIGKILL'));
    fs.writeFileSync(file, JSON.stringify({ ...s, pid: other.pid }), { mode: 0o600 });
    t.match(JSON.parse(oci('state', id).stdout), { status: 'stopped' }, 'the recorded pid is not the container (start time differs)');
    const d = oci('delete', '-f', id);
    t.equal(d.status, 0, `delete -f: ${d.stderr}`);
    await nothingLeft(t, id);
    const alive = (() => { try { return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${init}/status`, 'utf8')); } catch { return false; } })();
    t.notOk(alive, 'the real init is gone');
    t.equal(other.exitCode, null, 'the unrelated process was not signalled');
  });
}
