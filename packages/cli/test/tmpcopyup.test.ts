// `tmpcopyup` (runc EXT_COPYUP; podman adds it to every --tmpfs) on the real
// kernel, checked from inside the container: the tmpfs over a directory of
// the image starts with a copy of it (modes, owners, times, symlinks as
// symlinks), writes stay in the tmpfs, and a symlink in the image is never
// followed out of the rootfs. Each test runs on its own copy of the busybox
// rootfs so the image can carry the files the checks need.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { busyboxBundle, cgroupLeftovers, executorAvailable, makeBundle, ociTs, uniqueId, type Result } from './helpers.ts';

const why = await executorAvailable();
if (why) {
  t.plan(0, `tmpcopyup tests skipped: ${why}`);
} else {
  const dir = t.testdir({});
  const root = path.join(dir, 'state');
  const MTIME = 1_000_000_000;
  // The host directory a symlink of the image points at: must never be read.
  const host = path.join(dir, 'host');
  fs.mkdirSync(host);
  fs.writeFileSync(path.join(host, 'secret'), 'host secret\n');

  let n = 0;
  /** A private copy of the busybox rootfs with an /etc to copy up. */
  const image = (): string => {
    const rootfs = path.join(dir, `rootfs${++n}`);
    const cp = spawnSync('cp', ['-a', path.join(busyboxBundle(), 'rootfs'), rootfs]);
    if (cp.status !== 0) throw new Error(`cp -a: ${cp.stderr}`);
    const etc = path.join(rootfs, 'etc');
    fs.chmodSync(path.join(etc, 'passwd'), 0o644);
    fs.writeFileSync(path.join(etc, 'shadow'), 'root:*:1::::::\n', { mode: 0o640 });
    fs.chownSync(path.join(etc, 'shadow'), 0, 42);
    fs.chmodSync(path.join(etc, 'shadow'), 0o640);
    fs.mkdirSync(path.join(etc, 'conf.d/sub'), { recursive: true });
    fs.writeFileSync(path.join(etc, 'conf.d/sub/app.conf'), 'nested=1\n');
    fs.chownSync(path.join(etc, 'conf.d/sub/app.conf'), 1234, 5678);
    fs.chmodSync(path.join(etc, 'conf.d/sub/app.conf'), 0o4755);
    fs.chownSync(path.join(etc, 'conf.d'), 7, 8);
    fs.chmodSync(path.join(etc, 'conf.d'), 0o705);
    fs.utimesSync(path.join(etc, 'conf.d/sub/app.conf'), MTIME, MTIME);
    fs.utimesSync(path.join(etc, 'conf.d'), MTIME, MTIME);
    fs.symlinkSync('passwd', path.join(etc, 'passwd-link'));
    // Escaping symlinks: relative past the root, and absolute to a host directory.
    fs.symlinkSync('/../../../../../../..' + host, path.join(etc, 'evil'));
    fs.symlinkSync(host, path.join(etc, 'hostdir'));
    spawnSync('mkfifo', ['-m', '0620', path.join(etc, 'initctl')]);
    fs.chmodSync(path.join(etc), 0o751);
    return rootfs;
  };
  const tmpfs = (dest: string, options: string[]) => ({ destination: dest, type: 'tmpfs', source: 'tmpfs', options });
  const run = (rootfs: string, script: string, mounts: object[]): Result => {
    const b = makeBundle(path.join(dir, `b${n}-${uniqueId('b')}`), (c) => {
      c.root.path = rootfs;
      c.process.args = ['sh', '-c', script];
      c.mounts.push(...mounts);
    });
    return ociTs(['--root', root, 'run', '-b', b, uniqueId('tcu')]);
  };

  t.test('a tmpfs with tmpcopyup over /etc starts with the image\'s /etc', async (t) => {
    const rootfs = image();
    const passwd = fs.readFileSync(path.join(rootfs, 'etc/passwd'), 'utf8');
    const r = run(rootfs, [
      'stat -c "%n %a %u:%g %F" /etc /etc/passwd /etc/group /etc/hostname /etc/shadow /etc/conf.d /etc/conf.d/sub/app.conf /etc/initctl',
      'stat -c "%n %Y" /etc/conf.d /etc/conf.d/sub/app.conf',
      'cat /etc/conf.d/sub/app.conf /etc/passwd-link',
      'for l in passwd-link evil hostdir; do echo "$l -> $(readlink /etc/$l) $(stat -c %F /etc/$l)"; done',
      'cat /etc/hostdir/secret /etc/evil/secret 2>/dev/null && echo FOLLOWED',
      'stat -f -c "%T" /etc',
      'echo changed > /etc/passwd && echo new > /etc/new && rm /etc/group && echo written',
    ].join('; '), [tmpfs('/etc', ['nosuid', 'nodev', 'tmpcopyup'])]);
    t.equal(r.status, 0, r.stderr);
    const out = r.stdout.split('\n');
    t.same(out.slice(0, 8), [
      '/etc 751 0:0 directory',
      '/etc/passwd 644 0:0 regular file',
      `/etc/group ${(fs.statSync(path.join(rootfs, 'etc/group')).mode & 0o777).toString(8)} 0:0 regular file`,
      `/etc/hostname ${(fs.statSync(path.join(rootfs, 'etc/hostname')).mode & 0o777).toString(8)} 0:0 regular file`,
      '/etc/shadow 640 0:42 regular file',
      '/etc/conf.d 705 7:8 directory',
      '/etc/conf.d/sub/app.conf 4755 1234:5678 regular file',
      '/etc/initctl 620 0:0 fifo',
    ], 'modes (setuid too), owners and types kept; the tmpfs root takes /etc\'s mode');
    t.same(out.slice(8, 10), [`/etc/conf.d ${MTIME}`, `/etc/conf.d/sub/app.conf ${MTIME}`], 'mtimes kept (directories after their children)');
    t.equal(out.slice(10).join('\n').startsWith(`nested=1\n${passwd}`), true, 'nested file and file through the copied symlink');
    t.match(r.stdout, 'passwd-link -> passwd symbolic link');
    t.match(r.stdout, `evil -> /../../../../../../..${host} symbolic link`, 'an escaping symlink is copied as a symlink');
    t.match(r.stdout, `hostdir -> ${host} symbolic link`);
    t.notMatch(r.stdout, /FOLLOWED|host secret/, 'never followed to the host');
    t.match(r.stdout, /\ntmpfs\n/, '/etc is a tmpfs');
    t.match(r.stdout, 'written');
    t.equal(fs.readFileSync(path.join(rootfs, 'etc/passwd'), 'utf8'), passwd, 'the image is unchanged');
    t.ok(fs.existsSync(path.join(rootfs, 'etc/group')));
    t.notOk(fs.existsSync(path.join(rootfs, 'etc/new')));
  });

  t.test('without tmpcopyup the tmpfs over /etc is empty', async (t) => {
    const r = run(image(), 'ls -A /etc | wc -l', [tmpfs('/etc', ['nosuid'])]);
    t.equal(r.status, 0, r.stderr);
    t.equal(r.stdout.trim(), '0');
  });

  t.test('tmpfs options still apply; a missing destination is an empty tmpfs', async (t) => {
    const rootfs = image();
    const r = run(rootfs, [
      'stat -c "%n %a" /etc /fresh /ro',
      'ls -A /fresh | wc -l',
      'df -k /etc | tail -1 | awk \'{print "size " $2}\'',
      'cat /etc/conf.d/sub/app.conf /ro/conf.d/sub/app.conf',
      'touch /ro/x 2>/dev/null || echo read-only',
      'grep " /ro " /proc/self/mounts | grep -o "ro,nosuid"',
    ].join('; '), [
      // Before the /etc tmpfs: the bind source is looked up in the container's mount namespace.
      { destination: '/ro', type: 'bind', source: path.join(rootfs, 'etc'), options: ['bind'] },
      tmpfs('/ro', ['tmpcopyup', 'ro', 'nosuid']),
      tmpfs('/etc', ['tmpcopyup', 'mode=700', 'size=1m']),
      tmpfs('/fresh', ['tmpcopyup']),
    ]);
    t.equal(r.status, 0, r.stderr);
    const out = r.stdout.split('\n');
    t.same(out.slice(0, 5), ['/etc 700', '/fresh 1777', '/ro 751', '0', 'size 1024'], 'mode= and size= win; a new destination keeps tmpfs\'s 1777');
    t.same(out.slice(5, 7), ['nested=1', 'nested=1'], 'copied, also under a read-only tmpfs (copied before MS_RDONLY)');
    t.match(r.stdout, 'read-only');
    t.match(r.stdout, 'ro,nosuid');
    t.ok(fs.statSync(path.join(rootfs, 'fresh')).isDirectory(), 'the destination was created as for any tmpfs');
  });

  t.test('a destination symlink resolves inside the rootfs, never to the host', async (t) => {
    const rootfs = image();
    fs.symlinkSync('../../../../../../../../etc', path.join(rootfs, 'escape'));
    const r = run(rootfs, 'ls /etc; test -e /etc/debian_version && echo HOST; cat /etc/conf.d/sub/app.conf', [tmpfs('/escape', ['tmpcopyup'])]);
    t.equal(r.status, 0, r.stderr);
    t.notMatch(r.stdout, 'HOST', 'the host /etc was not copied');
    t.match(r.stdout, 'nested=1', 'the image\'s /etc was');
  });

  t.test('tmpcopyup on a bind mount is refused naming the option, leaving nothing behind', async (t) => {
    const id = uniqueId('tcu-bad');
    const b = makeBundle(path.join(dir, 'bad'), (c) => {
      c.mounts.push({ destination: '/mnt', type: 'bind', source: '/tmp', options: ['rbind', 'tmpcopyup'] });
    });
    const i = JSON.parse(fs.readFileSync(path.join(b, 'config.json'), 'utf8')).mounts.length - 1;
    const r = ociTs(['--root', root, 'run', '-b', b, id]);
    t.not(r.status, 0);
    t.match(r.stderr, `/mounts/${i}/options/1`);
    t.match(r.stderr, 'tmpcopyup');
    t.notOk(fs.existsSync(path.join(root, id)), 'no state');
    t.same(cgroupLeftovers(id), [], 'no cgroup');
  });
}
