// AppArmor confinement (issue 17): a container started with
// process.apparmorProfile runs confined by it, through oci-ts and through
// runc (the control) with the same checks. Runs where AppArmor is the
// kernel's LSM: the QEMU guest (tools/guest; the Debian kernel enables
// AppArmor by default, init.sh mounts securityfs, the host's apparmor
// package gives apparmor_parser in /usr); skips elsewhere. Its own guest
// run in CI (.ci/run, OCI_TS_CI_APPARMOR), not the v2 stage, whose 600 s
// guest timeout it would push over (named -guest, not .guest, for that):
//   tools/guest/run-in-guest node tools/guest/stage.mjs packages/cli/test/apparmor-guest.test.ts
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { executorAvailable, processLeftovers, uniqueId } from './helpers.ts';
import { lsmBundle, runtimes, type Runtime } from './lsm-helpers.ts';

const parser = ['/usr/sbin/apparmor_parser', '/sbin/apparmor_parser'].find((p) => fs.existsSync(p));
let enabled = false;
try {
  enabled = fs.existsSync('/sys/kernel/security/apparmor') && fs.readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').startsWith('Y');
} catch {
  // no apparmor module
}
const why = !enabled
  ? 'AppArmor is not enabled here (securityfs shows no apparmor); it runs in the QEMU guest (tools/guest)'
  : !parser ? 'no apparmor_parser (Debian package apparmor, installed by tools/setup.sh)' : await executorAvailable();

// A profile that allows everything but writing one path and one capability
// (apparmor.d(5): deny rules win over the allow-all rules).
const DENY = 'oci-ts-lsm-deny';
// Everything allowed: the same actions succeed under it, so the denials
// above are the profile's and nothing else's.
const OTHER = 'oci-ts-lsm-other';
const allowAll = 'file,\n  capability,\n  network,\n  signal,\n  ptrace,\n  unix,\n  mount,\n  umount,\n  pivot_root,\n  dbus,';
const PROFILES: Record<string, string> = {
  [DENY]: `profile ${DENY} flags=(attach_disconnected,mediate_deleted) {\n  ${allowAll}\n  deny /dev/shm/denied w,\n  deny capability chown,\n}\n`,
  [OTHER]: `profile ${OTHER} flags=(attach_disconnected,mediate_deleted) {\n  ${allowAll}\n}\n`,
  // The rules of Docker's docker-default, written from Docker's
  // documentation of it (docs.docker.com/engine/security/apparmor: the
  // profile is generated from moby/profiles apparmor/template.go), without
  // the #include lines: @{PROC} from tunables/global defined here, and
  // abstractions/base is covered by `file,`.
  'oci-ts-lsm-docker-default': [
    '@{PROC}=/proc/',
    'profile oci-ts-lsm-docker-default flags=(attach_disconnected,mediate_deleted) {',
    '  network,',
    '  capability,',
    '  file,',
    '  umount,',
    '  signal (receive) peer=unconfined,',
    '  signal (send,receive) peer=oci-ts-lsm-docker-default,',
    '  deny @{PROC}/* w,',
    '  deny @{PROC}/{[^1-9],[^1-9][^0-9],[^1-9s][^0-9y][^0-9s],[^1-9][^0-9][^0-9][^0-9]*}/** w,',
    '  deny @{PROC}/sys/[^k]** w,',
    '  deny @{PROC}/sys/kernel/{?,??,[^s][^h][^m]**} w,',
    '  deny @{PROC}/sysrq-trigger rwklx,',
    '  deny @{PROC}/kcore rwklx,',
    '  deny mount,',
    '  deny /sys/[^f]*/** wklx,',
    '  deny /sys/f[^s]*/** wklx,',
    '  deny /sys/fs/[^c]*/** wklx,',
    '  deny /sys/fs/c[^g]*/** wklx,',
    '  deny /sys/fs/cg[^r]*/** wklx,',
    '  deny /sys/firmware/** rwklx,',
    '  deny /sys/kernel/security/** rwklx,',
    '  ptrace (trace,read) peer=oci-ts-lsm-docker-default,',
    '}',
    '',
  ].join('\n'),
};

