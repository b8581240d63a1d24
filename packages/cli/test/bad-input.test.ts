// Input that must not be misread (issue 13), checked through `oci-ts` on the
// real kernel with runc as the control where it is installed: a symlinked
// rootfs, a NUL in process.args, `run -b B -- ID`, the signal words runc
// accepts, HOME from the container's /etc/passwd, and config.json /
// state.json contents from a seeded fuzzer (no hang, no crash, no stack
// trace, nothing left behind).
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { busyboxBundle, cgroupLeftovers, executorAvailable, makeBundle, ociTs, processLeftovers, uniqueId, type Result } from './helpers.ts';

const why = await executorAvailable();
if (why) {
  t.plan(0, `bad input tests skipped: ${why}`);
} else {
  const dir = t.testdir({});
  const root = path.join(dir, 'state');
  const runcRoot = path.join(dir, 'runc-state');
  const hasRunc = spawnSync('runc', ['--version']).status === 0;
  const runc = (args: string[]): Result => {
    const r = spawnSync('runc', ['--root', runcRoot, ...args], { encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
  };
  const oci = (args: string[]): Result => ociTs(['--root', root, ...args]);
  const realRootfs = fs.realpathSync(path.join(busyboxBundle(), 'rootfs'));
  const noCrash = (t: any, r: Result, what: string) => {
    t.equal(r.signal, null, `${what}: no hang, no abort`);
    t.notMatch(r.stderr, /\n\s+at |TypeError|RangeError|ReferenceError|Cannot read prop|is not a function|is not iterable|bad_alloc|Assertion|\[object Object\]/, `${what}: no crash or stack trace: ${r.stderr}`);
  };
  const nothingLeft = async (t: any, id: string) => {
    for (let k = 0; k < 100 && processLeftovers(id).length; k++) await new Promise((r) => setTimeout(r, 20));
    t.notOk(fs.existsSync(path.join(root, id)), `${id}: no state dir`);
    t.same(cgroupLeftovers(id), [], `${id}: no cgroup`);
    t.same(processLeftovers(id), [], `${id}: no process`);
  };

  t.test('a root.path that is a symlink is refused, as by runc', async (t) => {
    for (const target of [realRootfs, '/']) {
      const b = makeBundle(path.join(dir, `symroot-${target === '/' ? 'host' : 'image'}`), (c) => { c.root.path = 'link'; c.process.args = ['true']; });
      fs.symlinkSync(target, path.join(b, 'link'));
      const id = uniqueId('symroot');
      const r = oci(['run', '-b', b, id]);
      t.equal(r.status, 1, `rootfs -> ${target}: refused`);
      t.match(r.stderr, 'invalid rootfs: not an absolute path, or a symlink');
      noCrash(t, r, 'symlinked rootfs');
      await nothingLeft(t, id);
      if (hasRunc) t.equal(runc(['run', '-b', b, uniqueId('symroot')]).status, 1, `runc refuses rootfs -> ${target} too`);
    }
  });

  t.test('a NUL byte in process.args is refused, not dropped', async (t) => {
    const b = makeBundle(path.join(dir, 'nul'), (c) => { c.process.args = ['sh', '-c', 'echo a\0b']; });
    const id = uniqueId('nul');
    const r = oci(['run', '-b', b, id]);
    t.equal(r.status, 1, 'refused');
    t.notMatch(r.stdout, 'ab', 'nothing ran');
    t.match(r.stderr, /process\.args\[2\].*NUL/);
    noCrash(t, r, 'NUL in args');
    await nothingLeft(t, id);
    if (hasRunc) t.not(runc(['run', '-b', b, uniqueId('nul')]).status, 0, 'runc refuses it too');
  });

  t.test('run/create --bundle B -- ID, as runc accepts', async (t) => {
    const b = makeBundle(path.join(dir, 'dashdash'), (c) => { c.process.args = ['echo', 'ran']; });
    const id = uniqueId('dd');
    const r = oci(['run', '--bundle', b, '--', id]);
    t.equal(r.status, 0, `run -- ID: ${r.stderr}`);
    t.equal(r.stdout.trim(), 'ran');
    const id2 = uniqueId('dd');
    const c = oci(['create', '--bundle', b, '--', id2]);
    t.equal(c.status, 0, `create -- ID: ${c.stderr}`);
    t.equal(oci(['delete', '-f', id2]).status, 0);
    if (hasRunc) {
      const id3 = uniqueId('dd');
      t.equal(runc(['run', '--bundle', b, '--', id3]).status, 0, 'runc: the same');
      runc(['delete', '-f', id3]);
    }
  });

  t.test('kill: "" is SIGTERM, "+9" is SIGKILL, whitespace is an unknown signal (as runc)', async (t) => {
    const b = makeBundle(path.join(dir, 'sig'), (c) => { c.process.args = ['sleep', '1000']; });
    for (const [sig, ok] of [['', true], ['+9', true], [' 9', false], ['9 ', false], [' KILL', false]] as const) {
      const id = uniqueId('sig');
      t.equal(oci(['create', '-b', b, id]).status, 0, 'create');
      const r = oci(['kill', id, sig]);
      t.equal(r.status, ok ? 0 : 1, `kill ${JSON.stringify(sig)}: ${r.stderr}`);
      if (!ok) t.match(r.stderr, /unknown signal/);
      if (hasRunc) {
        const rid = uniqueId('sig');
        // Not through pipes: the created container would hold them open.
        spawnSync('runc', ['--root', runcRoot, 'create', '-b', b, rid], { stdio: 'ignore', timeout: 60_000 });
        t.equal(runc(['kill', rid, sig]).status, ok ? 0 : 1, `runc kill ${JSON.stringify(sig)}: the same`);
        runc(['delete', '-f', rid]);
      }
      t.equal(oci(['delete', '-f', id]).status, 0);
    }
  });

  t.test('HOME comes from the container\'s /etc/passwd when process.env has none (run and exec), as runc', async (t) => {
    const cases: Array<[string, number, string[], string]> = [
      ['root, no HOME', 0, [], '/root'],
      ['root, empty HOME', 0, ['HOME='], '/root'],
      ['uid not in passwd', 4242, [], '/'],
      ['nobody', 65534, [], '/nonexistent'],
      ['HOME given', 0, ['HOME=/given'], '/given'],
    ];
    for (const [name, uid, env, want] of cases) {
      const b = makeBundle(path.join(dir, `home-${uid}-${env.length}`), (c) => {
        c.process.args = ['sh', '-c', 'echo "[$HOME]"'];
        c.process.user = { uid, gid: uid };
        c.process.env = [...c.process.env.filter((e: string) => !e.startsWith('HOME=')), ...env];
      });
      const r = oci(['run', '-b', b, uniqueId('home')]);
      t.equal(r.stdout.trim(), `[${want}]`, `${name}: ${r.stderr}`);
      if (hasRunc) t.equal(runc(['run', '-b', b, uniqueId('home')]).stdout.trim(), `[${want}]`, `${name}: runc says the same`);
    }
    const b = makeBundle(path.join(dir, 'home-exec'), (c) => { c.process.args = ['sleep', '1000']; });
    const id = uniqueId('home');
    t.equal(oci(['run', '-d', '-b', b, id]).status, 0);
    t.equal(oci(['exec', id, 'sh', '-c', 'echo "[$HOME]"']).stdout.trim(), '[/root]', 'exec');
    t.equal(oci(['exec', '--user', '65534', id, 'sh', '-c', 'echo "[$HOME]"']).stdout.trim(), '[/nonexistent]', 'exec --user');
    t.equal(oci(['delete', '-f', id]).status, 0);
  });

  t.test('an unknown capability is a warning and is not granted, the container runs (config.md; runc as control)', async (t) => {
    const b = makeBundle(path.join(dir, 'unknown-cap'), (c) => {
      c.process.args = ['sh', '-c', 'grep CapBnd /proc/self/status; sleep 1000'];
      c.process.terminal = false;
      c.process.capabilities.bounding.push('CAP_FOO');
      c.process.capabilities.permitted.push('CAP_BAR');
    });
    const plain = makeBundle(path.join(dir, 'known-cap'), (c) => {
      c.process.args = ['sh', '-c', 'grep CapBnd /proc/self/status'];
      c.process.terminal = false;
    });
    const expected = oci(['run', '-b', plain, uniqueId('cap')]).stdout.trim();
    t.match(expected, /^CapBnd:\s+[0-9a-f]+$/, 'the capabilities without the unknown names');
    for (const [name, call] of hasRunc ? [['oci-ts', oci], ['runc', runc]] as const : [['oci-ts', oci]] as const) {
      const id = uniqueId('cap');
      const r = call(['run', '-d', '-b', b, id]);
      t.equal(r.status, 0, `${name}: run -d: ${r.stderr}`);
      t.match(r.stderr, /level=warning msg="ignoring unknown or unavailable capabilities: \[CAP_BAR CAP_FOO\]"/, `${name}: the warning names them`);
      const e = call(['exec', '--cap', 'CAP_BAZ', id, 'grep', 'CapBnd', '/proc/self/status']);
      t.equal(e.status, 0, `${name}: exec --cap CAP_BAZ: ${e.stderr}`);
      t.match(e.stderr, /ignoring unknown or unavailable capabilities: \[[A-Z_ ]*CAP_BAZ[A-Z_ ]*\]/, `${name}: exec warns`);
      t.equal(e.stdout.trim(), expected, `${name}: exec gets nothing more`);
      t.equal(call(['delete', '-f', id]).status, 0, `${name}: delete -f`);
    }
  });

  t.test('a --root that is a file (or below one) fails every command as runc does', async (t) => {
    const file = path.join(dir, 'root-is-a-file');
    fs.writeFileSync(file, 'x');
    const bundle = makeBundle(path.join(dir, 'root-is-a-file-bundle'), (c) => { c.process.args = ['true']; c.process.terminal = false; });
    for (const root of [file, path.join(file, 'sub')]) {
      for (const args of [['list'], ['state', 'nope'], ['create', '-b', bundle, 'nope']]) {
        const r = ociTs(['--root', root, ...args]);
        t.equal(r.status, 1, `--root ${root} ${args[0]}: exit 1`);
        t.match(r.stderr, /msg="mkdir \/.*: not a directory"/, `--root ${root} ${args[0]}: says why: ${r.stderr}`);
        noCrash(t, r, `--root ${root} ${args[0]}`);
        if (hasRunc) {
          const c = spawnSync('runc', ['--root', root, ...args], { encoding: 'utf8' });
          t.equal(c.status, 1, `runc --root ${root} ${args[0]}: exit 1 too`);
        }
      }
    }
  });

  t.test('exec: an empty env name is refused as by runc; an id past 32 bits never wraps to another id', async (t) => {
    const b = makeBundle(path.join(dir, 'exec-input'), (c) => { c.process.args = ['sleep', '1000']; c.process.terminal = false; });
    const id = uniqueId('xin');
    t.equal(oci(['run', '-d', '-b', b, id]).status, 0, 'run -d');
    const env = oci(['exec', '--env', '=x', id, 'true']);
    t.equal(env.status, 255, 'exec --env =x: exit 255 (runc: 255)');
    t.match(env.stderr, /environment variable name can't be empty/, env.stderr);
    noCrash(t, env, 'exec --env =x');
    if (hasRunc) {
      const rid = uniqueId('xin');
      t.equal(runc(['run', '-d', '-b', b, rid]).status, 0, 'runc run -d');
      const r = runc(['exec', '--env', '=x', rid, 'true']);
      t.equal(r.status, 255, 'runc refuses it too');
      t.match(r.stderr, /environment variable name can't be empty/);
      runc(['delete', '-f', rid]);
    }
    for (const args of [['-u', '99999999999'], ['-u', '4294967295'], ['--additional-gids', '4294967296']]) {
      const r = oci(['exec', ...args, id, 'id']);
      t.equal(r.status, 255, `exec ${args.join(' ')}: refused`);
      t.match(r.stderr, /must be an integer from 0 to 4294967294/, `exec ${args.join(' ')}: says the range: ${r.stderr}`);
      t.equal(r.stdout, '', `exec ${args.join(' ')}: nothing ran`);
    }
    t.equal(oci(['exec', '-u', '4294967294', id, 'true']).status, 0, 'the largest id runs');
    t.equal(oci(['delete', '-f', id]).status, 0);
    await nothingLeft(t, id);
  });
}
