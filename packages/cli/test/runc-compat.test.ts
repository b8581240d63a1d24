// Privileged: behaviours where oci-ts differed from runc (issue 12, bugs
// 10-18), each run through `oci-ts` on the real kernel, checked from inside
// the container where it shows, and run through runc 1.1 too (the control:
// when runc is installed, the same assertions must hold for it).
import t, { type Test } from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { bin, busyboxBundle, cgroupLeftovers, executorAvailable, ociTs, uniqueId, type Result } from './helpers.ts';

const why = await executorAvailable();
if (why) {
  t.plan(0, `privileged runc-compat tests skipped: ${why}`);
} else {
  const dir = t.testdir({ root: {}, 'runc-root': {} });
  const hasRunc = spawnSync('runc', ['--version'], { stdio: 'ignore' }).status === 0;
  type Runtime = 'oci-ts' | 'runc';
  const runtimes: Runtime[] = hasRunc ? ['oci-ts', 'runc'] : ['oci-ts'];
  if (!hasRunc) t.comment('runc is not installed: oci-ts only, without the control');

  /** The runtime's CLI to completion; output through files (a detached container inherits them). */
  const rt = (which: Runtime, args: string[], opts: SpawnSyncOptions = {}): Result => {
    if (opts.stdio) {
      // The caller's own stdio (a file a detached container keeps writing to).
      const cmd = which === 'oci-ts' ? [process.execPath, bin, '--root', path.join(dir, 'root')] : ['runc', '--root', path.join(dir, 'runc-root')];
      const r = spawnSync(cmd[0], [...cmd.slice(1), ...args], { timeout: 60_000, ...opts });
      return { status: r.status, stdout: '', stderr: '', signal: r.signal };
    }
    if (which === 'oci-ts') return ociTs(['--root', path.join(dir, 'root'), ...args], opts);
    const tmp = fs.mkdtempSync('/tmp/runc-out-');
    const out = fs.openSync(path.join(tmp, 'out'), 'w+');
    const err = fs.openSync(path.join(tmp, 'err'), 'w+');
    try {
      const r = spawnSync('runc', ['--root', path.join(dir, 'runc-root'), ...args], { timeout: 60_000, ...opts, stdio: ['ignore', out, err] });
      return { status: r.status, stdout: fs.readFileSync(path.join(tmp, 'out'), 'utf8'), stderr: fs.readFileSync(path.join(tmp, 'err'), 'utf8'), signal: r.signal };
    } finally {
      fs.closeSync(out);
      fs.closeSync(err);
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  };

  let n = 0;
  /**
   * A bundle both runtimes accept: the busybox config, patched, with
   * root.path the real rootfs (runc refuses a symlinked rootfs) unless the
   * patch gives a rootfs of its own.
   */
  const bundle = (patch: (cfg: any, dir: string) => void = () => {}): string => {
    const base = busyboxBundle();
    const b = path.join(dir, `b${++n}`);
    fs.mkdirSync(b, { recursive: true });
    const cfg = JSON.parse(fs.readFileSync(path.join(base, 'config.json'), 'utf8'));
    cfg.root.path = fs.realpathSync(path.join(base, 'rootfs'));
    patch(cfg, b);
    fs.writeFileSync(path.join(b, 'config.json'), JSON.stringify(cfg));
    return b;
  };
  const running: Array<[Runtime, string]> = [];
  const runDetached = (which: Runtime, b: string, id = uniqueId('rc')): Result & { id: string } => {
    const r = rt(which, ['run', '-d', '-b', b, id]);
    running.push([which, id]);
    return { ...r, id };
  };
  t.afterEach(() => {
    for (const [which, id] of running.splice(0).reverse()) rt(which, ['delete', '--force', id]);
  });

  /** The v1 freezer hierarchy's mount point, if the host has one. */
  const freezerRoot = (): string | undefined => {
    for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const [pre, post] = line.split(' - ');
      if (post?.startsWith('cgroup ') && post.split(' ')[2]?.split(',').includes('freezer')) return pre.split(' ')[4];
    }
    return undefined;
  };

  t.test('run -d into a frozen cgroup fails at once; the cgroup is left as it was (bug 15)', async (t) => {
    const fr = freezerRoot();
    if (!fr) return t.skip('no v1 freezer hierarchy on this host');
    for (const which of runtimes) {
      const cg = `compat-frozen-${process.pid}-${which}`;
      const fz = path.join(fr, cg);
      fs.mkdirSync(fz);
      t.teardown(() => {
        try { fs.writeFileSync(path.join(fz, 'freezer.state'), 'THAWED'); } catch { /* gone */ }
        for (const d of cgroupLeftovers(cg)) { try { fs.rmdirSync(d); } catch { /* busy or gone */ } }
      });
      fs.writeFileSync(path.join(fz, 'freezer.state'), 'FROZEN');
      const b = bundle((c) => { c.process.args = ['sleep', '1000']; c.linux.cgroupsPath = `/${cg}`; });
      const r = runDetached(which, b);
      t.not(r.signal, 'SIGTERM', `${which}: did not hang until the test's timeout`);
      t.not(r.status, 0, `${which}: run -d fails`);
      t.match(r.stderr, /container's cgroup unexpectedly frozen/, `${which}: says why`);
      t.equal(fs.readFileSync(path.join(fz, 'freezer.state'), 'utf8').trim(), 'FROZEN', `${which}: the cgroup is still frozen`);
      t.same(fs.readFileSync(path.join(fz, 'cgroup.procs'), 'utf8'), '', `${which}: nothing was put in it`);
      t.same(rt(which, ['list', '-q']).stdout.split('\n').filter((l) => l === r.id), [], `${which}: no container is left`);
    }
  });

  t.test('a second container in a non-empty cgroup runs, with runc\'s warning (bug 15)', async (t) => {
    for (const which of runtimes) {
      const cg = `compat-shared-${process.pid}-${which}`;
      t.teardown(() => { for (const d of cgroupLeftovers(cg)) { try { fs.rmdirSync(d); } catch { /* busy or gone */ } } });
      const b = bundle((c) => { c.process.args = ['sleep', '1000']; c.linux.cgroupsPath = `/${cg}`; });
      const first = runDetached(which, b);
      t.equal(first.status, 0, first.stderr);
      t.notMatch(first.stderr, /not empty/, `${which}: no warning for the first`);
      const second = runDetached(which, b);
      t.equal(second.status, 0, `${which}: the second runs: ${second.stderr}`);
      t.match(second.stderr, /level=warning msg="container's cgroup is not empty: 1 process\(es\) found"/, `${which}: runc's warning`);
      t.equal(JSON.parse(rt(which, ['state', second.id]).stdout).status, 'running');
    }
  });

  /** A minimal rootfs of our own (the shared busybox rootfs is never changed): busybox and sh. */
  const ownRootfs = (b: string, patch: (root: string) => void = () => {}): string => {
    const r = path.join(b, 'rootfs');
    for (const d of ['bin', 'dev', 'sys', 'proc', 'tmp', 'etc']) fs.mkdirSync(path.join(r, d), { recursive: true });
    fs.copyFileSync(path.join(busyboxBundle(), 'rootfs/bin/busybox'), path.join(r, 'bin/busybox'));
    fs.chmodSync(path.join(r, 'bin/busybox'), 0o755);
    for (const a of ['sh', 'cat', 'ls', 'pwd', 'true', 'grep', 'cut']) fs.symlinkSync('busybox', path.join(r, 'bin', a));
    patch(r);
    return r;
  };

  t.test('createContainer hooks run with the rootfs as their cwd (bug 17)', async (t) => {
    for (const which of runtimes) {
      const out = path.join(dir, `hook-cwd-${which}`);
      const b = bundle((c) => {
        c.process.args = ['true'];
        // runtime-spec config.md: the path resolves in the runtime namespace; before pivot_root the host's /bin/sh is there.
        c.hooks = { createContainer: [{ path: '/bin/sh', args: ['sh', '-c', `pwd -P > ${out}; ls > ${out}.ls`] }] };
      });
      const r = rt(which, ['run', '-b', b, uniqueId('hk')]);
      t.equal(r.status, 0, `${which}: ${r.stderr}`);
      t.equal(fs.readFileSync(out, 'utf8').trim(), fs.realpathSync(path.join(busyboxBundle(), 'rootfs')), `${which}: the hook's cwd is the rootfs`);
      t.match(fs.readFileSync(`${out}.ls`, 'utf8'), /^bin$/m, `${which}: relative paths in the hook reach the rootfs`);
    }
  });

  for (const [fstype, dest] of [['proc', '/proc'], ['sysfs', '/sys']]) {
    t.test(`a rootfs whose ${dest} is a symlink is refused, nothing is mounted through it (bug 13)`, async (t) => {
      for (const which of runtimes) {
        let root = '';
        const b = bundle((c, b) => {
          root = ownRootfs(b, (r) => {
            fs.rmdirSync(path.join(r, dest));
            fs.mkdirSync(path.join(r, 'elsewhere'));
            fs.symlinkSync('/elsewhere', path.join(r, dest));
          });
          c.root = { path: root, readonly: false };
          c.process.args = ['true'];
        });
        const r = rt(which, ['run', '-b', b, uniqueId('ln')]);
        t.not(r.status, 0, `${which}: refused`);
        t.match(r.stderr, new RegExp(`filesystem \\\\?"${fstype}\\\\?" must be mounted on ordinary directory`), `${which}: runc's text`);
        t.same(fs.readdirSync(path.join(root, 'elsewhere')), [], `${which}: nothing mounted or created at the symlink's target`);
      }
    });
  }

  t.test('process.cwd only root can reach: entered before the user switch, for create and exec --user (bug 10)', async (t) => {
    for (const which of runtimes) {
      const b = bundle((c) => {
        c.process.args = ['sh', '-c', 'pwd; id -u; ls . 2>&1 >/dev/null || echo cannot-list; exec sleep 1000'];
        c.process.user = { uid: 1000, gid: 1000 };
        c.process.cwd = '/tmp/secret';
        // A root-only directory on a tmpfs of the container's own (the shared rootfs is left alone).
        c.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['mode=0700'] });
        c.mounts.push({ destination: '/tmp/secret', type: 'tmpfs', source: 'tmpfs', options: ['mode=0700'] });
      });
      const log = path.join(dir, `cwd-${which}.log`);
      const fd = fs.openSync(log, 'w');
      const id = uniqueId('cw');
      const r = rt(which, ['run', '-d', '-b', b, id], { stdio: ['ignore', fd, fd] });
      fs.closeSync(fd);
      running.push([which, id]);
      t.equal(r.status, 0, `${which}: create succeeds: ${fs.readFileSync(log, 'utf8')}`);
      // Wait for the last line the script prints (not just `id -u`'s): under
      // load the `ls` line can come seconds later.
      for (let i = 0; i < 600 && !fs.readFileSync(log, 'utf8').includes('cannot-list'); i++) await new Promise((res) => setTimeout(res, 50));
      t.match(fs.readFileSync(log, 'utf8'), /^\/tmp\/secret\n1000\n(ls: .*\n)?cannot-list$/m, `${which}: the process runs as 1000 in the root-only cwd`);
      const ex = rt(which, ['exec', '--user', '1000:1000', '--cwd', '/tmp/secret', id, 'sh', '-c', 'pwd; id -u']);
      t.equal(ex.status, 0, `${which}: exec --user --cwd succeeds: ${ex.stderr}`);
      t.equal(ex.stdout, '/tmp/secret\n1000\n', `${which}: exec'd process in the root-only cwd`);
      const missing = rt(which, ['exec', '--user', '1000:1000', '--cwd', '/tmp/secret/nosuch', id, 'true']);
      t.not(missing.status, 0, `${which}: a missing cwd still fails`);
    }
  });

  t.test('a read-only /dev tmpfs and a read-only tmpfs with submounts: read-only once what is below exists (bug 18)', async (t) => {
    for (const which of runtimes) {
      const b = bundle((c) => {
        c.process.args = ['sh', '-c', 'grep -E " /(dev|dev/pts|data|data/sub) " /proc/self/mounts | cut -d" " -f2-4; ls /dev/null /dev/pts/ptmx; touch /dev/x 2>/dev/null || echo dev-ro; touch /data/x 2>/dev/null || echo data-ro; touch /data/sub/x && echo sub-rw'];
        c.mounts.find((m: any) => m.destination === '/dev').options.push('ro');
        c.mounts.push({ destination: '/data', type: 'tmpfs', source: 'tmpfs', options: ['ro', 'nosuid'] });
        c.mounts.push({ destination: '/data/sub', type: 'tmpfs', source: 'tmpfs', options: [] });
      });
      const r = rt(which, ['run', '-b', b, uniqueId('ro')]);
      t.equal(r.status, 0, `${which}: runs: ${r.stderr}`);
      t.match(r.stdout, /^\/dev tmpfs ro,nosuid/m, `${which}: /dev is read-only`);
      t.match(r.stdout, /^\/dev\/pts devpts rw/m, `${which}: /dev/pts is mounted below it`);
      t.match(r.stdout, /^\/data tmpfs ro,nosuid/m, `${which}: /data is read-only, its flags kept`);
      t.match(r.stdout, /^\/data\/sub tmpfs rw/m, `${which}: /data/sub is mounted below it`);
      t.match(r.stdout, /^\/dev\/null\n\/dev\/pts\/ptmx$/m, `${which}: devices were made`);
      t.match(r.stdout, /^dev-ro\ndata-ro\nsub-rw$/m, `${which}: writes fail where read-only, work in the submount`);
    }
  });

  t.test('the terminal and stdio pipes belong to the process user, for run and exec (bug 11)', async (t) => {
    if (spawnSync('script', ['--version'], { stdio: 'ignore' }).status !== 0) return t.skip('script(1) from util-linux is not installed');
    const cli = (which: Runtime) => which === 'oci-ts' ? `${process.execPath} ${bin} --root ${path.join(dir, 'root')}` : `runc --root ${path.join(dir, 'runc-root')}`;
    const probe = 'stat -c "owner=%u:%g" $(tty); echo x > /dev/stdout && echo reopen-ok';
    for (const which of runtimes) {
      // script(1) gives the runtime a terminal; the container gets a pty of its own (process.terminal).
      const b = bundle((c) => { c.process.args = ['sh', '-c', probe]; c.process.terminal = true; c.process.user = { uid: 1000, gid: 1000 }; });
      const run = spawnSync('script', ['-qec', `${cli(which)} run -b ${b} ${uniqueId('tt')}`, '/dev/null'], { encoding: 'utf8', timeout: 60_000, stdio: ['pipe', 'pipe', 'pipe'] });
      t.match(run.stdout, /owner=1000:5\b/, `${which}: run: the pty is the user's, the tty group kept`);
      t.match(run.stdout, /reopen-ok/, `${which}: run: the user can reopen its terminal`);

      const bg = bundle((c) => { c.process.args = ['sleep', '1000']; });
      const d = runDetached(which, bg);
      t.equal(d.status, 0, d.stderr);
      const ex = spawnSync('script', ['-qec', `${cli(which)} exec -t --user 1000:1000 ${d.id} sh -c '${probe}'`, '/dev/null'], { encoding: 'utf8', timeout: 60_000, stdio: ['pipe', 'pipe', 'pipe'] });
      t.match(ex.stdout, /owner=1000:5\b/, `${which}: exec -t --user: the pty is the user's`);
      t.match(ex.stdout, /reopen-ok/, `${which}: exec -t --user: the user can reopen its terminal`);
      // A pipe(2) from the shell (Node's own stdio pipes are sockets, which no one can reopen).
      const pipes = spawnSync('sh', ['-c', `${cli(which)} exec --user 1000:1000 ${d.id} sh -c 'echo x > /dev/stdout && echo reopen-ok' | cat`], { encoding: 'utf8', timeout: 60_000, stdio: ['pipe', 'pipe', 'pipe'] });
      t.match(pipes.stdout, /reopen-ok/, `${which}: exec --user with pipes: the user can reopen its stdout (${pipes.stderr.trim()})`);
    }
    // oci-ts only (runc chowns it): a host file given as stdout keeps its owner.
    const out = path.join(dir, 'stdout-file');
    const fd = fs.openSync(out, 'w', 0o600);
    const b = bundle((c) => { c.process.args = ['sh', '-c', 'echo written; id -u']; c.process.user = { uid: 1000, gid: 1000 }; });
    const r = rt('oci-ts', ['run', '-b', b, uniqueId('hf')], { stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    t.equal(r.status, 0);
    t.equal(fs.readFileSync(out, 'utf8'), 'written\n1000\n');
    t.equal(fs.statSync(out).uid, 0, 'oci-ts: the host file passed as stdout is still root\'s');
  });

  t.test('--no-pivot: a nested user namespace cannot mount a fresh procfs past the masked paths (bug 14)', async (t) => {
    if (spawnSync('unshare', ['-U', 'true'], { stdio: 'ignore' }).status !== 0) return t.skip('this host refuses user namespaces');
    for (const which of runtimes) {
      const b = bundle((c) => {
        // CAP_SETFCAP: mapping uid 0 in the nested namespace needs it (user_namespaces(7), Linux 5.12).
        for (const k of ['bounding', 'effective', 'permitted']) c.process.capabilities[k] = [...c.process.capabilities[k], 'CAP_SETFCAP'];
        c.process.args = ['sh', '-c', 'cat /proc/keys | wc -c; unshare -mrpf mount -t proc none /proc 2>/dev/null && echo proc-mounted || echo proc-refused; unshare -mrnf mount -t sysfs none /sys 2>/dev/null && echo sysfs-mounted || echo sysfs-refused'];
      });
      const r = rt(which, ['run', '--no-pivot', '-b', b, uniqueId('np')]);
      t.equal(r.status, 0, `${which}: ${r.stderr}`);
      const [keys, proc, sysfs] = r.stdout.trim().split('\n');
      t.equal(keys, '0', `${which}: /proc/keys is masked`);
      t.equal(proc, 'proc-refused', `${which}: the kernel refuses a new procfs`);
      t.equal(sysfs, 'sysfs-refused', `${which}: and a new sysfs`);
    }
    t.ok(fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => / \/proc .* - proc /.test(l)), "the host's /proc is untouched");
  });

  t.test('with a user namespace, a bind source only the host root can reach is mounted (bug 12)', async (t) => {
    // /<dir>/private is 0700 root: the container's root (host uid 100000) cannot pass it; data/ below is readable by anyone.
    const priv = path.join(dir, 'private');
    fs.mkdirSync(path.join(priv, 'data'), { recursive: true });
    fs.chmodSync(priv, 0o700);
    fs.chmodSync(path.join(priv, 'data'), 0o755);
    fs.writeFileSync(path.join(priv, 'data/hello'), 'from-the-host\n', { mode: 0o644 });
    fs.writeFileSync(path.join(priv, 'file'), 'a-file\n', { mode: 0o644 });
    for (const which of runtimes) {
      const b = bundle((c, b) => {
        // A rootfs of our own with the mount points in place: the shared one is not changed (and not writable from the user namespace).
        c.root.path = ownRootfs(b, (r) => { fs.mkdirSync(path.join(r, 'data')); fs.writeFileSync(path.join(r, 'file'), ''); });
        c.linux.namespaces.push({ type: 'user' });
        c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        c.mounts.push({ destination: '/data', type: 'bind', source: path.join(priv, 'data'), options: ['rbind', 'ro'] });
        c.mounts.push({ destination: '/file', type: 'bind', source: path.join(priv, 'file'), options: ['bind'] });
        c.process.args = ['sh', '-c', 'cat /data/hello /file; grep " /data " /proc/self/mountinfo | cut -d" " -f6 | cut -d, -f1; cat /proc/self/uid_map'];
        // The cgroup mount and the sysfs of the host cannot be set up from a user namespace without a network namespace; keep to what both runtimes support.
        c.mounts = c.mounts.filter((m: any) => m.type !== 'cgroup');
      });
      const r = rt(which, ['run', '-b', b, uniqueId('us')]);
      t.equal(r.status, 0, `${which}: runs: ${r.stderr}`);
      t.equal(r.stdout.split('\n').slice(0, 3).join('\n'), 'from-the-host\na-file\nro', `${which}: the directory and the file are bound (the directory read-only)`);
      t.match(r.stdout, /^\s+0\s+100000\s+65536$/m, `${which}: in a user namespace`);
    }
  });
}
