// --systemd-cgroup on a host where systemd is not PID 1 (this one, and CI's):
// a clear error naming the flag, a non-zero exit as runc's, and nothing left
// (no state directory, no cgroup, no process). A malformed cgroupsPath shows
// the expected form. The driver itself runs for real in the systemd guest
// (tools/guest/systemd, packages/cli/test/systemd-cgroup.guest.test.ts).
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { busyboxBundle, cgroupLeftovers, executorAvailable, makeBundle, ociTs, processLeftovers, uniqueId } from './helpers.ts';

const booted = (() => {
  try { return fs.lstatSync('/run/systemd/system').isDirectory(); } catch { return false; }
})();

t.test('--systemd-cgroup without systemd', { skip: booted ? 'systemd is PID 1 here: the guest test covers this host' : false }, async (t) => {
  const why = await executorAvailable();
  if (why) { t.plan(0, `skipped: ${why}`); return; }
  const root = fs.mkdtempSync('/tmp/oci-ts-sdroot-');
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));

  t.test('fails naming the flag and leaves nothing', async (t) => {
    const id = uniqueId('sd');
    const bundle = makeBundle(t.testdir({}), (c) => { c.process.args = ['sleep', '100']; c.linux.cgroupsPath = `system.slice:oci-ts-test:${id}`; c.root.path = path.join(busyboxBundle(), 'rootfs'); });
    const r = ociTs(['--root', root, '--systemd-cgroup', 'run', '-d', '--bundle', bundle, id]);
    t.equal(r.status, 1);
    t.match(r.stderr, /--systemd-cgroup: systemd not running on this host, cannot use systemd cgroups manager/);
    t.notOk(fs.existsSync(path.join(root, id)), 'no state directory');
    t.same(cgroupLeftovers(`oci-ts-test-${id}.scope`), [], 'no cgroup');
    t.same(processLeftovers(id), []);
    t.equal(ociTs(['--root', root, 'state', id]).status, 1, 'no container');
    // runc, the control, refuses too.
    const runcRoot = fs.mkdtempSync('/tmp/oci-ts-sdrunc-');
    t.teardown(() => fs.rmSync(runcRoot, { recursive: true, force: true }));
    const rr = spawnSync('runc', ['--root', runcRoot, '--systemd-cgroup', 'run', '-d', '--bundle', bundle, id], { encoding: 'utf8' });
    if (rr.error) t.comment('runc not installed: control skipped');
    else {
      t.not(rr.status, 0, 'runc fails as well');
      t.match(rr.stderr, /systemd not running on this host, cannot use systemd cgroups manager/, 'same text as runc');
      spawnSync('runc', ['--root', runcRoot, 'delete', '-f', id]);
    }
  });

  t.test('a malformed cgroupsPath shows the expected form', async (t) => {
    const id = uniqueId('sd');
    const bundle = makeBundle(t.testdir({}), (c) => { c.linux.cgroupsPath = '/not/a/systemd/path'; });
    const r = ociTs(['--root', root, '--systemd-cgroup', 'create', '--bundle', bundle, id]);
    t.equal(r.status, 1);
    // (the log line JSON-escapes the quotes, as runc's logrus does)
    t.match(r.stderr, /expected cgroupsPath to be of format \\"slice:prefix:name\\" for systemd cgroups, got \\"\/not\/a\/systemd\/path\\" instead/);
    t.notOk(fs.existsSync(path.join(root, id)), 'no state directory');
  });

  t.test('features reports the systemd driver', async (t) => {
    const r = ociTs(['features']);
    t.equal(r.status, 0);
    t.equal(JSON.parse(r.stdout).linux.cgroup.systemd, true);
  });
});
