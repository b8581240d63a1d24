// A hostile image (issue 13): nothing the image carries may make the runtime
// change a host file. Each case runs on its own copy of the busybox rootfs
// and aims at host files this test creates; runc is the control where it
// is installed.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { busyboxBundle, executorAvailable, makeBundle, ociTs, uniqueId } from './helpers.ts';

const why = await executorAvailable();
if (why) {
  t.plan(0, `hostile image tests skipped: ${why}`);
} else {
  const dir = t.testdir({});
  const root = path.join(dir, 'state');
  let n = 0;
  const image = (): string => {
    const rootfs = path.join(dir, `rootfs${++n}`);
    const cp = spawnSync('cp', ['-a', path.join(busyboxBundle(), 'rootfs'), rootfs]);
    if (cp.status !== 0) throw new Error(`cp -a: ${cp.stderr}`);
    return rootfs;
  };
  const runc = spawnSync('runc', ['--version']).status === 0;

  t.test('a device path that is an image symlink to a host file: the host file keeps its mode and owner', async (t) => {
    // No /dev tmpfs: the default devices are made in the image's own /dev,
    // where the image put symlinks to host files (absolute and via "..").
    const modes = new Map<string, number>();
    const targets: string[] = [];
    for (const name of ['null', 'zero', 'full', 'tty', 'random', 'urandom']) {
      const host = path.join(dir, `host-${n}-${name}`);
      fs.writeFileSync(host, 'host file\n', { mode: 0o600 });
      fs.chmodSync(host, 0o600);
      targets.push(host);
    }
    for (const runtime of runc ? ['oci-ts', 'runc'] : ['oci-ts']) {
      const rootfs = image();
      const dev = path.join(rootfs, 'dev');
      fs.mkdirSync(dev, { recursive: true });
      const names = ['null', 'zero', 'full', 'tty', 'random', 'urandom'];
      names.forEach((name, i) => {
        const link = i % 2 === 0 ? targets[i] : '../../../../../../../../..' + targets[i];
        fs.symlinkSync(link, path.join(dev, name));
      });
      for (const h of targets) modes.set(h, fs.statSync(h).mode);
      const b = makeBundle(path.join(dir, `b-${runtime}-${n}`), (c) => {
        c.root.path = rootfs;
        c.root.readonly = false;
        c.mounts = c.mounts.filter((m: { destination: string }) => !m.destination.startsWith('/dev'));
        c.process.args = ['true'];
        c.process.terminal = false;
      });
      const id = uniqueId('hostile');
      const r = runtime === 'runc'
        ? spawnSync('runc', ['--root', path.join(dir, 'runc-state'), 'run', '-b', b, id], { encoding: 'utf8', timeout: 60_000 })
        : ociTs(['--root', root, 'run', '-b', b, id]);
      t.equal(r.status, 0, `${runtime} run: ${r.stderr}`);
      for (const h of targets) {
        const st = fs.statSync(h);
        t.equal((st.mode & 0o7777).toString(8), (modes.get(h)! & 0o7777).toString(8), `${runtime}: ${path.basename(h)} keeps its mode`);
        t.equal(st.uid, 0, `${runtime}: ${path.basename(h)} keeps its owner`);
        t.equal(fs.readFileSync(h, 'utf8'), 'host file\n', `${runtime}: ${path.basename(h)} keeps its content`);
      }
      // The image's symlinks are left as they were (runc: EEXIST is not an error).
      t.equal(fs.readlinkSync(path.join(dev, 'null')), targets[0], `${runtime}: the image's /dev/null stays a symlink`);
    }
  });

  const runIn = (runtime: string, b: string, id: string) => runtime === 'runc'
    ? spawnSync('runc', ['--root', path.join(dir, 'runc-state'), 'run', '-b', b, id], { encoding: 'utf8', timeout: 60_000 })
    : ociTs(['--root', root, 'run', '-b', b, id]);

  t.test('a mount inside /proc: only the LXCFS files, and only a procfs over /proc (runc checkProcMount)', async (t) => {
    const host = path.join(dir, 'proc-host-file');
    const hostDir = path.join(dir, 'proc-host-dir');
    fs.mkdirSync(hostDir, { recursive: true });
    const cases: Array<[string, Record<string, unknown>, RegExp | null]> = [
      ['a bind over a sysctl file', { destination: '/proc/sys/kernel/shmmax', type: 'bind', source: host, options: ['bind'] }, /rootfs\/proc\/sys\/kernel\/shmmax.{1,3} cannot be mounted because it is inside \/proc/],
      ['a bind reaching /proc through ".."', { destination: '/proc/x/../self/attr/current', type: 'bind', source: host, options: ['bind'] }, /cannot be mounted because it is inside \/proc/],
      ['a plain directory over /proc', { destination: '/proc', type: 'bind', source: hostDir, options: ['rbind'] }, /cannot be mounted because it is not of type proc/],
      ['an LXCFS file (/proc/meminfo)', { destination: '/proc/meminfo', type: 'bind', source: host, options: ['bind'] }, null],
      ['the host procfs over /proc', { destination: '/proc', type: 'bind', source: '/proc', options: ['rbind'] }, null],
    ];
    for (const [what, mount, refused] of cases) {
      fs.writeFileSync(host, 'host file\n', { mode: 0o600 });
      for (const runtime of runc ? ['oci-ts', 'runc'] : ['oci-ts']) {
        const b = makeBundle(path.join(dir, `procmount-${runtime}-${++n}`), (c) => {
          c.process.args = ['true'];
          c.process.terminal = false;
          c.mounts.push(mount);
        });
        const r = runIn(runtime, b, uniqueId('procmnt'));
        if (refused) {
          t.not(r.status, 0, `${runtime}: ${what} is refused`);
          t.match(r.stderr, refused, `${runtime}: ${what}: the error says why`);
        } else {
          t.equal(r.status, 0, `${runtime}: ${what} is allowed: ${r.stderr}`);
        }
      }
      t.equal(fs.readFileSync(host, 'utf8'), 'host file\n', `${what}: the host file is unchanged`);
    }
  });

  t.test('a procfs file covered by a mount before the runtime writes it: the write never lands elsewhere (CVE-2025-52881)', async (t) => {
    // A createContainer hook runs in the container's mount namespace after
    // the mounts and before pivot_root, exactly where a racing container
    // sharing a mount would act: it binds a host file over the procfs file
    // the init writes next (a sysctl; oom_score_adj).
    // A host file over it, and (as in the CVE) another procfs file: the
    // host's oom_score_adj of a process of ours, which the write must not move.
    const victim = (await import('node:child_process')).spawn('sleep', ['600'], { stdio: 'ignore' });
    t.teardown(() => victim.kill('SIGKILL'));
    const victimAdj = `/proc/${victim.pid}/oom_score_adj`;
    const before = fs.readFileSync(victimAdj, 'utf8');
    const cases: Array<[string, string, 'file' | 'procfs', (c: any) => void]> = [
      ['sysctl kernel.shmmax', 'proc/sys/kernel/shmmax', 'file', (c) => { c.linux.sysctl = { 'kernel.shmmax': '4242' }; }],
      ['oom_score_adj', 'proc/1/oom_score_adj', 'file', (c) => { c.process.oomScoreAdj = 500; }],
      ['oom_score_adj', 'proc/1/oom_score_adj', 'procfs', (c) => { c.process.oomScoreAdj = 500; }],
    ];
    for (const [what, rel, kind, patch] of cases) {
      const host = path.join(dir, `covered-${++n}`);
      fs.writeFileSync(host, 'host file\n', { mode: 0o600 });
      const source = kind === 'file' ? host : victimAdj;
      const rootfs = image();
      const b = makeBundle(path.join(dir, `covered-b-${n}`), (c) => {
        c.root.path = rootfs;
        c.process.args = ['true'];
        c.process.terminal = false;
        c.hooks = { createContainer: [{ path: '/bin/sh', args: ['sh', '-c', `mount --bind ${source} ${rootfs}/${rel}`] }] };
        patch(c);
      });
      const r = ociTs(['--root', root, 'run', '-b', b, uniqueId('covered')]);
      t.not(r.status, 0, `oci-ts: ${what} through a covering ${kind} fails`);
      t.match(r.stderr, kind === 'file' ? /is not on procfs/ : /covered by another mount/, `oci-ts: ${what} over a ${kind}: the error says why: ${r.stderr}`);
      t.equal(fs.readFileSync(host, 'utf8'), 'host file\n', `oci-ts: ${what}: the host file is unchanged`);
      t.equal(fs.readFileSync(victimAdj, 'utf8'), before, `oci-ts: ${what}: the host process's oom_score_adj is unchanged`);
    }
  });
}
