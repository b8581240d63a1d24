// Id-mapped mounts (runtime-spec config.md "Mounts": uidMappings,
// gidMappings, idmap, ridmap) on the real kernel, checked from inside the
// container: the owner a file shows through the mount, and the owner a file
// written through it gets on the host.
// Skipped (saying why) when not root, without the executor, or when the
// test directory's filesystem cannot be id-mapped.
import t, { type Test } from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { busyboxBundle, cgroupLeftovers, executorAvailable, makeBundle, ociTs, processLeftovers, uniqueId, type Result } from './helpers.ts';

const why = await executorAvailable();
const [kmaj = 0, kmin = 0] = os.release().split('.').map((n) => parseInt(n, 10));
if (why) {
  t.plan(0, `id-mapped mount tests skipped: ${why}`);
} else if (kmaj < 5 || (kmaj === 5 && kmin < 12)) {
  t.plan(0, `id-mapped mount tests skipped: kernel ${os.release()} has no mount_setattr(2) (5.12)`);
} else {
  // Registered before t.testdir so the submount is gone when tap removes the directory.
  t.teardown(() => { spawnSync('umount', ['-l', path.join(dir, 'src', 'sub')]); });
  const dir = t.testdir({ root: {} });
  const root = path.join(dir, 'root');
  // The host directory mounted into the containers: a root-owned file, a
  // file of uid/gid 1000, and a tmpfs submount with a root-owned file.
  const src = path.join(dir, 'src');
  fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(src, 'root-file'), '');
  fs.writeFileSync(path.join(src, 'user-file'), '');
  fs.chownSync(path.join(src, 'user-file'), 1000, 1000);
  const sub = spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', path.join(src, 'sub')]);
  fs.writeFileSync(path.join(src, 'sub', 'inner'), '');

  let n = 0;
  const USERNS = { containerID: 0, hostID: 100000, size: 65536 };
  /** Runs `script`; the container gets a tmpfs /tmp (its own) for the mount points, and a user namespace 0→100000 unless told otherwise. */
  const run = (script: string, mounts: object[], opts: { userns?: boolean; cmd?: 'run' | 'create'; id?: string; env?: NodeJS.ProcessEnv; patch?: (c: any) => void } = {}): Result => {
    const b = makeBundle(path.join(dir, `b${++n}`), (c) => {
      c.process.args = ['sh', '-c', script];
      if (opts.userns !== false) {
        c.linux.namespaces.push({ type: 'user' });
        c.linux.uidMappings = [USERNS];
        c.linux.gidMappings = [USERNS];
      }
      // The shared rootfs belongs to the host's root: the container's root
      // (100000) may not create mount points in it, so they live on a tmpfs.
      c.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'mode=755'] }, ...mounts);
      opts.patch?.(c);
    });
    return ociTs(['--root', root, opts.cmd ?? 'run', '-b', b, opts.id ?? uniqueId('idmap')], opts.env ? { env: opts.env } : {});
  };
  const bind = (dest: string, options: string[], extra: object = {}) => ({ destination: dest, type: 'bind', source: src, options, ...extra });
  const stat = (...files: string[]) => `stat -c '%n %u:%g' ${files.join(' ')}`;

  // Probe: can this filesystem be id-mapped at all (tmpfs since 6.3, ext4/xfs/btrfs since 5.12-5.15)?
  const probe = sub.status === 0 ? run(stat('/tmp/m/root-file'), [bind('/tmp/m', ['bind', 'idmap'])]) : undefined;
  if (!probe || probe.status !== 0) {
    t.plan(0, `id-mapped mount tests skipped: ${probe ? `${os.release()}: ${probe.stderr.trim()}` : 'cannot mount a tmpfs submount'}`);
  } else {
    t.afterEach(() => {
      const left = fs.readdirSync(root).filter((f) => !f.startsWith('.'));
      for (const id of left) ociTs(['--root', root, 'delete', '--force', id]);
    });

    t.test('idmap with the container\'s own mapping: host root shows as root, writes land as host root', async (t) => {
      for (const f of ['new-idmap', 'new-plain']) fs.rmSync(path.join(src, f), { force: true });
      const r = run(`${stat('/tmp/m/root-file', '/tmp/m/user-file', '/tmp/plain/root-file', '/tmp/plain/user-file', '/tmp/file')}; touch /tmp/m/new-idmap; touch /tmp/plain/new-plain 2>/dev/null || echo plain-denied`,
        [bind('/tmp/m', ['bind', 'idmap']), bind('/tmp/plain', ['rbind']), { ...bind('/tmp/file', ['bind', 'idmap']), source: path.join(src, 'root-file') }]);
      t.equal(r.status, 0, r.stderr);
      t.match(r.stdout, /^\/tmp\/m\/root-file 0:0$/m, 'through idmap: the root-owned file is root\'s');
      t.match(r.stdout, /^\/tmp\/m\/user-file 1000:1000$/m, 'uid 1000 stays 1000');
      t.match(r.stdout, /^\/tmp\/plain\/root-file 65534:65534$/m, 'without idmap: unmapped, the overflow id');
      t.match(r.stdout, /^\/tmp\/plain\/user-file 65534:65534$/m);
      t.match(r.stdout, /plain-denied/, 'without idmap the container\'s root may not write a root-owned directory');
      t.match(r.stdout, /^\/tmp\/file 0:0$/m, 'a single file can be id-mapped too');
      const st = fs.statSync(path.join(src, 'new-idmap'));
      t.same([st.uid, st.gid], [0, 0], 'a file the container\'s root created is owned by 0:0 on the host, not 100000');
      t.notOk(fs.existsSync(path.join(src, 'new-plain')));
    });

    t.test('mount-level uidMappings/gidMappings differ from the container\'s', async (t) => {
      // On-disk 1000 is shown as host 100000 (the container's root); on-disk 0 is unmapped on this mount.
      const r = run(stat('/tmp/m/root-file', '/tmp/m/user-file', '/tmp/c/root-file', '/tmp/c/user-file'), [bind('/tmp/m', ['bind', 'idmap'], {
        uidMappings: [{ containerID: 1000, hostID: 100000, size: 1 }],
        gidMappings: [{ containerID: 1000, hostID: 100005, size: 1 }],
      }), bind('/tmp/c', ['bind', 'idmap=uids=1000-100000-1;gids=@1000-5-1'])]);
      t.equal(r.status, 0, r.stderr);
      t.match(r.stdout, /^\/tmp\/m\/user-file 0:5$/m, 'uid 1000 → 100000 → root inside; gid 1000 → 100005 → 5');
      t.match(r.stdout, /^\/tmp\/m\/root-file 65534:65534$/m, 'on-disk root is outside the mount\'s mapping');
      t.match(r.stdout, /^\/tmp\/c\/user-file 0:5$/m, 'the same mapping in crun\'s (podman\'s) option form, "@" relative to the container');
      t.match(r.stdout, /^\/tmp\/c\/root-file 65534:65534$/m);
    });

    t.test('ridmap maps the submounts of an rbind, idmap only its top mount (as runc)', async (t) => {
      const r = run(stat('/tmp/i/root-file', '/tmp/i/sub/inner', '/tmp/r/root-file', '/tmp/r/sub/inner'),
        [bind('/tmp/i', ['rbind', 'idmap']), bind('/tmp/r', ['rbind', 'ridmap'])]);
      t.equal(r.status, 0, r.stderr);
      t.match(r.stdout, /^\/tmp\/i\/root-file 0:0$/m);
      t.match(r.stdout, /^\/tmp\/i\/sub\/inner 65534:65534$/m, 'idmap + rbind: the submount is cloned but not id-mapped');
      t.match(r.stdout, /^\/tmp\/r\/root-file 0:0$/m);
      t.match(r.stdout, /^\/tmp\/r\/sub\/inner 0:0$/m, 'ridmap: the submount is id-mapped too');
    });

    t.test('idmap in a joined user namespace takes that namespace\'s mapping', async (t) => {
      const owner = uniqueId('idmap-owner');
      const a = run('true', [], { cmd: 'create', id: owner });
      t.equal(a.status, 0, a.stderr);
      t.teardown(() => { ociTs(['--root', root, 'delete', '--force', owner]); });
      const pid = JSON.parse(ociTs(['--root', root, 'state', owner]).stdout).pid as number;
      const b = makeBundle(path.join(dir, `b${++n}`), (c) => {
        c.process.args = ['sh', '-c', `${stat('/tmp/m/root-file')}; cat /proc/self/uid_map`];
        c.linux.namespaces.push({ type: 'user', path: `/proc/${pid}/ns/user` });
        c.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'mode=755'] }, bind('/tmp/m', ['bind', 'idmap']));
      });
      const r = ociTs(['--root', root, 'run', '-b', b, uniqueId('idmap-joiner')]);
      t.equal(r.status, 0, r.stderr);
      t.match(r.stdout, /^\/tmp\/m\/root-file 0:0$/m, 'mapped through the joined namespace (0 → 100000 → 0)');
      t.match(r.stdout, /^\s+0\s+100000\s+65536$/m, 'in the owner\'s user namespace');
    });

    t.test('mappings without idmap/ridmap are an idmap (runc; config.md says the option SHOULD be given)', async (t) => {
      const r = run(stat('/tmp/m/root-file', '/tmp/m/sub/inner'), [bind('/tmp/m', ['rbind'], { uidMappings: [USERNS], gidMappings: [USERNS] })]);
      t.equal(r.status, 0, r.stderr);
      t.match(r.stdout, /^\/tmp\/m\/root-file 0:0$/m);
      t.match(r.stdout, /^\/tmp\/m\/sub\/inner 65534:65534$/m, 'not recursive');
    });

    t.test('an id-mapped mount of a shared host mount propagates like a plain bind: a slave, not a peer of the host', async (t) => {
      const shared = path.join(dir, 'shared');
      fs.mkdirSync(shared);
      t.equal(spawnSync('mount', ['--bind', src, shared]).status, 0);
      t.teardown(() => { spawnSync('umount', ['-l', shared]); });
      t.equal(spawnSync('mount', ['--make-shared', shared]).status, 0);
      const group = /shared:(\d+)/.exec(fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === shared) ?? '')?.[1];
      t.ok(group, 'the host mount is shared');
      const line = (dest: string) => `grep ' ${dest} ' /proc/self/mountinfo`;
      const mounts = [{ ...bind('/tmp/i', ['bind', 'idmap']), source: shared }, { ...bind('/tmp/p', ['bind']), source: shared }];
      const r = run(`${line('/tmp/i')}; ${line('/tmp/p')}`, mounts);
      t.equal(r.status, 0, r.stderr);
      t.match(r.stdout, new RegExp(` /tmp/i \\S+idmapped master:${group} `), 'the id-mapped mount receives the host\'s mounts but sends none back');
      t.match(r.stdout, new RegExp(` /tmp/p \\S+ master:${group} `), 'as the plain bind does');
      t.notMatch(r.stdout, /shared:/);
      const rp = run(line('/tmp/i'), [mounts[0]], { patch: (c) => { c.linux.rootfsPropagation = 'rprivate'; } });
      t.equal(rp.status, 0, rp.stderr);
      t.match(rp.stdout, / \/tmp\/i \S+idmapped - /, 'rootfsPropagation rprivate: private, as every other mount');
    });

    t.test('an id-mapped mount keeps its other options: ro remount, propagation', async (t) => {
      const r = run(`${stat('/tmp/m/root-file')}; touch /tmp/m/x 2>/dev/null && echo written || echo read-only; grep ' /tmp/m ' /proc/self/mountinfo`,
        [bind('/tmp/m', ['bind', 'ro', 'idmap', 'rprivate'])]);
      t.equal(r.status, 0, r.stderr);
      t.match(r.stdout, /^\/tmp\/m\/root-file 0:0$/m);
      t.match(r.stdout, /^read-only$/m);
      t.match(r.stdout, /\/tmp\/m ro,.*idmapped/, 'mountinfo shows the mount read-only and idmapped');
      t.notOk(fs.existsSync(path.join(src, 'x')));
    });

    t.test('the helper user namespaces are reaped and no tree or namespace fd reaches the container', async (t) => {
      const other = { containerID: 0, hostID: 300000, size: 10 };
      const mounts = [bind('/tmp/a', ['rbind', 'ridmap']), bind('/tmp/b', ['bind'], { uidMappings: [other], gidMappings: [other] })];
      const id = uniqueId('idmap-fds');
      const r = run('exec sleep 60', mounts, { cmd: 'create', id });
      t.equal(r.status, 0, r.stderr);
      const pid = JSON.parse(ociTs(['--root', root, 'state', id]).stdout).pid as number;
      // The helper that carried the mount's own mapping lived in a user namespace mapping 300000: no process is left in one.
      const inOther = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
        try { return /\s300000\s/.test(fs.readFileSync(`/proc/${d}/uid_map`, 'utf8')); } catch { return false; }
      });
      t.same(inOther, [], 'the helper processes were killed (no process in the mount\'s user namespace)');
      const fds = fs.readdirSync(`/proc/${pid}/fd`).map((f) => fs.readlinkSync(`/proc/${pid}/fd/${f}`));
      t.notOk(fds.some((l) => l.startsWith(src) || l.startsWith('user:')), `no detached tree or user namespace fd in the waiting init: ${fds.join(' ')}`);
      // Started, the container process holds only its stdio (the trees and namespaces were O_CLOEXEC and closed).
      const started = ociTs(['--root', root, 'start', id]);
      t.equal(started.status, 0, started.stderr);
      for (let i = 0; i < 250 && fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'sleep'; i++) await new Promise((res) => setTimeout(res, 20));
      t.equal(fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim(), 'sleep');
      t.same(fs.readdirSync(`/proc/${pid}/fd`), ['0', '1', '2'], 'the container process holds only stdio');
      ociTs(['--root', root, 'delete', '--force', id]);
    });

    const nothingLeft = (t: Test, id: string) => {
      t.notOk(fs.existsSync(path.join(root, id)), 'no state directory left');
      t.same(cgroupLeftovers(id), [], 'no cgroup left');
      t.same(processLeftovers(id), [], 'no process left');
    };

    t.test('bad input: a clear error naming the field, non-zero exit, nothing left behind', async (t) => {
      // Our mount's index in config.json: after the bundle's mounts and the /tmp tmpfs.
      const i = JSON.parse(fs.readFileSync(path.join(busyboxBundle(), 'config.json'), 'utf8')).mounts.length + 1;
      const at = (rest: string) => new RegExp(`(mounts\\[${i}\\]|/mounts/${i}/)${rest}`);
      const cases: Array<[string, object[], RegExp, boolean?]> = [
        ['idmap on a tmpfs', [{ destination: '/tmp/t', type: 'tmpfs', source: 'tmpfs', options: ['idmap'] }], at('.*only supported for bind mounts')],
        ['a mapping of size 0', [bind('/tmp/m', ['bind', 'idmap'], { uidMappings: [{ containerID: 0, hostID: 100000, size: 0 }], gidMappings: [USERNS] })], at('uidMappings/0/size: size must be at least 1')],
        ['uidMappings without gidMappings', [bind('/tmp/m', ['bind', 'idmap'], { uidMappings: [USERNS] })], at('.*gidMappings')],
        ['idmap without any mapping or user namespace', [bind('/tmp/m', ['bind', 'idmap'])], at('.*user namespace'), false],
      ];
      for (const [what, mounts, message, userns] of cases) {
        const id = uniqueId('idmap-bad');
        const r = run('true', mounts, { cmd: 'create', id, userns });
        t.not(r.status, 0, `${what}: create fails`);
        t.match(r.stderr, message, `${what}: ${r.stderr.trim()}`);
        nothingLeft(t, id);
      }
    });

    t.test('a failure in the executor (missing source, injected step) leaves nothing behind', async (t) => {
      const id = uniqueId('idmap-fail');
      const r = run('true', [{ ...bind('/tmp/m', ['bind', 'idmap']), source: path.join(dir, 'no-such-dir') }], { cmd: 'create', id });
      t.not(r.status, 0);
      t.match(r.stderr, /mount-idmap: open_tree\(OPEN_TREE_CLONE\) for \S+no-such-dir on \/tmp\/m: No such file or directory/);
      nothingLeft(t, id);
      const id2 = uniqueId('idmap-fail');
      const r2 = run('true', [bind('/tmp/m', ['bind', 'idmap'])], { cmd: 'create', id: id2, env: { ...process.env, OCI_TS_TEST_FAIL_STEP: 'mount-idmap' } });
      t.not(r2.status, 0);
      t.match(r2.stderr, /mount-idmap: injected failure/);
      nothingLeft(t, id2);
    });

    t.test('the executor id-maps without a user namespace too (runc 1.2 allows it)', async (t) => {
      // @oci/spec refuses such a config.json today (MOUNT_IDMAP_WITHOUT_USERNS), so the
      // program is driven directly, as the executor tests do.
      const { buildRootfs } = await import('../../core-rs/__test__/helpers/rootfs.ts');
      const { defaultProgram, MS } = await import('../../core-rs/__test__/helpers/program.ts');
      const { drive } = await import('../../core-rs/__test__/helpers/driver.ts');
      const work = path.join(dir, 'no-userns');
      fs.mkdirSync(work);
      const p = defaultProgram(buildRootfs(work), ['sh', '-c', `${stat('/tmp/m/root-file', '/tmp/m/user-file')}; touch /tmp/m/new 2>&1`]);
      const tmpfs = { destination: '/tmp', fstype: 'tmpfs', source: 'tmpfs', flags: MS.NOSUID, data: '', propagation: [], remountFlags: 0, createAs: 'dir' as const };
      p.mounts.push(tmpfs, { ...tmpfs, destination: '/tmp/m', fstype: 'bind', source: src, flags: MS.BIND, idmap: { uidMap: '0 100000 65536\n', gidMap: '0 200000 65536\n', recursive: false } });
      const r = await drive(p, { dir: work });
      t.equal(r.error, undefined, JSON.stringify(r.error));
      t.match(r.output, /^\/tmp\/m\/root-file 100000:200000$/m, 'the host\'s root sees on-disk root as the mapped ids');
      t.match(r.output, /^\/tmp\/m\/user-file 101000:201000$/m);
      t.match(r.output, /Value too large/, 'host root is outside the mount\'s mapping: writes fail (EOVERFLOW), as in runc\'s test');
      t.notOk(fs.existsSync(path.join(src, 'new')));
    });

    t.test('features lists idmap and ridmap', async (t) => {
      const r = ociTs(['features']);
      t.equal(r.status, 0, r.stderr);
      const f = JSON.parse(r.stdout);
      t.ok(f.mountOptions.includes('idmap') && f.mountOptions.includes('ridmap'));
      t.same(f.linux.mountExtensions, { idmap: { enabled: true } });
    });
  }
}
