// Privileged: the exit codes and texts callers match, on real busybox
// containers, runc 1.1.5 beside oci-ts on the same config (issue 12 bug 19,
// the container rows of the README's exit code table): exec failures exit
// 255, exec and run pass the process' status through, `kill ID 0`, `ps ID
// -e -x`, `ps` on a stopped container, device access "rwa", runc's seccomp
// notify texts, and --debug's step lines.
import t, { type Test } from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { busyboxBundle, cgroupLeftovers, executorAvailable, makeBundle, ociTs, uniqueId, type Result } from './helpers.ts';

const hasRunc = spawnSync('runc', ['--version']).status === 0;
const msg = (stderr: string) => /level=error msg="((?:[^"\\]|\\.)*)"/.exec(stderr)?.[1];

const why = await executorAvailable();
if (why) {
  t.test('privileged exit code tests', async (t) => { t.plan(0, `skipped: ${why}`); });
} else {
  const dir = t.testdir({ root: {}, rroot: {} });
  const root = path.join(dir, 'root');
  const rroot = path.join(dir, 'rroot');
  let n = 0;
  const oci = (...args: string[]): Result => ociTs(['--root', root, ...args]);
  const runc = (...args: string[]): Result => {
    const r = spawnSync('runc', ['--root', rroot, ...args], { encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
  };
  /** A bundle both runtimes run: runc refuses a symlinked rootfs, so root.path is the shared rootfs itself. */
  const bundle = (patch: (c: any) => void = () => {}) => makeBundle(path.join(dir, `b${++n}`), (c) => {
    c.root.path = path.join(busyboxBundle(), 'rootfs');
    c.process.terminal = false;
    c.process.args = ['sleep', '1000000'];
    patch(c);
  });
  /**
   * `run -d` with each runtime (runc only when installed), under different
   * ids: both put a container's cgroup at /<id>. Deleted at teardown.
   */
  const both = (t: Test, patch?: (c: any) => void) => {
    const b = bundle(patch);
    const id = uniqueId('op');
    const rid = `${id}-runc`;
    const r = oci('run', '-d', '-b', b, id);
    t.equal(r.status, 0, r.stderr);
    t.teardown(() => { oci('delete', '--force', id); });
    if (hasRunc) {
      const rr = runc('run', '-d', '-b', b, rid);
      t.equal(rr.status, 0, `runc: ${rr.stderr}`);
      t.teardown(() => { runc('delete', '--force', rid); });
    }
    return { id, rid };
  };
  /** The same call (`args(id)`) to both runtimes: the same exit code. */
  const same = (t: Test, what: string, ids: { id: string; rid: string }, args: (id: string) => string[], code: number) => {
    const o = oci(...args(ids.id));
    t.equal(o.status, code, `oci-ts ${what}: ${code} ${o.stderr}`);
    if (hasRunc) t.equal(runc(...args(ids.rid)).status, code, `runc ${what}: ${code}`);
    return o;
  };

  t.test('exec: the process\' status, 128+signal, and 255 when it cannot start (README table)', async (t) => {
    const ids = both(t);
    same(t, 'exec exit 7', ids, (id) => ['exec', id, 'sh', '-c', 'exit 7'], 7);
    same(t, 'exec killed by SIGKILL', ids, (id) => ['exec', id, 'sh', '-c', 'kill -9 $$'], 137);
    const o = same(t, 'exec of a missing program', ids, (id) => ['exec', id, '/nonexistent'], 255);
    t.match(msg(o.stderr), /^exec failed: .*\/nonexistent/, "runc's \"exec failed: \" prefix");
    same(t, 'exec without a command', ids, (id) => ['exec', id], 255);
    same(t, 'exec with a --process file that does not exist', ids, (id) => ['exec', '-p', path.join(dir, 'nope.json'), id], 255);
  });

  t.test('run in the foreground passes the status through (README table)', async (t) => {
    const b = bundle((c) => { c.process.args = ['sh', '-c', 'exit 5']; });
    t.equal(oci('run', '-b', b, uniqueId('op')).status, 5);
    if (hasRunc) t.equal(runc('run', '-b', b, uniqueId('op')).status, 5, 'runc too');
  });

  t.test('kill ID 0 checks the init exists; ps passes options to ps(1)', async (t) => {
    const ids = both(t);
    const { id, rid } = ids;
    same(t, 'kill 0', ids, (x) => ['kill', x, '0'], 0);
    const ps = same(t, 'ps -e -x', ids, (x) => ['ps', x, '-e', '-x'], 0);
    t.match(ps.stdout.split('\n')[0], /PID\s+TTY\s+STAT\s+TIME\s+COMMAND/, 'ps -e -x columns (ps(1) ran with the options)');
    t.match(ps.stdout, /sleep 1000000/, 'the container\'s process is listed');
    t.equal(oci('ps', id, '--', '-o', 'pid,comm').status, 0, 'ps ID -- OPTIONS (oci-ts also takes an explicit --)');
    // Stopped: kill fails, ps prints ps(1)'s header alone (JSON: null), as runc.
    oci('kill', id, 'KILL');
    if (hasRunc) runc('kill', rid, 'KILL');
    for (let i = 0; i < 100 && JSON.parse(oci('state', id).stdout).status !== 'stopped'; i++) await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 100 && hasRunc && JSON.parse(runc('state', rid).stdout).status !== 'stopped'; i++) await new Promise((r) => setTimeout(r, 50));
    const k = same(t, 'kill 0 on a stopped container', ids, (x) => ['kill', x, '0'], 1);
    t.equal(msg(k.stderr), 'container not running');
    const st = same(t, 'ps on a stopped container', ids, (x) => ['ps', x], 0);
    t.equal(st.stdout.trim().split('\n').length, 1, 'the header alone');
    if (hasRunc) t.equal(st.stdout, runc('ps', rid).stdout, 'the same header as runc');
    t.equal(same(t, 'ps --format json on a stopped container', ids, (x) => ['ps', '--format', 'json', x], 0).stdout, 'null\n');
  });

  t.test('device access "rwa": accepted as runc (letters other than r, w, m ignored)', async (t) => {
    const { id } = both(t, (c) => { c.linux.resources.devices.push({ allow: true, type: 'c', major: 1, minor: 3, access: 'rwa' }); });
    const r = oci('exec', id, 'sh', '-c', 'echo x > /dev/null && echo ok');
    t.equal(r.stdout.trim(), 'ok', '/dev/null is writable (the rule granted rw)');
    const bad = oci('create', '-b', bundle((c) => { c.linux.resources.devices.push({ allow: true, type: 'c', major: 1, minor: 3, access: 'x' }); }), uniqueId('op'));
    t.equal(bad.status, 1, 'an access with none of r, w, m is refused');
    t.match(bad.stderr, /devices\[\d+\]\.access/);
  });

  t.test('seccomp notify errors in runc\'s words', async (t) => {
    const sock = path.join(dir, 'nobody.sock');
    const notify = (names: string[]) => (c: any) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: sock, syscalls: [{ names, action: 'SCMP_ACT_NOTIFY' }] }; };
    const w = oci('create', '-b', bundle(notify(['write'])), uniqueId('op'));
    t.equal(w.status, 1);
    t.match(w.stderr, /SCMP_ACT_NOTIFY cannot be used for the write syscall/);
    const id = uniqueId('op');
    const c = oci('create', '-b', bundle(notify(['mkdir'])), id);
    t.equal(c.status, 1);
    t.match(c.stderr, /failed to connect with seccomp agent/);
    t.same(cgroupLeftovers(id), [], 'nothing left behind');
    if (hasRunc) {
      t.match(runc('create', '-b', bundle(notify(['write'])), uniqueId('op')).stderr, /SCMP_ACT_NOTIFY cannot be used for the write syscall/, 'runc: the same words');
      t.match(runc('create', '-b', bundle(notify(['mkdir'])), uniqueId('op')).stderr, /failed to connect with seccomp agent/, 'runc: the same words');
    }
  });
}

