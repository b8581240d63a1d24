// Privileged integration tests: real containers from the busybox bundle on
// the real kernel, each behaviour checked from inside the container.
// Skipped (saying why) when not root or when @oci/core's executor is absent.
import t from 'tap';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { cgroupLeftovers, executorAvailable, makeBundle, ociTs, processLeftovers, uniqueId, type Result } from './helpers.ts';

const why = await executorAvailable();
if (why) {
  t.plan(0, `privileged container tests skipped: ${why}`);
} else {
  const dir = t.testdir({ root: {} });
  const root = path.join(dir, 'root');
  let n = 0;
  const bundle = (patch: (cfg: any) => void = () => {}) => makeBundle(path.join(dir, `b${++n}`), patch);
  const sh = (script: string, patch: (cfg: any) => void = () => {}, extra: string[] = []): Result => {
    const b = bundle((c) => { c.process.args = ['sh', '-c', script]; patch(c); });
    return ociTs(['--root', root, 'run', '-b', b, ...extra, uniqueId()]);
  };
  const hostNs = (ns: string) => fs.readlinkSync(`/proc/self/ns/${ns}`);

  t.afterEach(() => {
    // Every test leaves the root empty: run deletes what it created.
    if (!fs.existsSync(root)) return;
    const left = fs.readdirSync(root).filter((f) => !f.startsWith('.'));
    if (left.length) for (const id of left) ociTs(['--root', root, 'delete', '--force', id]);
  });

  t.test('namespaces differ from the host, pid 1, hostname', async (t) => {
    const r = sh('for n in pid net ipc uts mnt; do readlink /proc/self/ns/$n; done; echo pid=$$; hostname', (c) => { c.hostname = 'oci-test'; });
    t.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    ['pid', 'net', 'ipc', 'uts', 'mnt'].forEach((ns, i) => t.not(lines[i], hostNs(ns), `${ns} namespace is new`));
    t.equal(lines[5], 'pid=1', 'the process is pid 1');
    t.equal(lines[6], 'oci-test');
  });

  t.test('mounts and their flags, read-only root, masked and read-only paths', async (t) => {
    const r = sh('cat /proc/self/mounts; echo ---; touch /x 2>&1 || echo rofs; echo keys=$(cat /proc/keys | wc -c) timer_list=$(cat /proc/timer_list | wc -c); echo 1 > /proc/sys/vm/overcommit_memory 2>&1 || echo procsys-ro');
    t.equal(r.status, 0, r.stderr);
    const [mountsText, rest] = r.stdout.split('---\n');
    const mounts = mountsText.trim().split('\n').map((l) => l.split(' '));
    const at = (p: string) => mounts.filter((m) => m[1] === p).pop();
    t.match(at('/')?.[3], /^ro,/, 'root is read-only');
    t.equal(at('/proc')?.[2], 'proc');
    t.equal(at('/dev')?.[2], 'tmpfs');
    t.match(at('/dev')?.[3], /nosuid/);
    t.equal(at('/sys')?.[2], 'sysfs');
    t.match(at('/sys')?.[3], /^ro,.*nosuid.*nodev.*noexec/);
    t.equal(at('/dev/pts')?.[2], 'devpts');
    t.equal(at('/dev/shm')?.[2], 'tmpfs');
    t.equal(at('/dev/mqueue')?.[2], 'mqueue');
    t.match(at('/proc/sys')?.[3], /^ro,/, '/proc/sys is a read-only path');
    t.match(at('/sys/fs/cgroup/memory')?.[3] ?? '', /^ro,/, 'the container sees its cgroups read-only');
    t.match(rest, /rofs/, 'writing to / fails');
    t.ok(fs.readFileSync('/proc/keys', 'utf8').length > 0 && fs.readFileSync('/proc/timer_list', 'utf8').length > 0, 'the host has content there');
    t.match(rest, /keys=0 timer_list=0/, '/proc/keys and /proc/timer_list are masked');
    t.match(rest, /procsys-ro/);
  });

  t.test('devices and /dev symlinks', async (t) => {
    const r = sh('for d in null zero full random urandom tty; do stat -c "%n %F %t:%T %a" /dev/$d; done; readlink /dev/fd; readlink /dev/stdin; readlink /dev/ptmx; echo hi > /dev/null && echo null-ok', (c) => {
      c.linux.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o600 }];
      c.process.args[2] += '; stat -c "%n %t:%T %a" /dev/fuse';
    });
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, /\/dev\/null character special file 1:3 666/);
    t.match(r.stdout, /\/dev\/zero character special file 1:5 666/);
    t.match(r.stdout, /\/dev\/tty character special file 5:0 666/);
    t.match(r.stdout, /\/proc\/self\/fd\n\/proc\/self\/fd\/0\npts\/ptmx/);
    t.match(r.stdout, /null-ok/);
    t.match(r.stdout, /\/dev\/fuse a:e5 600/, 'linux.devices node (10:229 in hex)');
  });

  t.test('recursive mount attributes: rro reaches submounts, ro does not (mount_setattr)', async (t) => {
    // A host directory with a tmpfs mounted inside it: rbind copies both.
    const src = path.join(dir, 'rro-src');
    fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
    const m = spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', path.join(src, 'sub')]);
    t.equal(m.status, 0, 'a submount on the host');
    t.teardown(() => { spawnSync('umount', ['-l', path.join(src, 'sub')]); });
    const probe = 'touch /data/top 2>/dev/null && echo top-rw || echo top-ro; touch /data/sub/f 2>/dev/null && echo sub-rw || echo sub-ro; cp /bin/busybox /data/sub/true 2>/dev/null; /data/sub/true 2>/dev/null && echo run-ok || echo run-fail';
    const withOpts = (options: string[]) => {
      for (const f of fs.readdirSync(path.join(src, 'sub'))) fs.rmSync(path.join(src, 'sub', f));
      return sh(probe, (c) => { c.mounts.push({ destination: '/data', type: 'bind', source: src, options }); });
    };
    const ro = withOpts(['rbind', 'ro']);
    t.equal(ro.status, 0, ro.stderr);
    t.equal(ro.stdout, 'top-ro\nsub-rw\nrun-ok\n', 'ro: only the top mount is read-only');
    const rro = withOpts(['rbind', 'rro']);
    t.equal(rro.status, 0, rro.stderr);
    t.equal(rro.stdout, 'top-ro\nsub-ro\nrun-fail\n', 'rro: the submount too (nothing could be copied in to run)');
    const rnoexec = withOpts(['rbind', 'rnoexec']);
    t.equal(rnoexec.stdout, 'top-rw\nsub-rw\nrun-fail\n', 'rnoexec: the copy in the submount cannot run');
    t.same(fs.readdirSync(path.join(src, 'sub')).sort(), ['f', 'true'], 'it was copied: the writes reached the host submount');
  });

  t.test('a linux.devices node is usable only with a linux.resources.devices allow rule (as runc)', async (t) => {
    const fuse = { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666 };
    const denied = sh(': < /dev/fuse && echo opened', (c) => { c.linux.devices = [fuse]; });
    t.match(denied.stderr, /Operation not permitted/, 'the device cgroup refuses the open');
    t.notMatch(denied.stdout, /opened/);
    const allowed = sh(': < /dev/fuse && echo opened', (c) => {
      c.linux.devices = [fuse];
      c.linux.resources.devices.push({ allow: true, type: 'c', major: 10, minor: 229, access: 'rw' });
    });
    t.match(allowed.stdout, /opened/, allowed.stderr);
    // A redefined default path loses its default rule: /dev/null as 1:5 (zero) is still allowed via 1:5's rule,
    // but 1:3 is no longer allowed anywhere else: a second node for it is refused.
    const redefined = sh('echo x > /dev/null && echo null-ok; echo x > /dev/null3 && echo null3-ok', (c) => {
      c.linux.devices = [{ path: '/dev/null', type: 'c', major: 1, minor: 5, fileMode: 0o666 }, { path: '/dev/null3', type: 'c', major: 1, minor: 3, fileMode: 0o666 }];
    });
    t.match(redefined.stdout, /null-ok/);
    t.notMatch(redefined.stdout, /null3-ok/, 'the default 1:3 rule went with the redefined /dev/null');
  });

  t.test('capabilities, no_new_privs, rlimits, user, groups, umask, cwd, env', async (t) => {
    const r = sh('grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Uid|Gid|Groups):" /proc/self/status; ulimit -Sn; ulimit -Hn; umask; pwd; echo "FOO=$FOO"', (c) => {
      c.process.user = { uid: 1000, gid: 1001, additionalGids: [5, 6], umask: 0o027 };
      c.process.cwd = '/tmp';
      c.process.env.push('FOO=bar baz');
      c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 777, hard: 888 }];
      c.process.capabilities = { bounding: ['CAP_CHOWN', 'CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'], inheritable: ['CAP_KILL'], ambient: ['CAP_KILL'] };
    });
    t.equal(r.status, 0, r.stderr);
    const st = Object.fromEntries(r.stdout.split('\n').filter((l) => l.includes(':\t')).map((l) => l.split(':\t')));
    t.equal(st.CapBnd, '0000000000000021', 'bounding: CHOWN|KILL');
    t.equal(st.CapEff, '0000000000000020', 'effective: KILL');
    t.equal(st.CapPrm, '0000000000000020');
    t.equal(st.CapInh, '0000000000000020');
    t.equal(st.CapAmb, '0000000000000020');
    t.equal(st.NoNewPrivs, '1');
    t.match(st.Uid, /^1000\t1000\t1000\t1000/);
    t.match(st.Gid, /^1001\t1001\t1001\t1001/);
    t.equal(st.Groups.trim(), '5 6');
    t.match(r.stdout, /\n777\n888\n0027\n\/tmp\nFOO=bar baz\n/);
  });

  t.test('default capabilities and the fds the container holds', async (t) => {
    const r = sh('grep -E "^(CapEff|CapBnd):" /proc/self/status; ls /proc/self/fd | tr "\\n" " "');
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, /CapEff:\t0000000020000420/, 'KILL, NET_BIND_SERVICE, AUDIT_WRITE');
    t.match(r.stdout, /CapBnd:\t0000000020000420/);
    t.match(r.stdout, /\n0 1 2 3 $/, 'only 0-2 (3 is ls reading the directory)');
  });

  t.test('exit codes; signals are forwarded in the foreground', async (t) => {
    t.equal(sh('exit 7').status, 7);
    t.equal(sh('kill -KILL $$; sleep 5', (c) => { c.process.args = ['sh', '-c', 'sh -c "kill -9 \\$\\$"; exit $?']; }).status, 137, '128+9 reported by the shell');
    const b = bundle((c) => { c.process.args = ['sh', '-c', 'trap "exit 42" TERM; echo ready; while :; do sleep 0.05; done']; });
    const child = spawn(process.execPath, [path.join(import.meta.dirname, '../bin/oci-ts.cjs'), '--root', root, 'run', '-b', b, uniqueId()], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    await new Promise<void>((resolve) => child.stdout!.on('data', (d) => { out += d; if (out.includes('ready')) resolve(); }));
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.on('exit', r));
    t.equal(code, 42, 'SIGTERM reached the container, which exited 42');
  });

  t.test('run -d, state, list, kill, kill --all, delete', async (t) => {
    const b = bundle((c) => { c.process.args = ['sh', '-c', 'sleep 100 & sleep 100 & wait']; });
    const id = uniqueId('det');
    const pidFile = path.join(dir, `${id}.pid`);
    const r = ociTs(['--root', root, 'run', '-d', '--pid-file', pidFile, '-b', b, id]);
    t.equal(r.status, 0, r.stderr);
    const st = JSON.parse(ociTs(['--root', root, 'state', id]).stdout);
    t.equal(st.status, 'running');
    t.equal(Number(fs.readFileSync(pidFile, 'utf8')), st.pid, 'pid file holds the init pid');
    const list = ociTs(['--root', root, 'list']).stdout;
    t.match(list, new RegExp(`^${id} +${st.pid} +running +${b.replace(/[.]/g, '\\.')} +\\d{4}-`, 'm'));
    t.same(ociTs(['--root', root, 'list', '-q']).stdout.trim().split('\n'), [id]);
    const del = ociTs(['--root', root, 'delete', id]);
    t.equal(del.status, 1);
    t.match(del.stderr, `cannot delete container ${id} that is not stopped: running`);
    const cg = cgroupLeftovers(id);
    t.ok(cg.length > 0, 'the container has cgroups');
    t.equal(processLeftovers(id).length, 3, 'sh and two sleeps in its cgroup');
    t.equal(ociTs(['--root', root, 'kill', '--all', id, '9']).status, 0);
    for (let i = 0; i < 100 && processLeftovers(id).length; i++) await new Promise((r) => setTimeout(r, 20));
    t.same(processLeftovers(id), [], 'kill --all reached every process');
    t.equal(JSON.parse(ociTs(['--root', root, 'state', id]).stdout).status, 'stopped');
    const k = ociTs(['--root', root, 'kill', id, 'TERM']);
    t.equal(k.status, 1);
    t.match(k.stderr, 'container not running');
    t.equal(ociTs(['--root', root, 'delete', id]).status, 0, 'a stopped container deletes without --force');
    t.same(cgroupLeftovers(id), [], 'cgroups removed');
    t.notOk(fs.existsSync(path.join(root, id)), 'state dir removed');
  });

  t.test('create/start; delete --force of created and running containers; no host binary behind /proc/<init>/exe', async (t) => {
    const b = bundle((c) => { c.process.args = ['sleep', '100']; });
    for (const phase of ['created', 'running']) {
      const id = uniqueId(phase);
      t.equal(ociTs(['--root', root, 'create', '-b', b, id]).status, 0);
      const st = JSON.parse(ociTs(['--root', root, 'state', id]).stdout);
      t.equal(st.status, 'created');
      const exe = fs.readlinkSync(`/proc/${st.pid}/exe`);
      t.match(exe, /memfd:|\(deleted\)/, `the waiting init runs from a sealed memfd (${exe}), CVE-2019-5736`);
      const fds = fs.readdirSync(`/proc/${st.pid}/fd`).map(Number).sort((a, c) => a - c);
      t.ok(fds.length <= 5, `the waiting init holds few fds: ${fds}`);
      if (phase === 'running') {
        t.equal(ociTs(['--root', root, 'start', id]).status, 0);
        t.equal(JSON.parse(ociTs(['--root', root, 'state', id]).stdout).status, 'running');
        t.match(fs.readlinkSync(`/proc/${st.pid}/exe`), /busybox/, 'after start the init is the container process');
        const again = ociTs(['--root', root, 'start', id]);
        t.equal(again.status, 1);
        t.match(again.stderr, 'cannot start an already running container');
      }
      const d = ociTs(['--root', root, 'delete', '--force', id]);
      t.equal(d.status, 0, d.stderr);
      t.notOk(fs.existsSync(`/proc/${st.pid}/stat`) && !fs.readFileSync(`/proc/${st.pid}/stat`, 'utf8').includes(') Z'), 'init gone');
      t.same(cgroupLeftovers(id), []);
      t.same(processLeftovers(id), []);
      t.notOk(fs.existsSync(path.join(root, id)));
    }
  });

  t.test('hooks run in order, each with the state on stdin', async (t) => {
    const log = path.join(dir, 'hooks');
    fs.mkdirSync(log, { recursive: true });
    const file = path.join(log, 'log');
    const hook = (name: string, target = file) => ({ path: '/bin/sh', args: ['sh', '-c', `read -r s; echo "${name} $s" >> ${target}`] });
    const b = bundle((c) => {
      c.process.args = ['true'];
      c.mounts.push({ destination: '/hooklog', type: 'bind', source: log, options: ['rbind', 'rw'] });
      c.hooks = {
        prestart: [hook('prestart')], createRuntime: [hook('createRuntime')], createContainer: [hook('createContainer')],
        startContainer: [hook('startContainer', '/hooklog/log')], poststart: [hook('poststart')], poststop: [hook('poststop')],
      };
    });
    const id = uniqueId('hooks');
    const r = ociTs(['--root', root, 'run', '-b', b, id]);
    t.equal(r.status, 0, r.stderr);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    t.same(lines.map((l) => l.split(' ')[0]), ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop']);
    for (const l of lines) {
      const st = JSON.parse(l.slice(l.indexOf(' ') + 1));
      t.equal(st.id, id, `${l.split(' ')[0]} got the state`);
      t.equal(st.bundle, b);
    }
    t.equal(JSON.parse(lines[5].slice(9)).status, 'stopped', 'poststop sees stopped');
  });

  t.test('a failing createRuntime hook fails create and leaves nothing', async (t) => {
    const b = bundle((c) => { c.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', 'echo boom >&2; exit 3'] }] }; });
    const id = uniqueId('hookfail');
    const r = ociTs(['--root', root, 'create', '-b', b, id]);
    t.equal(r.status, 1);
    t.match(r.stderr, /createRuntime hook \/bin\/sh: exit status 3: boom/);
    t.notOk(fs.existsSync(path.join(root, id)));
    t.same(cgroupLeftovers(id), []);
    t.same(processLeftovers(id), []);
  });

  t.test('console socket: the pty master arrives by SCM_RIGHTS', async (t) => {
    const core = (await import('@oci/core')) as any;
    const sock = path.join(dir, 'console.sock');
    let master = -1;
    const server = net.createServer((c) => {
      const fd = (c as any)._handle.fd;
      master = core.recvFd(fd, 10_000).fd;
      c.destroy();
    });
    await new Promise<void>((r) => server.listen(sock, r));
    const b = bundle((c) => { c.process.terminal = true; c.process.args = ['sh', '-c', 'tty; echo console-ok; sleep 100']; });
    const id = uniqueId('tty');
    const r = await new Promise<number | null>((resolve) => {
      const ch = spawn(process.execPath, [path.join(import.meta.dirname, '../bin/oci-ts.cjs'), '--root', root, 'create', '--console-socket', sock, '-b', b, id], { stdio: 'inherit' });
      ch.on('exit', resolve);
    });
    server.close();
    t.equal(r, 0);
    t.ok(master > 2, 'received a master fd');
    t.equal(ociTs(['--root', root, 'start', id]).status, 0);
    const out = await new Promise<string>((resolve) => {
      let s = '';
      const rs = fs.createReadStream('', { fd: master });
      rs.on('data', (d) => { s += d; if (s.includes('console-ok')) { rs.destroy(); resolve(s); } });
      rs.on('error', () => resolve(s));
    });
    t.match(out, /\/dev\/pts\/\d+/, 'the process has a pty as its terminal');
    t.equal(ociTs(['--root', root, 'delete', '-f', id]).status, 0);
  });

  t.test('seccomp from the config is enforced, cgroup resources are applied, sysctl and domainname set', async (t) => {
    const r = sh('grep Seccomp: /proc/self/status; mkdir /tmp/blocked 2>&1 || echo "mkdir-errno"; cat /sys/fs/cgroup/memory/memory.limit_in_bytes; cat /sys/fs/cgroup/pids/pids.max; cat /proc/sys/net/ipv4/ip_forward; cat /proc/sys/kernel/domainname', (c) => {
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] };
      c.linux.resources = { ...c.linux.resources, memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 42 } };
      c.linux.sysctl = { 'net.ipv4.ip_forward': '1' };
      c.domainname = 'example.test';
    });
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, /Seccomp:\t2/, 'a seccomp filter is installed');
    t.match(r.stdout, /Operation not permitted\nmkdir-errno/, 'mkdir fails with the errno the profile asks for (EPERM)');
    t.match(r.stdout, /\n67108864\n42\n1\nexample\.test\n$/, 'memory limit, pids limit, sysctl, domainname');
  });

  t.test('a nested cgroupsPath: the container is placed there, and delete removes the parents create made', async (t) => {
    const top = `oci-ts-test-nested-${process.pid}-${uniqueId()}`;
    const r = sh('cat /proc/self/cgroup', (c) => { c.linux.cgroupsPath = `/${top}/mid/leaf`; });
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, new RegExp(`:pids:/${top}/mid/leaf\n`), 'inside, the container sees itself in the nested cgroup');
    for (const ctrl of ['pids', 'memory', 'devices', 'freezer']) {
      t.notOk(fs.existsSync(`/sys/fs/cgroup/${ctrl}/${top}`), `no ${ctrl} parent left after run deleted the container`);
    }
  });

  t.test('--no-pivot runs in the rootfs too', async (t) => {
    const r = sh('ls /bin/busybox && echo pid=$$', () => {}, ['--no-pivot']);
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, /\/bin\/busybox\npid=1/);
  });

  t.test('a user namespace with uid/gid maps written by the parent', async (t) => {
    const r = sh('cat /proc/self/uid_map /proc/self/gid_map; id -u; readlink /proc/self/ns/user', (c) => {
      c.linux.namespaces.push({ type: 'user' });
      c.linux.uidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
    });
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, /^\s+0\s+200000\s+65536\n\s+0\s+200000\s+65536\n0\n/, 'maps as configured, root inside');
    t.not(r.stdout.trim().split('\n').pop(), hostNs('user'), 'a new user namespace');
  });

  t.test('run in the foreground with a terminal proxies its own pty', async (t) => {
    const r = sh('tty; echo term-ok; exit 5', (c) => { c.process.terminal = true; });
    t.equal(r.status, 5, r.stderr);
    t.match(r.stdout, /^\/dev\/pts\/\d+\r?\nterm-ok/, 'output came through the pty');
  });

  t.test('--preserve-fds passes fds 3.. to the container', async (t) => {
    const b = bundle((c) => { c.process.args = ['sh', '-c', 'ls /proc/self/fd | tr "\\n" " "; cat <&3']; });
    const f = path.join(dir, 'preserved');
    fs.writeFileSync(f, 'from-fd-3');
    const fd = fs.openSync(f, 'r');
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const ch = spawn(process.execPath, [path.join(import.meta.dirname, '../bin/oci-ts.cjs'), '--root', root, 'run', '--preserve-fds', '1', '-b', b, uniqueId()], { stdio: ['ignore', 'pipe', 'inherit', fd] });
      let out = '';
      ch.stdout!.on('data', (d) => { out += d; });
      ch.on('exit', (code) => resolve({ code, out }));
    });
    fs.closeSync(fd);
    t.equal(r.code, 0);
    t.match(r.out, /^0 1 2 3 4 from-fd-3/);
  });

  t.test('a failed create at each step leaves nothing behind and names the step', async (t) => {
    const b = bundle((c) => { c.process.args = ['true']; c.hooks = { createRuntime: [{ path: '/bin/true' }] }; });
    const steps = ['config', 'state-dir', 'cgroup', 'compile', 'fifo', 'spawn', 'cgroup-apply', 'prestart', 'state-write', 'pid-file',
      'namespaces', 'unshare', 'pid', 'mount', 'device', 'createRuntime', 'pivot-root', 'masked-paths', 'rlimits', 'capabilities', 'exec-lookup'];
    for (const step of steps) {
      const id = uniqueId('fail');
      const r = ociTs(['--root', root, 'create', '--pid-file', path.join(dir, `${id}.pid`), '-b', b, id], { env: { ...process.env, OCI_TS_TEST_FAIL_AT: step } });
      if (r.status === 0) {
        // A step name the executor does not have: nothing failed, so there is nothing to check but cleanup.
        t.comment(`step ${step} did not fail (not a step of this program)`);
        ociTs(['--root', root, 'delete', '-f', id]);
        continue;
      }
      t.equal(r.status, 1, `${step}: create fails`);
      t.match(r.stderr, step, `${step}: the error names the step`);
      t.notOk(fs.existsSync(path.join(root, id)), `${step}: no state dir`);
      t.same(cgroupLeftovers(id), [], `${step}: no cgroup`);
      t.same(processLeftovers(id), [], `${step}: no process`);
      t.notOk(fs.existsSync(path.join(dir, `${id}.pid`)), `${step}: no pid file`);
    }
  });

  t.test('SIGKILL of create at random moments, then delete --force, leaves nothing', async (t) => {
    const b = bundle((c) => { c.process.args = ['sleep', '100']; });
    for (let i = 0; i < 6; i++) {
      const id = uniqueId('sigkill');
      const ch = spawn(process.execPath, [path.join(import.meta.dirname, '../bin/oci-ts.cjs'), '--root', root, 'create', '-b', b, id], { stdio: 'ignore' });
      // Listen before sleeping: on an idle machine create may finish first,
      // and an 'exit' emitted before the listener left the test unfinished.
      const exited = new Promise((r) => ch.on('exit', r));
      await new Promise((r) => setTimeout(r, 40 + Math.floor(Math.random() * 250)));
      ch.kill('SIGKILL');
      await exited;
      const d = ociTs(['--root', root, 'delete', '--force', id]);
      t.equal(d.status, 0, `delete --force after SIGKILL #${i}: ${d.stderr}`);
      for (let k = 0; k < 50 && processLeftovers(id).length; k++) await new Promise((r) => setTimeout(r, 20));
      t.notOk(fs.existsSync(path.join(root, id)), 'no state dir');
      t.same(cgroupLeftovers(id), [], 'no cgroup');
      t.same(processLeftovers(id), [], 'no process');
    }
  });
}
