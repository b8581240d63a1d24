// checkpoint and restore through CRIU (issue 18), runc as the control, in
// the QEMU guest (its Debian 6.1 kernel matches Debian's criu 3.17; this
// host's kernel makes criu fail, see checkpoint.test.ts). One container per
// runtime goes through the whole chain a user runs: a counter writing into
// a tmpfs, with a bind mount from the host; `checkpoint --pre-dump`, then
// `checkpoint --parent-path` (the container is gone), `restore --detach
// --pid-file` into the same id (it keeps counting from where it was: the
// same run token, a count not below the one before the dump, and it goes
// on), then `checkpoint --leave-running` (it is still running).
// Named -guest.test.ts, not .guest.test.ts: it runs in a guest run of its
// own (.ci/run's CRIU stage, as the AppArmor one), not in the v2 stage,
// whose 600 s timeout it would strain (under TCG one oci-ts checkpoint or
// restore takes 15-40 s, CRIU itself 5-16 s of it):
//   tools/guest/run-in-guest --timeout 480 node tools/guest/stage.mjs packages/cli/test/checkpoint-guest.test.ts
import t, { type Test } from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { busyboxBundle, executorAvailable, makeBundle, ociTs, uniqueId, type Result } from './helpers.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Alive and not a zombie (proc(5): the state after the last ')' of /proc/PID/stat). */
const alive = (pid: number) => { try { const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8'); return !/^[ZX]/.test(s.slice(s.lastIndexOf(')') + 2)); } catch { return false; } };
const hasCriu = ['/usr/sbin/criu', '/usr/bin/criu', '/sbin/criu'].some((p) => fs.existsSync(p));
const why = process.env.OCI_TS_IN_GUEST !== '1'
  ? 'runs in the QEMU guest (tools/guest/stage.mjs): criu 3.17 fails on this host kernel'
  : !hasCriu ? 'criu is not installed (tools/setup.sh installs it)' : await executorAvailable();

/** runc with the same stdio handling as helpers.ociTs (files, never pipes a detached container would hold). */
function runc(args: string[]): Result {
  const tmp = fs.mkdtempSync('/tmp/oci-ts-runc-out-');
  const out = fs.openSync(path.join(tmp, 'out'), 'w+');
  const err = fs.openSync(path.join(tmp, 'err'), 'w+');
  try {
    const r = spawnSync('runc', args, { timeout: 240_000, stdio: ['ignore', out, err] });
    return { status: r.status, stdout: fs.readFileSync(path.join(tmp, 'out'), 'utf8'), stderr: fs.readFileSync(path.join(tmp, 'err'), 'utf8'), signal: r.signal };
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (why) {
  t.pass(`skipped: ${why}`);
} else {
  const dir = fs.mkdtempSync('/tmp/oci-ts-criu-');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  // The init's stdio becomes the container's own /dev/null (the files the test runner gives it live on a host mount CRIU cannot dump);
  // a token fixed at start tells a restored counter from a restarted one.
  const COUNTER = 'exec </dev/null >/dev/null 2>&1; r=$(cat /proc/sys/kernel/random/uuid); i=0; while :; do i=$((i+1)); echo "$r $i" > /tmp/count; usleep 50000; done';

  for (const rt of ['runc', 'oci-ts'] as const) {
    t.test(`${rt}: pre-dump, dump with --parent-path, restore -d --pid-file, --leave-running`, async (t: Test) => {
      const base = path.join(dir, rt);
      const root = path.join(base, 'root');
      const cmd = (...args: string[]) => {
        const t0 = Date.now();
        const r = rt === 'runc' ? runc(['--root', root, ...args]) : ociTs(['--root', root, ...args], { timeout: 240_000 });
        t.comment(`${rt} ${args[0]}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        return r;
      };
      const id = uniqueId('cr');
      const hostDir = path.join(base, 'host');
      fs.mkdirSync(hostDir, { recursive: true });
      fs.writeFileSync(path.join(hostDir, 'marker'), 'from the host');
      const bundle = makeBundle(path.join(base, 'bundle'), (c) => {
        c.process.args = ['sh', '-c', COUNTER];
        // runc wants the real path of the rootfs (makeBundle links it).
        c.root.path = fs.realpathSync(path.join(busyboxBundle(), 'rootfs'));
        c.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=755'] });
        c.mounts.push({ destination: '/home', type: 'bind', source: hostDir, options: ['rbind', 'rw'] });
      });
      t.teardown(() => { cmd('delete', '--force', id); });
      const counter = (pid: number): { token: string; n: number } => {
        try {
          const [token, n] = fs.readFileSync(`/proc/${pid}/root/tmp/count`, 'utf8').trim().split(' ');
          return { token, n: Number(n) };
        } catch { return { token: '', n: 0 }; }
      };
      const advances = async (pid: number, from: number) => {
        for (let i = 0; i < 600; i++) { if (counter(pid).n > from) return true; await sleep(100); }
        return false;
      };
      const status = () => { const r = cmd('state', id); return r.status === 0 ? JSON.parse(r.stdout).status : `(state failed: ${r.stderr.trim()})`; };

      const pidFile = path.join(base, 'pid');
      let r = cmd('run', '-d', '--pid-file', pidFile, '-b', bundle, id);
      t.equal(r.status, 0, `run -d: ${r.stderr}`);
      if (r.status !== 0) return;
      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      t.ok(await advances(pid, 5), 'the counter runs');

      r = cmd('checkpoint', '--pre-dump', '--image-path', path.join(base, 'pre'), id);
      t.equal(r.status, 0, `checkpoint --pre-dump: ${r.stderr}`);
      t.equal(status(), 'running', 'still running after --pre-dump');
      t.ok(await advances(pid, counter(pid).n), 'and still counting');

      const before = counter(pid);
      r = cmd('checkpoint', '--image-path', path.join(base, 'full'), '--parent-path', '../pre', id);
      t.equal(r.status, 0, `checkpoint --parent-path ../pre: ${r.stderr}`);
      t.ok(fs.lstatSync(path.join(base, 'full/parent')).isSymbolicLink(), 'the dump links its pre-dump parent');
      t.notOk(alive(pid), 'the dumped init is gone');
      t.match(cmd('state', id).stderr, /does not exist/, 'and so is the container');

      const rpid = path.join(base, 'restored.pid');
      r = cmd('restore', '--detach', '--pid-file', rpid, '--image-path', path.join(base, 'full'), '-b', bundle, id);
      t.equal(r.status, 0, `restore -d --pid-file: ${r.stderr}`);
      if (r.status !== 0) return;
      const pid2 = Number(fs.readFileSync(rpid, 'utf8'));
      t.ok(pid2 > 0, `--pid-file holds the restored init (${pid2})`);
      t.equal(status(), 'running', 'state: running under the same id');
      const after = counter(pid2);
      t.equal(after.token, before.token, 'the restored counter is the dumped one, not a new run');
      t.ok(after.n >= before.n, `it resumes from where it was (${after.n} >= ${before.n}; the tmpfs came back with its content)`);
      t.ok(await advances(pid2, after.n), 'and keeps counting');
      t.equal(fs.readFileSync(`/proc/${pid2}/root/home/marker`, 'utf8'), 'from the host', 'the bind mount is back');

      r = cmd('checkpoint', '--leave-running', '--image-path', path.join(base, 'lr'), id);
      t.equal(r.status, 0, `checkpoint --leave-running: ${r.stderr}`);
      t.ok(fs.existsSync(path.join(base, 'lr/inventory.img')), 'the images are written');
      t.equal(status(), 'running', '--leave-running leaves it running');
      const lr = counter(pid2).n;
      const counting = await advances(pid2, lr);
      t.ok(counting, 'and counting');
      if (!counting) {
        const cg = /^0::(.*)$/m.exec(fs.readFileSync(`/proc/${pid2}/cgroup`, 'utf8'))?.[1] ?? '';
        t.comment(`stat: ${fs.readFileSync(`/proc/${pid2}/stat`, 'utf8')}; cgroup ${cg}; freeze ${fs.readFileSync(path.join('/sys/fs/cgroup', cg, 'cgroup.freeze'), 'utf8').trim()}; events ${fs.readFileSync(path.join('/sys/fs/cgroup', cg, 'cgroup.events'), 'utf8').replace(/\n/g, ' ')}`);
        t.comment(fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map((p) => { try { return `${p}:${fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ').slice(0, 60)}`; } catch { return ''; } }).filter((l) => /sh|usleep/.test(l)).join(' | '));
      }
    });
  }
}
