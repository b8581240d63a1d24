// Privileged: `exec` into real busybox containers on the real kernel, every
// behaviour checked from inside the container (and the host's /proc view of
// the container's init for comparison).
import t, { type Test } from 'tap';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { bin, cgroupLeftovers, executorAvailable, makeBundle, ociTs, uniqueId, type Result } from './helpers.ts';

const why = await executorAvailable();
if (why) {
  t.plan(0, `privileged exec tests skipped: ${why}`);
} else {
  const dir = t.testdir({ root: {} });
  const root = path.join(dir, 'root');
  let n = 0;
  const oci = (...args: string[]): Result => ociTs(['--root', root, ...args]);
  const nsLink = (pid: number | string, ns: string) => fs.readlinkSync(`/proc/${pid}/ns/${ns}`);
  const status = (pid: number | string, key: string) => fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${key}:\\s*(.*)$`, 'm'))?.[1];

  const ids: string[] = [];
  /** A running detached container (sleeping sh as init); removed at the end of the test. */
  const container = (t: Test, patch: (c: any) => void = () => {}) => {
    const id = uniqueId('px');
    const b = makeBundle(path.join(dir, `b${++n}`), (c) => { c.process.args = ['sh', '-c', 'echo ready > /dev/shm/ready; exec sleep 1000']; c.hostname = 'exec-box'; patch(c); });
    const r = oci('run', '-d', '-b', b, id);
    t.equal(r.status, 0, r.stderr);
    ids.push(id);
    t.teardown(() => { oci('delete', '--force', id); });
    const pid = JSON.parse(oci('state', id).stdout).pid as number;
    return { id, pid, bundle: b };
  };

  t.test('the process joins every namespace, the pid namespace (visible in ps), the cgroup and the root of the container', async (t) => {
    const { id, pid } = container(t);
    const pidFile = path.join(dir, 'exec.pid');
    const d = oci('exec', '--detach', '--pid-file', pidFile, id, 'sleep', '333');
    t.equal(d.status, 0, d.stderr);
    const bg = Number(fs.readFileSync(pidFile, 'utf8'));
    t.ok(bg > 0, 'the pid file holds the host pid');
    for (const ns of ['pid', 'net', 'ipc', 'uts', 'mnt', 'cgroup']) t.equal(nsLink(bg, ns), nsLink(pid, ns), `detached process in the container's ${ns} namespace`);
    t.equal(fs.readFileSync(`/proc/${bg}/cgroup`, 'utf8'), fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8'), 'in the container cgroups');
    const r = oci('exec', id, 'sh', '-c', 'hostname; cat /proc/1/comm; ps -o pid,comm; echo self=$$; for n in pid net ipc uts mnt; do readlink /proc/self/ns/$n; done; cat /dev/shm/ready; ls /');
    t.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n');
    t.equal(lines[0], 'exec-box', "the container's hostname");
    t.equal(lines[1], 'sleep', "pid 1 is the container's init");
    t.match(r.stdout, /^\s*\d+\s+sleep$/m, 'the container init in ps');
    t.ok(r.stdout.split('\n').some((l) => /^\s*\d+\s+sleep$/.test(l) && !/^\s*1\s/.test(l)), 'the detached exec process is in the container\'s ps');
    t.notMatch(r.stdout, /^self=1$/m, 'the exec\'d shell is not pid 1');
    const ns = lines.slice(lines.findIndex((l) => l.startsWith('self=')) + 1);
    ['pid', 'net', 'ipc', 'uts', 'mnt'].forEach((n, i) => t.equal(ns[i], nsLink(pid, n), `${n} namespace as the init's`));
    t.equal(ns[5], 'ready', "sees the container's /dev/shm (its mounts)");
    t.match(r.stdout, /\bbin\b/, "the container's root");
  });

  t.test('capabilities, user, env, cwd, rlimits and no_new_privs: the container\'s by default, the given ones with flags', async (t) => {
    const { id, pid } = container(t, (c) => { c.process.noNewPrivileges = false; c.process.env.push('FROM_CONFIG=1'); });
    const def = oci('exec', id, 'sh', '-c', 'grep -E "^(CapEff|CapBnd|NoNewPrivs)" /proc/self/status; id -u; id -g; echo $FROM_CONFIG; pwd; ulimit -n');
    t.equal(def.status, 0, def.stderr);
    t.match(def.stdout, `CapEff:\t${status(pid, 'CapEff')}`, "the init's effective caps");
    t.match(def.stdout, `CapBnd:\t${status(pid, 'CapBnd')}`, "the init's bounding set");
    t.match(def.stdout, /NoNewPrivs:\t0/);
    t.match(def.stdout, /\n0\n0\n1\n\/\n1024\n$/, 'uid 0, gid 0, the config env, cwd /, RLIMIT_NOFILE 1024');
    const r = oci('exec', '--user', '1000:1001', '--additional-gids', '5', '--additional-gids', '7', '--env', 'FOO=bar', '--cwd', '/tmp', '--cap', 'CAP_SYS_ADMIN', '--no-new-privs',
      id, 'sh', '-c', 'grep -E "^(CapBnd|Groups|NoNewPrivs)" /proc/self/status; id -u; id -g; echo $FOO $FROM_CONFIG; pwd');
    t.equal(r.status, 0, r.stderr);
    const bnd = BigInt(`0x${/CapBnd:\t(\w+)/.exec(r.stdout)?.[1]}`);
    t.ok(bnd & (1n << 21n), 'CAP_SYS_ADMIN added to the bounding set');
    t.match(r.stdout, /Groups:\t5 7/);
    t.match(r.stdout, /NoNewPrivs:\t1/);
    t.match(r.stdout, /\n1000\n1001\nbar 1\n\/tmp\n$/);
    const bad = oci('exec', '--user', 'nobody', id, 'true');
    t.not(bad.status, 0);
    t.match(bad.stderr, /parsing nobody as int for uid failed/);
  });

  t.test('seccomp filter of the container, exit code and --process FILE', async (t) => {
    const { id } = container(t, (c) => {
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] };
    });
    const r = oci('exec', id, 'sh', '-c', 'grep Seccomp: /proc/self/status; mkdir /dev/shm/x 2>&1; exit 7');
    t.equal(r.status, 7, 'the exit code comes back');
    t.match(r.stdout, /Seccomp:\t2/);
    t.match(r.stdout, /Operation not permitted/, 'mkdir refused by the container filter');
    const pf = path.join(dir, 'process.json');
    fs.writeFileSync(pf, JSON.stringify({ args: ['sh', '-c', 'echo $ONLY; id -u; pwd'], env: ['ONLY=process-json', 'PATH=/bin'], cwd: '/dev', user: { uid: 42, gid: 42 } }));
    const p = oci('exec', '--process', pf, id);
    t.equal(p.status, 0, p.stderr);
    t.equal(p.stdout, 'process-json\n42\n/dev\n');
    fs.writeFileSync(pf, JSON.stringify({ args: 'not-an-array', cwd: '/' }));
    const bad = oci('exec', '--process', pf, id);
    t.not(bad.status, 0);
    t.match(bad.stderr, /invalid --process: \/process\/args/);
  });

  t.test('--preserve-fds passes extra fds; signals are forwarded', async (t) => {
    const { id } = container(t);
    const f = path.join(dir, 'extra');
    fs.writeFileSync(f, 'extra-fd-content\n');
    const fd = fs.openSync(f, 'r');
    const out = path.join(dir, 'pf.out');
    const o = fs.openSync(out, 'w');
    const r = spawnSync(process.execPath, [bin, '--root', root, 'exec', '--preserve-fds', '1', id, 'sh', '-c', 'cat <&3; ls /proc/self/fd | tr "\\n" " "'], { stdio: ['ignore', o, 'inherit', fd], timeout: 30_000 });
    fs.closeSync(fd); fs.closeSync(o);
    t.equal(r.status, 0);
    const text = fs.readFileSync(out, 'utf8');
    t.match(text, /^extra-fd-content\n/);
    t.match(text, /^extra-fd-content\n0 1 2 3 \d+ $/, 'only 0-3 (and ls\'s own directory fd) are open');
    const child = spawn(process.execPath, [bin, '--root', root, 'exec', id, 'sh', '-c', 'trap "echo got-term; exit 3" TERM; echo up; while :; do sleep 0.05; done'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    await new Promise<void>((resolve) => child.stdout.on('data', (d) => { stdout += d; if (stdout.includes('up')) resolve(); }));
    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.on('close', resolve));
    t.equal(code, 3, 'SIGTERM reached the process, whose exit code came back');
    t.match(stdout, /got-term/);
  });

  t.test('exec --tty with --console-socket: the pty master arrives by SCM_RIGHTS', async (t) => {
    const { id } = container(t);
    const { recvFd } = (await import('@oci/core')) as unknown as { recvFd: (fd: number, ms?: number) => { fd: number; data: string } };
    const sockPath = path.join('/tmp', `oci-ts-console-${process.pid}.sock`);
    fs.rmSync(sockPath, { force: true });
    // pauseOnConnect: Node must not read (and drop) the SCM_RIGHTS message itself.
    const server = net.createServer({ pauseOnConnect: true });
    await new Promise<void>((r) => server.listen(sockPath, r));
    t.teardown(() => { server.close(); fs.rmSync(sockPath, { force: true }); });
    const got = new Promise<{ fd: number; data: string }>((resolve, reject) => server.once('connection', (c) => {
      try { resolve(recvFd((c as unknown as { _handle: { fd: number } })._handle.fd, 20_000)); } catch (e) { reject(e); } finally { c.destroy(); }
    }));
    const child = spawn(process.execPath, [bin, '--root', root, 'exec', '--tty', '--console-socket', sockPath, '--detach', id, 'sh', '-c', 'tty; stty size; echo hello-pty; sleep 2'], { stdio: 'ignore' });
    const code = await new Promise((resolve) => child.on('close', resolve));
    t.equal(code, 0);
    const { fd } = await got;
    let text = '';
    await new Promise<void>((resolve) => {
      const s = fs.createReadStream('', { fd, autoClose: true });
      s.on('data', (d) => { text += d; if (text.includes('hello-pty')) { s.destroy(); resolve(); } });
      s.on('error', () => resolve());
      s.on('end', () => resolve());
    });
    t.match(text, /\/dev\/pts\/\d+/, 'the process has a pty as its terminal');
    t.match(text, /hello-pty/);
    const noSock = oci('exec', '--tty', '--detach', id, 'true');
    t.match(noSock.stderr, /cannot allocate tty if oci-ts will detach without setting console socket/);
  });

  t.test('exec --tty in the foreground uses the caller\'s terminal (size, exit code)', async (t) => {
    if (spawnSync('script', ['--version']).status !== 0) { t.pass('skipped: script(1) from util-linux is not installed'); return; }
    const { id } = container(t);
    // script(1) gives the command a real terminal of 33x91.
    const cmd = `stty cols 91 rows 33; ${process.execPath} ${bin} --root ${root} exec -t ${id} sh -c 'tty; stty size; echo in-tty; exit 5'`;
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 30_000, stdio: ['pipe', 'pipe', 'pipe'] });
    t.equal(r.status, 5, `exit code through the terminal; ${r.stderr}`);
    t.match(r.stdout, /\/dev\/pts\/\d+/);
    t.match(r.stdout, /33 91/, 'the pty has the caller\'s size');
    t.match(r.stdout, /in-tty/);
  });

  t.test('--cgroup puts the process in an existing sub-cgroup of the container', async (t) => {
    const { id, pid } = container(t);
    const own = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => /:pids:/.test(l))!.split(':')[2];
    const sub = path.join('/sys/fs/cgroup/pids', own, 'sub');
    fs.mkdirSync(sub);
    const r = oci('exec', '--cgroup', 'pids:sub', id, 'cat', '/proc/self/cgroup');
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, new RegExp(`:pids:${own}/sub$`, 'm'), 'pids: the sub-cgroup');
    t.match(r.stdout, new RegExp(`:freezer:${own}$`, 'm'), 'other controllers: the container cgroup');
    const bad = oci('exec', '--cgroup', 'nosuch', id, 'true');
    t.not(bad.status, 0);
    t.match(bad.stderr, /--cgroup: .*nosuch does not exist/);
    // Paths that leave the container's cgroup are refused with runc's text;
    // nothing runs (the marker file is never written).
    for (const arg of ['..', 'pids:../x', '/../..', 'sub/../..']) {
      const out = oci('exec', '--cgroup', arg, id, 'sh', '-c', 'echo ran > /dev/shm/escaped');
      t.not(out.status, 0, `--cgroup ${arg} fails`);
      t.match(out.stderr, new RegExp(`${arg.replace(/^pids:/, '').replace(/\./g, '\\.')} is not a sub cgroup path`), `--cgroup ${arg}: runc's text`);
    }
    t.equal(oci('exec', id, 'sh', '-c', 'cat /dev/shm/escaped 2>/dev/null || echo none').stdout, 'none\n', 'no process ran outside the cgroup');
    const inside = oci('exec', '--cgroup', 'pids:sub/../sub', id, 'cat', '/proc/self/cgroup');
    t.match(inside.stdout, new RegExp(`:pids:${own}/sub$`, 'm'), 'a path with .. that stays inside is accepted (as runc)');
  });

  t.test('errors as runc: missing, stopped and paused containers', async (t) => {
    const missing = oci('exec', 'no-such-container', 'true');
    t.not(missing.status, 0);
    t.match(missing.stderr, /does not exist/);
    const { id } = container(t);
    t.equal(oci('pause', id).status, 0);
    const paused = oci('exec', id, 'true');
    t.not(paused.status, 0);
    t.match(paused.stderr, /cannot exec in a paused container \(use --ignore-paused to override\)/);
    t.equal(oci('resume', id).status, 0);
    t.equal(oci('kill', id, 'KILL').status, 0);
    for (let i = 0; i < 200 && JSON.parse(oci('state', id).stdout).status !== 'stopped'; i++) await new Promise((r) => setTimeout(r, 20));
    const stopped = oci('exec', id, 'true');
    t.not(stopped.status, 0);
    t.match(stopped.stderr, /cannot exec in a stopped container/);
  });

  t.test('every container and cgroup is gone afterwards', async (t) => {
    t.same(fs.readdirSync(root).filter((f) => !f.startsWith('.')), []);
    for (const id of ids) t.same(cgroupLeftovers(id), [], `no cgroup left for ${id}`);
  });
}