if (!why) {
  t.test('--debug logs every step of create, start, exec and delete (JSON and text, to --log or stderr)', async (t) => {
    const dir = t.testdir({ root: {} });
    const root = path.join(dir, 'root');
    const log = path.join(dir, 'debug.json');
    const hook = { path: '/bin/true', args: ['true'] };
    const b = makeBundle(path.join(dir, 'b'), (c) => {
      c.process.terminal = false;
      c.process.args = ['sleep', '1000000'];
      c.hooks = { prestart: [hook], createRuntime: [hook], poststart: [hook], poststop: [hook] };
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] };
    });
    const id = uniqueId('dbg');
    const dbg = (...args: string[]) => ociTs(['--root', root, '--debug', '--log', log, '--log-format', 'json', ...args]);
    t.teardown(() => { ociTs(['--root', root, 'delete', '--force', id]); });
    for (const args of [['create', '-b', b, id], ['start', id], ['exec', id, 'true'], ['kill', id, 'KILL']]) {
      const r = dbg(...args);
      t.equal(r.status, 0, `${args[0]}: ${r.stderr}`);
    }
    for (let i = 0; i < 200 && JSON.parse(ociTs(['--root', root, 'state', id]).stdout).status !== 'stopped'; i++) await new Promise((r) => setTimeout(r, 50));
    t.equal(dbg('delete', id).status, 0);
    const lines = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    t.ok(lines.every((l) => typeof l.time === 'string' && typeof l.level === 'string' && typeof l.msg === 'string'), 'every line is a logrus JSON line');
    const has = (re: RegExp, pred: (l: any) => boolean = () => true) => lines.some((l) => re.test(l.msg) && pred(l));
    t.ok(has(/^namespace: new$/, (l) => l.type === 'pid' && l.id === id), 'create: the namespaces made');
    t.ok(has(/^mount$/, (l) => l.destination === '/proc' && l.type === 'proc'), 'create: each mount');
    t.ok(has(/^rootfs$/, (l) => l.pivot_root === true), 'create: pivot_root');
    t.ok(has(/^seccomp filter$/, (l) => l.instructions > 0 && l.bytes === l.instructions * 8), 'create: the seccomp filter size');
    t.ok(has(/^cgroup: init placed$/, (l) => Object.keys(l.paths).length > 0), 'create: cgroup paths');
    for (const step of ['pid', 'createRuntime', 'ready']) t.ok(has(new RegExp(`^init protocol: ${step}$`), (l) => typeof l.at_ms === 'number'), `create: init protocol step ${step}, timed`);
    for (const kind of ['prestart', 'createRuntime', 'poststart', 'poststop']) t.ok(has(new RegExp(`^hook ${kind}: done$`), (l) => l.status === 0 && l.path === '/bin/true'), `${kind} hook with its status`);
    t.ok(has(/^start: the process runs$/), 'start: its steps');
    t.ok(has(/^namespace: join$/, (l) => l.type === 'pid' && /\/proc\/\d+\/ns\/pid/.test(l.path)), 'exec: the namespaces joined');
    t.ok(has(/^cgroup: process placed$/), 'exec: its cgroup');
    t.ok(has(/^delete: cgroups removed$/) && has(/^delete: state removed$/), 'delete: its steps');
    // Text format on stderr (no --log): logrus' key=value lines.
    const r = ociTs(['--root', root, '--debug', 'spec', '--bundle', t.testdir({})]);
    t.equal(r.status, 0);
    t.match(r.stderr, /^time="[^"]+" level=debug msg="command spec"/m, 'text lines on stderr');
  });
}
