// The native front end (bin/oci-ts) and the warm planner (src/planner/serve.ts),
// design.md "The fast path": calls served warm give the cold path's output,
// the cold path is taken whenever the planner must not serve (turned off,
// another build, another namespace), another uid cannot connect, many callers
// at once, and a planner SIGKILLed in the middle of container lifecycles
// leaves every call either done or failed with a message, and nothing behind.
import t, { type Test } from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bin, busyboxBundle, cgroupLeftovers, executorAvailable, frontEnd, makeBundle, ociTs, processLeftovers, repoRoot, uniqueId } from './helpers.ts';

const skip = !fs.existsSync(frontEnd) ? 'no native front end built (bin/oci-ts)' : process.getuid?.() !== 0 ? 'not root' : undefined;
const plannerEntry = path.join(repoRoot, 'packages/cli/dist/bundle/planner.cjs');

interface Env { root: string; dir: string; env: NodeJS.ProcessEnv }

/** A root and a planner directory of this test's own (0700, as the planner requires). */
function setup(t: Test): Env {
  const base = t.testdir({ root: {} });
  // A short path: a unix socket's path is at most 107 bytes (unix(7)).
  const dir = fs.mkdtempSync('/tmp/oci-ts-planner-');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const env = { ...process.env, OCI_TS_PLANNER_DIR: dir, OCI_TS_PLANNER_IDLE_MS: '20000' };
  delete env.OCI_TS_PLANNER;
  delete env.NODE_EXTRA_CA_CERTS;
  const e = { root: path.join(base, 'root'), dir, env };
  t.teardown(() => { spawnSync(process.execPath, [bin, '--root', e.root, 'planner', 'stop'], { env }); });
  return e;
}

