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
}