if (why) {
  t.pass(`skipped: ${why}`);
} else {
  const dir = fs.mkdtempSync('/tmp/oci-ts-apparmor-');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(PROFILES)) {
    const file = path.join(dir, `${name}.profile`);
    fs.writeFileSync(file, text);
    const r = spawnSync(parser!, ['-r', '--skip-cache', file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`apparmor_parser ${name}: ${r.stderr}`);
    t.teardown(() => { spawnSync(parser!, ['-R', file], { stdio: 'ignore' }); });
  }
  const caps = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_CHOWN', 'CAP_SYS_ADMIN'];
  const withCaps = (c: any) => { c.process.capabilities = { bounding: caps, effective: caps, permitted: caps }; };
  // What each check prints: the label, then a word for each action that succeeded.
  const PROBE = 'cat /proc/self/attr/current; echo; (echo x > /dev/shm/denied) 2>/dev/null && echo WROTE-DENIED; '
    + '(echo x > /dev/shm/allowed) && echo WROTE-ALLOWED; chown 1 /dev/shm/allowed 2>/dev/null && echo CHOWNED; true';
  const lines = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean);
  let n = 0;

  for (const rt of runtimes(dir)) {
    t.test(`${rt.name}: a profile that denies one write and one capability confines the container and its execs`, async (t) => {
      const id = uniqueId('aa');
      const b = lsmBundle(path.join(dir, `b${++n}`), (c) => {
        withCaps(c);
        c.process.apparmorProfile = DENY;
        // The init runs the probe itself, then waits for the execs.
        // (init.out appears whole: written aside, then renamed.)
        c.process.args = ['sh', '-c', `(${PROBE}) > /dev/shm/init.tmp 2>&1; mv /dev/shm/init.tmp /dev/shm/init.out; exec sleep 100000`];
      });
      const pidFile = path.join(dir, `${id}.pid`);
      const r = rt.run(['run', '-d', '--pid-file', pidFile, '-b', b, id]);
      t.equal(r.status, 0, `run -d: ${r.stderr}`);
      t.teardown(() => { rt.run(['delete', '--force', id]); });
      if (r.status !== 0) return;
      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      t.equal(fs.readFileSync(`/proc/${pid}/attr/current`, 'utf8').trim(), `${DENY} (enforce)`, 'the host sees the init confined (/proc/<pid>/attr/current)');
      t.equal(fs.readFileSync(`/proc/${pid}/attr/apparmor/current`, 'utf8').trim(), `${DENY} (enforce)`, 'and in attr/apparmor/current');

      // The init's own probe (written before any exec), then the same probe in an exec.
      let ex = rt.run(['exec', id, 'sh', '-c', `cat /dev/shm/init.out; echo EXEC; ${PROBE}`]);
      for (let i = 0; i < 50 && ex.status === 0 && !ex.stdout.startsWith(DENY); i++) {
        await new Promise((res) => setTimeout(res, 200));
        ex = rt.run(['exec', id, 'sh', '-c', `cat /dev/shm/init.out; echo EXEC; ${PROBE}`]);
      }
      t.equal(ex.status, 0, ex.stderr);
      const out = lines(ex.stdout);
      const at = out.indexOf('EXEC');
      t.same(out.slice(0, at), [`${DENY} (enforce)`, 'WROTE-ALLOWED'], 'inside, the init has the profile; the denied write and chown failed, the allowed write worked');
      t.same(out.slice(at + 1), [`${DENY} (enforce)`, 'WROTE-ALLOWED'], 'exec gets the container\'s profile: same label, same denials');

      const other = rt.run(['exec', '--apparmor', OTHER, id, 'sh', '-c', PROBE]);
      t.equal(other.status, 0, other.stderr);
      t.same(lines(other.stdout), [`${OTHER} (enforce)`, 'WROTE-DENIED', 'WROTE-ALLOWED', 'CHOWNED'], 'exec --apparmor: the other profile, under which the same write and chown work');

      // --process without apparmorProfile: the container's profile (runc's newInitConfig), never unconfined.
      const procFile = path.join(dir, `${id}.process.json`);
      fs.writeFileSync(procFile, JSON.stringify({ args: ['cat', '/proc/self/attr/current'], cwd: '/', env: ['PATH=/bin:/usr/bin'], user: { uid: 0, gid: 0 } }));
      const pf = rt.run(['exec', '--process', procFile, id]);
      t.equal(pf.status, 0, pf.stderr);
      const label = pf.stdout.replace(/\0/g, '').trim();
      // runc 1.1.5 runs such a process unconfined (measured here); oci-ts
      // keeps the container's profile, as `exec` without --process does:
      // a process.json that forgets the field must not escape the profile.
      if (rt.name === 'oci-ts') t.equal(label, `${DENY} (enforce)`, 'exec --process with no profile of its own: the container\'s');
      else t.comment(`runc exec --process with no apparmorProfile runs as: ${label}`);
    });

    t.test(`${rt.name}: a profile that is not loaded fails create and leaves nothing`, async (t) => {
      const id = uniqueId('aa');
      const b = lsmBundle(path.join(dir, `b${++n}`), (c) => { c.process.apparmorProfile = 'oci-ts-lsm-not-loaded'; c.process.args = ['true']; });
      const r = rt.run(['create', '-b', b, id]);
      t.not(r.status, 0, 'create fails');
      t.match(r.stderr, /oci-ts-lsm-not-loaded|attr\/apparmor\/exec/, `the error names the profile or the file (${r.stderr.trim()})`);
      t.match(r.stderr, /no such file or directory/i, 'ENOENT: the kernel has no such profile');
      t.notOk(fs.existsSync(path.join(rt.root, id)), 'no state directory');
      t.same(processLeftovers(id), [], 'no process left in its cgroup');
    });

    t.test(`${rt.name}: the docker-default rules run busybox and deny what Docker's profile denies`, async (t) => {
      const script = 'cat /proc/self/attr/current; echo; echo hello from busybox; ps >/dev/null && echo PS; '
        + 'cat /proc/kcore >/dev/null 2>&1 && echo READ-KCORE; mount -t tmpfs t /tmp 2>/dev/null && echo MOUNTED; true';
      const run = (profile?: string) => {
        const id = uniqueId('aa');
        const b = lsmBundle(path.join(dir, `b${++n}`), (c) => {
          withCaps(c);
          if (profile) c.process.apparmorProfile = profile;
          c.process.args = ['sh', '-c', script];
        });
        const r = rt.run(['run', '-b', b, id]);
        // `run` removes the container when its process exits; only a failed run may leave one.
        if (r.status !== 0) rt.run(['delete', '--force', id]);
        return r;
      };
      const confined = run('oci-ts-lsm-docker-default');
      t.equal(confined.status, 0, confined.stderr);
      t.same(lines(confined.stdout), ['oci-ts-lsm-docker-default (enforce)', 'hello from busybox', 'PS'], 'busybox runs; /proc/kcore and mount(2) are denied');
      // The same container unconfined: both work, so the denials above are the profile's.
      const free = run();
      t.equal(free.status, 0, free.stderr);
      t.same(lines(free.stdout), ['unconfined', 'hello from busybox', 'PS', 'READ-KCORE', 'MOUNTED'], 'unconfined, the same actions succeed');
    });
  }
}
