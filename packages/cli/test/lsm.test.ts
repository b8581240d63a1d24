// AppArmor and SELinux on a host that has neither (issue 17): what this
// host can show, with runc as the control. The confinement itself is
// proven in the QEMU guests (apparmor-guest.test.ts in the AppArmor stage,
// selinux-guest.test.ts in the SELinux stage).
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { executorAvailable, uniqueId } from './helpers.ts';
import { lsmBundle, runtimes } from './lsm-helpers.ts';
import { formatMountLabel, hostLsm } from '../src/compile/lsm.ts';

const lsm = hostLsm();
const why = await executorAvailable();

t.test('features reports the host\'s LSMs, the same probe create uses', async (t) => {
  const { features } = await import('../src/features.ts');
  const f = features({ version: 'test' }) as { linux: { apparmor: { enabled: boolean }; selinux: { enabled: boolean } } };
  t.same(f.linux.apparmor, { enabled: lsm.apparmor });
  t.same(f.linux.selinux, { enabled: lsm.selinux });
  t.equal(lsm.selinux, fs.existsSync('/sys/fs/selinux/enforce'), 'SELinux: selinuxfs mounted');
});

if (why) {
  t.pass(`skipped: ${why}`);
} else {
  const dir = fs.mkdtempSync('/tmp/oci-ts-lsm-');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const LABEL = 'system_u:object_r:svirt_sandbox_file_t:s0:c1,c2';

  for (const rt of runtimes(dir)) {
    t.test(`${rt.name}: a profile or label this host cannot apply fails create and leaves nothing`, { skip: lsm.apparmor && lsm.selinux ? 'this host has both LSMs' : false }, async (t) => {
      const cases: Array<[string, (c: any) => void, RegExp]> = [];
      if (!lsm.apparmor) {
        // runc fails writing the profile (invalid argument); oci-ts refuses
        // it before starting anything and names the field.
        cases.push(['apparmorProfile', (c) => { c.process.apparmorProfile = 'docker-default'; }, rt.name === 'oci-ts' ? /\/process\/apparmorProfile: apparmor is not enabled on this host/ : /apparmor/]);
      }
      if (!lsm.selinux) {
        cases.push(['selinuxLabel', (c) => { c.process.selinuxLabel = 'system_u:system_r:svirt_t:s0:c1,c2'; }, /selinux label is specified in config, but selinux is disabled or not supported/]);
      }
      for (const [what, patch, err] of cases) {
        const id = uniqueId('lsm');
        const b = lsmBundle(path.join(dir, `b${++n}`), (c) => { c.process.args = ['true']; patch(c); });
        const r = rt.run(['create', '-b', b, id]);
        t.not(r.status, 0, `${what}: create fails`);
        t.match(r.stderr, err, `${what}: ${r.stderr.trim()}`);
        t.notOk(fs.existsSync(path.join(rt.root, id)), `${what}: no state directory`);
        if (r.status === 0) rt.run(['delete', '--force', id]);
      }
    });
  }

  t.test('linux.mountLabel: oci-ts formats context= as runc does, and ignores it without SELinux', { skip: lsm.selinux ? 'SELinux is enabled here: the guest test covers it' : false }, async (t) => {
    const [oci, runc] = runtimes(dir);
    const patch = (c: any) => { c.linux.mountLabel = LABEL; c.process.args = ['cat', '/proc/self/mountinfo']; };
    if (runc) {
      // runc 1.1.5 adds context= even without SELinux; the kernel refuses
      // the option (EINVAL) and runc prints the data it passed.
      const id = uniqueId('lsm');
      const r = runc.run(['run', '-b', lsmBundle(path.join(dir, `b${++n}`), patch), id]);
      runc.run(['delete', '--force', id]);
      t.not(r.status, 0, 'runc: the mount with context= fails on this host');
      const data = /to rootfs at \\?"\/dev\\?".*data: (.*?): invalid argument/.exec(r.stderr)?.[1]?.replace(/\\"/g, '"');
      t.equal(data, formatMountLabel('mode=755,size=65536k', LABEL), 'the /dev tmpfs data runc passed is the one oci-ts compiles');
    }
    const id = uniqueId('lsm');
    const r = oci.run(['run', '-b', lsmBundle(path.join(dir, `b${++n}`), patch), id]);
    oci.run(['delete', '--force', id]);
    t.equal(r.status, 0, `oci-ts runs the container: ${r.stderr}`);
    t.match(r.stdout, / \/dev rw,/, 'the container has its /dev');
    t.notMatch(r.stdout, /context=/, 'and no mount carries a label SELinux is not there to apply');
  });
}