/** The front end (after `pre`, e.g. unshare), stdout/stderr to files: a created container inherits them, and a pipe would keep us waiting. */
function fe(e: Env, args: string[], env: NodeJS.ProcessEnv = e.env, pre: string[] = []) {
  const tmp = fs.mkdtempSync('/tmp/oci-ts-fe-');
  const out = fs.openSync(path.join(tmp, 'out'), 'w+');
  const err = fs.openSync(path.join(tmp, 'err'), 'w+');
  try {
    const r = spawnSync(pre[0] ?? frontEnd, [...pre.slice(1), ...(pre.length ? [frontEnd] : []), '--root', e.root, ...args], { env, timeout: 60_000, stdio: ['ignore', out, err] });
    return { status: r.status, stdout: fs.readFileSync(path.join(tmp, 'out'), 'utf8'), stderr: fs.readFileSync(path.join(tmp, 'err'), 'utf8') };
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** `planner status` through the JavaScript bin: through the front end it would itself start or replace planners. */
function status(e: Env): any {
  const r = spawnSync(process.execPath, [bin, '--root', e.root, 'planner', 'status'], { env: e.env, encoding: 'utf8' });
  return r.status === 0 ? JSON.parse(r.stdout) : undefined;
}

/** Waits until a planner answers (the first call starts one in the background). */
async function waitPlanner(e: Env, timeoutMs = 30_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = status(e);
    if (s?.running) return s;
    if (Date.now() > deadline) throw new Error('no planner started');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const pidAlive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

async function waitGone(pid: number, timeoutMs = 20_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (pidAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

t.test('calls served warm print what the cold path prints', { skip }, async (t) => {
  const e = setup(t);
  const cold = ociTs(['--root', e.root, 'state', 'nope']);
  fe(e, ['list']);
  const before = await waitPlanner(e);
  t.equal(before.root, e.root);
  const list = fe(e, ['list']);
  t.equal(list.status, 0);
  t.match(list.stdout, /^ID\s+PID\s+STATUS/);
  const missing = fe(e, ['state', 'nope']);
  t.equal(missing.status, cold.status, 'same exit code as the cold path');
  t.equal(missing.stderr.replace(/time="[^"]+"/, ''), cold.stderr.replace(/time="[^"]+"/, ''), 'same error text');
  const version = fe(e, ['version']);
  t.equal(version.status, 0);
  t.match(version.stdout, /oci-ts version/);
  t.equal(status(e).calls, before.calls + 3, 'the three calls were served by the planner');
  t.equal(status(e).pid, before.pid, 'one planner');
  // The planner's socket is only its owner's.
  t.equal(fs.statSync(before.socket).mode & 0o777, 0o600);
  t.equal(fs.statSync(e.dir).mode & 0o777, 0o700);
});

t.test('OCI_TS_PLANNER=0 and --no-planner take the cold path and start no planner', { skip }, async (t) => {
  const e = setup(t);
  for (const [env, pre] of [[{ ...e.env, OCI_TS_PLANNER: '0' }, []], [e.env, ['--no-planner']]] as const) {
    const r = spawnSync(frontEnd, [...pre, '--root', e.root, 'list'], { env, encoding: 'utf8' });
    t.equal(r.status, 0);
    t.match(r.stdout, /^ID\s+PID/);
  }
  await new Promise((r) => setTimeout(r, 1000));
  t.same(fs.readdirSync(e.dir), [], 'no socket');
  t.equal(status(e), undefined, 'status: none running');
});

t.test('a planner of another build is not used, and is replaced', { skip }, async (t) => {
  const e = setup(t);
  const socket = (await (async () => { fe(e, ['list']); return waitPlanner(e); })()).socket;
  spawnSync(process.execPath, [bin, '--root', e.root, 'planner', 'stop'], { env: e.env });
  await new Promise((r) => setTimeout(r, 300));
  // A planner started as another build would have been.
  const old = spawn(process.execPath, [plannerEntry], {
    env: { ...e.env, OCI_TS_PLANNER_ROOT: e.root, OCI_TS_PLANNER_SOCKET: socket, OCI_TS_PLANNER_BUILD: 'another build' },
    stdio: 'ignore', detached: true,
  });
  const s = await waitPlanner(e);
  t.equal(s.build, 'another build');
  const r = fe(e, ['list']);
  t.equal(r.status, 0, 'the call succeeds (cold)');
  t.equal(status(e)?.calls ?? 0, 0, 'the other build served nothing');
  t.ok(await waitGone(old.pid!), 'the other build retired once a planner of this build took its socket');
  const now = await waitPlanner(e);
  t.not(now.build, 'another build');
  t.equal(fe(e, ['list']).status, 0);
  t.equal(status(e).calls, 1, 'served by the new planner');
});

t.test('another uid cannot connect', { skip }, async (t) => {
  const e = setup(t);
  fe(e, ['list']);
  const s = await waitPlanner(e);
  const script = `const c=require('net').connect(${JSON.stringify(s.socket)});c.on('connect',()=>{console.log('connected');process.exit(0)});c.on('error',(e)=>{console.log(e.code);process.exit(0)})`;
  // cwd /: the checkout may be closed to that uid.
  const r = spawnSync(process.execPath, ['-e', script], { uid: 65534, gid: 65534, encoding: 'utf8', env: e.env, cwd: '/' });
  t.equal(r.stdout.trim(), 'EACCES');
  // The front end as that uid does not reach it either (cold path; its own error for the root dir).
  const as = spawnSync(frontEnd, ['--root', e.root, 'state', 'x'], { uid: 65534, gid: 65534, encoding: 'utf8', env: e.env, cwd: '/' });
  t.not(as.status, 0);
  t.equal(status(e).calls, 0, 'nothing served to another uid');
});

t.test('a caller in another mount, user or pid namespace gets the cold path', { skip }, async (t) => {
  const e = setup(t);
  fe(e, ['list']);
  await waitPlanner(e);
  for (const pre of [['unshare', '--mount'], ['unshare', '--pid', '--fork'], ['unshare', '--user', '--map-root-user']]) {
    const r = fe(e, ['list'], e.env, pre);
    t.equal(r.status, 0, `${pre.join(' ')}: ${r.stderr}`);
    t.match(r.stdout, /^ID\s+PID/);
  }
  t.equal(status(e).calls, 0, 'none of them was served by the planner');
  t.equal(fe(e, ['list']).status, 0);
  t.equal(status(e).calls, 1, 'the same call from the planner\'s namespaces is');
});

t.test('50 concurrent callers on one planner', { skip }, async (t) => {
  const e = setup(t);
  fe(e, ['list']);
  await waitPlanner(e);
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => new Promise<{ code: number | null; out: string }>((resolve) => {
    const c = spawn(frontEnd, ['--root', e.root, ...(i % 2 ? ['list', '-q'] : ['state', `c${i}`])], { env: e.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d) => { out += d; });
    c.stderr.on('data', (d) => { out += d; });
    c.on('close', (code) => resolve({ code, out }));
  })));
  results.forEach((r, i) => {
    if (i % 2) t.equal(r.code, 0, `list ${i}`);
    else { t.equal(r.code, 1, `state ${i}`); t.match(r.out, /container does not exist/); }
  });
  t.equal(status(e).calls, 50, 'all 50 served warm');
});

t.test('a planner SIGKILLed at random moments during create/start/kill/delete cycles', { skip: skip ?? (await executorAvailable()) }, async (t) => {
  const e = setup(t);
  fe(e, ['list']);
  await waitPlanner(e);
  busyboxBundle();
  const bundle = makeBundle(path.join(e.root, '..', 'bundle'), (c) => { c.process.args = ['sleep', '1000']; c.process.terminal = false; });
  // 200 cycles (the figure) take minutes on a loaded 2-core machine: CI runs 30, OCI_TS_TEST_PLANNER_CYCLES=200 the full count.
  const cycles = Number(process.env.OCI_TS_TEST_PLANNER_CYCLES ?? 30);
  let killed = 0, failed = 0;
  const ids: string[] = [];
  // A killer, in a process of its own (the calls below block this one): every
  // 20-300 ms, SIGKILL whatever planner answers on this root's socket; it
  // prints one line per kill.
  const socket = path.join(e.dir, fs.readdirSync(e.dir).find((n) => n.endsWith('.sock')) ?? '');
  const killerScript = `
    const net = require('net');
    const ask = () => new Promise((resolve) => {
      const c = net.connect(${JSON.stringify(socket)});
      let buf = Buffer.alloc(0);
      c.on('error', () => resolve(0));
      c.on('connect', () => { const b = Buffer.from(JSON.stringify({ op: 'status' })); const h = Buffer.alloc(4); h.writeUInt32LE(b.length); c.write(Buffer.concat([Buffer.from('OCIC'), h, b])); });
      c.on('data', (d) => { buf = Buffer.concat([buf, d]); if (buf.length >= 4 && buf.length >= 4 + buf.readUInt32LE(0)) { c.destroy(); resolve(JSON.parse(buf.subarray(4, 4 + buf.readUInt32LE(0))).pid); } });
      c.on('end', () => resolve(0));
    });
    (async () => { for (;;) {
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 280));
      const pid = await ask();
      if (pid) { try { process.kill(pid, 'SIGKILL'); console.log(pid); } catch {} }
    } })();`;
  const killer = spawn(process.execPath, ['-e', killerScript], { stdio: ['ignore', 'pipe', 'inherit'] });
  killer.stdout.on('data', (d) => { killed += String(d).trim().split('\n').length; });
  const stop = () => new Promise((r) => { killer.on('exit', r); killer.kill('SIGKILL'); });
  const call = (args: string[]) => {
    const r = fe(e, args);
    // Every call succeeds, or fails with a message (never silently, never hangs: spawnSync's timeout).
    if (r.status !== 0) { failed++; t.ok(r.stderr.trim().length > 0, `${args.join(' ')} failed with a message`); }
    t.equal(r.status !== null, true, `${args.join(' ')} exited`);
    return r;
  };
  try {
    for (let i = 0; i < cycles; i++) {
      const id = uniqueId('pk');
      ids.push(id);
      call(['create', '-b', bundle, id]);
      call(['start', id]);
      call(['kill', id, 'KILL']);
      call(['delete', '--force', id]);
      // Let the killer's output in.
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    await stop();
  }
  t.ok(killed > 0, `the planner was killed ${killed} times (${failed} calls failed cleanly)`);
  // Whatever a failed call left is still reachable: delete --force ends it, and then nothing is left.
  for (const id of ids) ociTs(['--root', e.root, 'delete', '--force', id]);
  t.same(fs.readdirSync(e.root).filter((n) => !n.startsWith('.')), [], 'no state directory left');
  t.same(fs.readdirSync(e.root).filter((n) => n.endsWith('.lock')), [], 'no lock left');
  const leftovers = ids.flatMap((id) => [...processLeftovers(id), ...cgroupLeftovers(id)]);
  t.same(leftovers, [], 'no process or cgroup left');
});
