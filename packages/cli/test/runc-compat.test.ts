// Privileged: behaviours where oci-ts differed from runc (issue 12, bugs
// 10-18), each run through `oci-ts` on the real kernel, checked from inside
// the container where it shows, and run through runc 1.1 too (the control:
// when runc is installed, the same assertions must hold for it).
import t, { type Test } from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { busyboxBundle, cgroupLeftovers, executorAvailable, ociTs, uniqueId, type Result } from './helpers.ts';

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
}
