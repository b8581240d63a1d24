// The init executor on the real kernel: a busybox rootfs, the parent side of
// the protocol (helpers/driver.ts), and each behaviour checked from inside
// the container by what a process there sees.
import t from 'tap';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { buildRootfs, haveBusybox } from './helpers/rootfs.ts';
import { defaultProgram, CAP, MS } from './helpers/program.ts';
import { drive } from './helpers/driver.ts';
import { socketpair, recvFd, close, spawnInit, waitPid, setChildSubreaper } from '../index.js';
import { execFileSync } from 'node:child_process';
import type { InitProgram } from '../program.d.ts';

if (process.getuid?.() !== 0 || !haveBusybox()) {
  t.plan(0, 'needs root and busybox-static');
  process.exit(0);
}

const dir = t.testdir();
const rootfs = buildRootfs(dir);
const run = (args: string[], over: Partial<InitProgram> = {}, opts: Partial<Parameters<typeof drive>[1]> = {}) =>
  drive(defaultProgram(rootfs, args, over), { dir, ...opts });
const sh = (script: string, over: Partial<InitProgram> = {}, opts: Partial<Parameters<typeof drive>[1]> = {}) =>
  run(['sh', '-c', script], over, opts);

t.test('namespaces differ from the host, the process is pid 1, hostname set', async (t) => {
  const r = await sh('echo $$; hostname; for n in uts ipc net mnt pid; do readlink /proc/self/ns/$n; done; exit 3');
  t.equal(r.error, undefined);
  t.same(r.messages.map((m) => m.type), ['pid', 'createRuntime', 'ready'], 'protocol order');
  t.same(r.exit, { exitCode: 3, signal: null }, 'exit code of the container process');
  t.same(r.stage1, { exitCode: 0, signal: null }, 'stage 1 exits after the fork');
  t.not(r.pid, undefined);
  const [pid1, host, ...ns] = r.output.trim().split('\n');
  t.equal(pid1, '1');
  t.equal(host, 'oci-ts-test');
  for (const [i, n] of ['uts', 'ipc', 'net', 'mnt', 'pid'].entries()) {
    t.not(ns[i], fs.readlinkSync(`/proc/self/ns/${n}`), `${n} namespace is new`);
  }
});

t.test('mounts, their flags, masked and read-only paths', async (t) => {
  const r = await sh('cat /proc/self/mountinfo; echo ---; wc -c < /proc/keys; ls -A /sys/firmware | wc -l; echo x > /proc/sys/kernel/domainname 2>&1; echo x > /sys/x 2>&1; true');
  const [info, rest] = r.output.split('---\n');
  const mnt = (p: string) => info!.split('\n').find((l) => l.split(' ')[4] === p) ?? '';
  t.match(mnt('/'), / \/ rw,/, 'root is mounted');
  t.match(mnt('/proc'), / - proc /);
  t.match(mnt('/dev'), /nosuid.* - tmpfs /);
  t.match(mnt('/dev/pts'), /nosuid,noexec.* - devpts .*ptmxmode=666/);
  t.match(mnt('/dev/shm'), /nosuid,nodev,noexec/);
  t.match(mnt('/sys'), /^\S+ \S+ \S+ \S+ \/sys ro,/, 'sysfs read-only');
  t.match(mnt('/proc/sys'), /\/proc\/sys ro,/, 'readonly path');
  t.match(mnt('/sys/firmware'), /ro.* - tmpfs /, 'masked directory: read-only tmpfs');
  const lines = rest!.trim().split('\n');
  t.equal(lines[0], '0', '/proc/keys masked by /dev/null');
  t.equal(lines[1], '0', '/sys/firmware is empty');
  t.match(rest, /Read-only file system/);
});

t.test('devices and /dev symlinks', async (t) => {
  const r = await sh('stat -c "%n %t:%T %a %F" /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty; for l in /dev/fd /dev/stdin /dev/ptmx; do readlink $l; done; echo hi > /dev/null && echo null-ok');
  t.match(r.output, '/dev/null 1:3 666 character special file');
  t.match(r.output, '/dev/urandom 1:9 666');
  t.match(r.output, '/dev/tty 5:0 666');
  t.match(r.output, '/proc/self/fd\n/proc/self/fd/0\npts/ptmx\n');
  t.match(r.output, 'null-ok');
});

t.test('capabilities, no_new_privs, rlimits', async (t) => {
  const r = await sh('grep -E "^(Cap|NoNewPrivs)" /proc/self/status; ulimit -n; ulimit -Hn');
  const bits = ((1n << BigInt(CAP.KILL)) | (1n << BigInt(CAP.NET_BIND_SERVICE)) | (1n << BigInt(CAP.AUDIT_WRITE))).toString(16).padStart(16, '0');
  t.match(r.output, `CapEff:\t${bits}`);
  t.match(r.output, `CapPrm:\t${bits}`);
  t.match(r.output, `CapBnd:\t${bits}`);
  t.match(r.output, 'CapInh:\t0000000000000000');
  t.match(r.output, 'CapAmb:\t0000000000000000');
  t.match(r.output, 'NoNewPrivs:\t1');
  t.match(r.output, /\n1024\n1024\n$/);
});

t.test('user, groups, umask, cwd, env', async (t) => {
  const p = defaultProgram(rootfs, ['sh', '-c', 'id -u; id -g; id -G; umask; pwd; echo "$FOO"; grep -E "^(Uid|Gid|CapEff)" /proc/self/status']);
  p.process = { ...p.process, uid: 1000, gid: 1001, additionalGids: [10, 20], umask: 0o027, cwd: '/home/app', env: [...p.process.env, 'FOO=bar baz'] };
  // A non-root process keeps across execve only its ambient capabilities
  // (capabilities(7), "Transformation of capabilities during execve()").
  p.process.capabilities = { ...p.process.capabilities, inheritable: [CAP.KILL], ambient: [CAP.KILL] };
  const r = await drive(p, { dir });
  t.equal(r.error, undefined);
  const lines = r.output.split('\n');
  t.same(lines.slice(0, 6), ['1000', '1001', '1001 10 20', '0027', '/home/app', 'bar baz']);
  t.match(r.output, 'Uid:\t1000\t1000\t1000\t1000');
  t.match(r.output, /CapEff:\t0000000000000020/, 'the ambient capability survives the uid change and execve');
});

// Seen from the host while the container process (pid 1, `sleep`) runs.
async function fdsOf(pid: number): Promise<string[]> {
  for (let i = 0; i < 400; i++) {
    if (fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep') break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const fds = fs.readdirSync(`/proc/${pid}/fd`).sort().map((fd) => (fd > '2' ? `${fd}:${fs.readlinkSync(`/proc/${pid}/fd/${fd}`)}` : fd));
  process.kill(pid, 'SIGKILL');
  return fds;
}

t.test('the container process holds only fds 0-2 and the preserved ones', async (t) => {
  let fds: string[] = [];
  await run(['sleep', '10'], {}, { onStarted: async ({ pid }) => { fds = await fdsOf(pid); } });
  t.same(fds, ['0', '1', '2']);
  const extra = fs.openSync('/dev/null', 'r');
  const p = defaultProgram(rootfs, ['sleep', '10']);
  p.process.preserveFds = 1;
  await drive(p, { dir, preserveFds: [extra], onStarted: async ({ pid }) => { fds = await fdsOf(pid); } });
  fs.closeSync(extra);
  t.same(fds, ['0', '1', '2', '3:/dev/null']);
});

t.test('a mount destination through a symlink stays inside the rootfs', async (t) => {
  const outside = path.join(dir, 'outside');
  fs.mkdirSync(outside);
  fs.symlinkSync(outside, path.join(rootfs, 'evil-abs'));
  fs.symlinkSync('../../../../../../../../../..' + outside, path.join(rootfs, 'evil-rel'));
  const p = defaultProgram(rootfs, ['sh', '-c', 'grep -c " /tmp/mnt-" /proc/self/mountinfo; grep -o " [^ ]*/outside/[^ ]* " /proc/self/mountinfo']);
  p.mounts.push(
    { source: 'tmpfs', destination: '/evil-abs/x', fstype: 'tmpfs', flags: 0, data: '', propagation: [], remountFlags: 0, createAs: 'dir' },
    { source: 'tmpfs', destination: '/evil-rel/y', fstype: 'tmpfs', flags: 0, data: '', propagation: [], remountFlags: 0, createAs: 'dir' },
  );
  const r = await drive(p, { dir });
  t.equal(r.error, undefined);
  t.same(fs.readdirSync(outside), [], 'nothing created or mounted on the host side');
  t.ok(fs.existsSync(path.join(rootfs, outside, 'x')), 'created inside the rootfs instead');
  t.match(r.output, `${outside}/x `);
  t.match(r.output, `${outside}/y `);
});

t.test('bind mounts with a read-only remount and propagation', async (t) => {
  const src = path.join(dir, 'bindsrc');
  fs.mkdirSync(src, { recursive: true });
  fs.writeFileSync(path.join(src, 'f'), 'from host');
  const p = defaultProgram(rootfs, ['sh', '-c', 'cat /data/f; echo x > /data/g 2>&1; grep " /data " /proc/self/mountinfo']);
  p.mounts.push({ source: src, destination: '/data', fstype: 'bind', flags: MS.BIND | MS.REC, data: '', propagation: [MS.PRIVATE], remountFlags: MS.BIND | MS.REMOUNT | MS.RDONLY | MS.NOSUID, createAs: 'dir' });
  const r = await drive(p, { dir });
  t.equal(r.error, undefined);
  t.match(r.output, 'from host');
  t.match(r.output, 'Read-only file system');
  t.match(r.output, / \/data ro,nosuid/);
  t.notOk(fs.existsSync(path.join(src, 'g')));
});

t.test('read-only root filesystem, sysctl, domainname', async (t) => {
  const r = await sh('touch /newfile 2>&1; cat /proc/sys/net/ipv4/ip_forward; cat /proc/sys/kernel/domainname', {
    rootfs: { path: rootfs, propagation: MS.SLAVE | MS.REC, readonly: true, pivotRoot: true },
    sysctl: [{ key: 'net.ipv4.ip_forward', value: '1' }],
    domainname: 'example.test',
  });
  t.equal(r.error, undefined);
  t.match(r.output, 'Read-only file system');
  t.match(r.output, '\n1\nexample.test\n');
});

t.test('no pivot_root: MS_MOVE + chroot', async (t) => {
  const r = await sh('echo $$; ls /', { rootfs: { path: rootfs, propagation: MS.SLAVE | MS.REC, readonly: false, pivotRoot: false } });
  t.equal(r.error, undefined);
  t.match(r.output, /^1\n/);
  t.match(r.output, 'bin\n');
});

t.test('without a pid namespace the spawned process is the container init', async (t) => {
  const p = defaultProgram(rootfs, ['sh', '-c', 'exit 42']);
  p.namespaces = p.namespaces.filter((n) => n.type !== 'pid');
  const r = await drive(p, { dir });
  t.equal(r.error, undefined);
  t.same(r.exit, { exitCode: 42, signal: null });
});

t.test('errors name the step, the errno and the reason', async (t) => {
  const p = defaultProgram(rootfs, ['true']);
  p.mounts.push({ source: 'none', destination: '/bad', fstype: 'no-such-fs', flags: 0, data: '', propagation: [], remountFlags: 0, createAs: 'dir' });
  const r = await drive(p, { dir });
  t.match(r.error, { step: 'mount', errno: 19, message: /no-such-fs on \/bad/ });
  t.same(r.stage1.exitCode === 0 || r.stage1.exitCode === 1, true);
  t.equal(r.exit, undefined);

  const r2 = await run(['no-such-command']);
  t.match(r2.error, { step: 'exec-lookup', errno: 2, message: /executable file not found/ });

  const r3 = await run(['true'], { debugFailStep: 'pivot-root' } as Partial<InitProgram>);
  t.match(r3.error, { step: 'pivot-root', errno: 0, message: 'injected failure' });

  const r4 = await run(['true'], { namespaces: [{ type: 'mount' }, { type: 'network', path: '/proc/999999/ns/net' }] });
  t.match(r4.error, { step: 'setns-open', errno: 2 });
});

t.test('CVE-2019-5736: the waiting init runs from a sealed memfd', async (t) => {
  let exe = '';
  let writeError: NodeJS.ErrnoException | undefined;
  const r = await run(['true'], {}, {
    onReady: ({ pid }) => {
      exe = fs.readlinkSync(`/proc/${pid}/exe`);
      try {
        fs.writeFileSync(`/proc/${pid}/exe`, 'overwritten');
      } catch (e) {
        writeError = e as NodeJS.ErrnoException;
      }
    },
  });
  t.equal(r.error, undefined);
  t.match(exe, /^\/memfd:oci-ts-init/);
  t.ok(writeError, 'writing /proc/<init>/exe fails');
  t.ok(['EPERM', 'ETXTBSY', 'EACCES'].includes(writeError?.code ?? ''), `error ${writeError?.code}`);
});

t.test('hooks: createContainer (host paths) and startContainer (inside), state on stdin', async (t) => {
  const state = { ociVersion: '1.2.0', id: 'hooked', status: 'creating', pid: 0, bundle: dir };
  const out = path.join(dir, 'cc-state.json');
  const r = await sh('cat /tmp/sc-state', {
    createContainerHooks: [{ path: '/bin/sh', args: ['sh', '-c', `cat > ${out}; echo $HOOKENV > ${out}.env`], env: ['HOOKENV=cc'] }],
    startContainerHooks: [{ path: '/bin/sh', args: ['sh', '-c', 'cat > /tmp/sc-state'], env: [] }],
  }, { state });
  t.equal(r.error, undefined);
  t.same(JSON.parse(fs.readFileSync(out, 'utf8')), state);
  t.equal(fs.readFileSync(`${out}.env`, 'utf8'), 'cc\n');
  t.same(JSON.parse(r.output), state);

  const r2 = await run(['true'], { createContainerHooks: [{ path: '/bin/sh', args: ['sh', '-c', 'exit 5'], env: [] }] });
  t.match(r2.error, { step: 'createContainerHooks', message: /exited with status 5/ });
  const r3 = await run(['true'], { createContainerHooks: [{ path: '/bin/sleep', args: ['sleep', '10'], env: [], timeout: 1 }] });
  t.match(r3.error, { step: 'createContainerHooks', message: /timed out/ });
});

t.test('terminal: a pty from the container devpts, master sent over the console socket', async (t) => {
  const [ours, theirs] = socketpair();
  const p = defaultProgram(rootfs, ['sh', '-c', 'tty; stty size; echo done']);
  p.process = { ...p.process, terminal: true, consoleSize: { height: 33, width: 111 } };
  const r = await drive(p, { dir, consoleSocketFd: theirs });
  close(theirs);
  t.equal(r.error, undefined);
  const got = recvFd(ours, 5000);
  t.equal(got.data, 'oci-ts-console');
  let text = '';
  const buf = Buffer.alloc(4096);
  for (;;) {
    try {
      const n = fs.readSync(got.fd, buf);
      if (n === 0) break;
      text += buf.subarray(0, n).toString();
    } catch {
      break; // EIO once the slave side is gone
    }
  }
  close(got.fd);
  close(ours);
  t.match(text, '/dev/pts/0');
  t.match(text, '33 111');
  t.match(text, 'done');
});

/** One classic BPF instruction (struct sock_filter: u16 code, u8 jt, u8 jf, u32 k). */
const insn = (code: number, jt: number, jf: number, k: number) => {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(code, 0); b.writeUInt8(jt, 2); b.writeUInt8(jf, 3); b.writeUInt32LE(k >>> 0, 4);
  return b;
};

t.test('seccomp: the compiled filter is loaded last', async (t) => {
  // ld [nr]; jeq mkdir → errno; jeq mkdirat → errno; allow; ret ERRNO(EPERM)
  const bpf = Buffer.concat([insn(0x20, 0, 0, 0), insn(0x15, 2, 0, 83), insn(0x15, 1, 0, 258), insn(0x06, 0, 0, 0x7fff0000), insn(0x06, 0, 0, 0x00050001)]);
  const p = defaultProgram(rootfs, ['sh', '-c', 'mkdir /tmp/d 2>&1; echo made=$?']);
  p.process.seccomp = { bpf: bpf.toString('base64'), flags: 0, notify: false };
  const r = await drive(p, { dir });
  t.equal(r.error, undefined);
  t.match(r.output, 'Operation not permitted');
  t.match(r.output, 'made=1');
});

t.test('user namespace: the parent writes the id maps on request', async (t) => {
  const p = defaultProgram(rootfs, ['sh', '-c', 'cat /proc/self/uid_map /proc/self/gid_map; id -u; cat /proc/self/setgroups']);
  p.namespaces = [{ type: 'user' }, ...p.namespaces];
  p.devices = p.devices.map((d) => ({ ...d, bindFromHost: true }));
  const idMapping = { uidMap: '0 100000 65536\n', gidMap: '0 100000 65536\n', setgroups: 'allow' as const };
  const r = await drive({ ...p, idMapping }, { dir, idMapping });
  t.equal(r.error, undefined, r.error?.message);
  t.equal(r.messages[0]?.type, 'idmap');
  t.match(r.output, /^\s+0\s+100000\s+65536\n\s+0\s+100000\s+65536\n0\nallow\n$/);
});

for (const cgroupns of [false, true]) {
  t.test(`a cgroup mount on a v1/hybrid host${cgroupns ? ' in a cgroup namespace' : ''}`, async (t) => {
    const p = defaultProgram(rootfs, ['sh', '-c', 'ls /sys/fs/cgroup | tr "\\n" " "; echo; cat /proc/self/cgroup | grep memory; ls /sys/fs/cgroup/memory/memory.limit_in_bytes; touch /sys/fs/cgroup/x 2>&1; grep " /sys/fs/cgroup/memory " /proc/self/mountinfo']);
    if (cgroupns) p.namespaces.push({ type: 'cgroup' });
    p.mounts.push({ source: 'cgroup', destination: '/sys/fs/cgroup', fstype: 'cgroup', flags: MS.NOSUID | MS.NOEXEC | MS.NODEV | MS.RELATIME | MS.RDONLY, data: '', propagation: [], remountFlags: 0, createAs: 'dir' });
    const r = await drive(p, { dir });
    t.equal(r.error, undefined, r.error?.message);
    const v1 = fs.existsSync('/sys/fs/cgroup/memory');
    if (!v1) {
      t.pass('cgroup v2 host: mounted as cgroup2');
      return;
    }
    t.match(r.output, /^(\S+ )*memory (\S+ )*\n/, 'one directory per hierarchy');
    t.match(r.output, '/sys/fs/cgroup/memory/memory.limit_in_bytes');
    t.match(r.output, 'Read-only file system');
    t.match(r.output, / \/sys\/fs\/cgroup\/memory ro,nosuid,nodev,noexec/);
    if (cgroupns) t.match(r.output, /:memory:\/\n/, 'the cgroup namespace root is "/"');
  });
}

t.test('process attributes: oom_score_adj, personality, I/O priority, scheduler', async (t) => {
  const p = defaultProgram(rootfs, ['sh', '-c', 'cat /proc/self/oom_score_adj; uname -m; ionice -p $$; grep -E "^policy" /proc/$$/sched']);
  // personality(2) PER_LINUX32 = 8; ioprio class best-effort (2) << 13 | 5;
  // sched_setattr(2) SCHED_BATCH = 3.
  p.process = { ...p.process, oomScoreAdj: 123, personality: 8, ioPriority: (2 << 13) | 5, scheduler: { policy: 3, nice: 0, priority: 0, flags: 0 } };
  const r = await drive(p, { dir });
  t.equal(r.error, undefined, r.error?.message);
  const lines = r.output.trim().split('\n');
  t.equal(lines[0], '123');
  t.match(lines[1], /^i[3-6]86$/, 'PER_LINUX32 reports a 32-bit machine');
  t.match(lines[2], /best-effort: prio 5/);
  t.match(lines[3], /policy\s+:\s+3/);
});

t.test('a time namespace with a boottime offset', async (t) => {
  const day = 86400;
  const p = defaultProgram(rootfs, ['sh', '-c', 'cut -d. -f1 /proc/uptime; readlink /proc/self/ns/time']);
  p.namespaces.push({ type: 'time' });
  p.timeOffsets = { boottime: { secs: 100 * day, nanosecs: 0 } };
  const r = await drive(p, { dir });
  t.equal(r.error, undefined, r.error?.message);
  const [uptime, ns] = r.output.trim().split('\n');
  const host = Number(fs.readFileSync('/proc/uptime', 'utf8').split('.')[0]);
  t.ok(Number(uptime) >= host + 100 * day - 5, `uptime ${uptime} is shifted by 100 days (host ${host})`);
  t.not(ns, fs.readlinkSync('/proc/self/ns/time'));
});

t.test('an LSM label asked for on a host without that LSM is a clear error', async (t) => {
  const aa = fs.existsSync('/sys/module/apparmor/parameters/enabled') && fs.readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').trim() === 'Y';
  const se = fs.existsSync('/sys/fs/selinux/enforce');
  const p = defaultProgram(rootfs, ['true']);
  p.process = { ...p.process, apparmorProfile: 'oci-ts-test-profile' };
  const r = await drive(p, { dir });
  if (aa) t.match(r.error, { step: 'apparmor' }, 'an unknown profile fails');
  else t.match(r.error, { step: 'apparmor', errno: 0, message: /AppArmor is not enabled/ });
  const p2 = defaultProgram(rootfs, ['true']);
  p2.process = { ...p2.process, selinuxLabel: 'system_u:system_r:container_t:s0' };
  const r2 = await drive(p2, { dir });
  if (!se) t.match(r2.error, { step: 'selinux', errno: 0, message: /SELinux is not enabled/ });
  else t.pass('SELinux host: label applied or refused by policy');
});

t.test('exec-style program: join a running container\'s namespaces by path, no fifo', async (t) => {
  let out: Awaited<ReturnType<typeof drive>> | undefined;
  await run(['sleep', '10'], { hostname: 'exec-target' }, {
    onStarted: async ({ pid }) => {
      for (let i = 0; i < 400 && fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'sleep'; i++) await new Promise((r) => setTimeout(r, 5));
      const p = defaultProgram(rootfs, ['sh', '-c', 'hostname; cat /proc/1/comm; echo $$; pwd; ls /proc/$$/fd > /tmp/x; tr "\\n" " " < /tmp/x']);
      p.namespaces = (['ipc', 'uts', 'network', 'pid', 'mount'] as const).map((type) => ({
        type, path: `/proc/${pid}/ns/${({ ipc: 'ipc', uts: 'uts', network: 'net', pid: 'pid', mount: 'mnt' } as const)[type]}`,
      }));
      p.mounts = []; p.devices = []; p.symlinks = []; p.maskedPaths = []; p.readonlyPaths = [];
      delete p.hostname;
      p.process.cwd = '/tmp';
      out = await drive({ ...p, execFifo: null } as unknown as InitProgram, { dir });
      process.kill(pid, 'SIGKILL');
    },
  });
  t.equal(out?.error, undefined, out?.error?.message);
  const lines = out!.output.split('\n');
  t.equal(lines[0], 'exec-target', 'the container\'s hostname');
  t.equal(lines[1], 'sleep', 'pid 1 is the container\'s process');
  t.not(lines[2], '1', 'the exec\'d process is another pid in the container pid namespace');
  t.equal(lines[3], '/tmp');
  t.same(out!.exit, { exitCode: 0, signal: null });
});

t.test('seccomp notify: the listener fd goes to listenerPath with the process state', async (t) => {
  // mkdir/mkdirat → SECCOMP_RET_USER_NOTIF, everything else allowed.
  const bpf = Buffer.concat([insn(0x20, 0, 0, 0), insn(0x15, 2, 0, 83), insn(0x15, 1, 0, 258), insn(0x06, 0, 0, 0x7fff0000), insn(0x06, 0, 0, 0x7fc00000)]);
  const sockPath = `/tmp/oci-core-agent-${process.pid}.sock`;
  fs.rmSync(sockPath, { force: true });
  // pauseOnConnect: Node must not read (and drop the SCM_RIGHTS fd) itself.
  const server = net.createServer({ pauseOnConnect: true });
  server.listen(sockPath);
  await new Promise((r) => server.once('listening', r));
  t.teardown(() => { server.close(); fs.rmSync(sockPath, { force: true }); });
  let conn: net.Socket | undefined;
  server.on('connection', (c) => { conn = c; });
  const p = defaultProgram(rootfs, ['sh', '-c', 'mkdir /tmp/n 2>&1; echo rc=$?']);
  p.process.seccomp = { bpf: bpf.toString('base64'), flags: 8, notify: true, listenerPath: sockPath, listenerMetadata: 'meta' };
  let got: { fd: number; data: string } | undefined;
  const r = await drive(p, {
    dir,
    state: { ociVersion: '1.2.0', id: 'notify', status: 'creating', pid: 4242, bundle: dir },
    onReady: () => {
      got = recvFd((conn as unknown as { _handle: { fd: number } })._handle.fd, 5000);
      // No agent answers here: closing the listener makes the notified
      // syscalls fail with ENOSYS (seccomp_unotify(2)).
      close(got.fd);
    },
  });
  t.equal(r.error, undefined, r.error?.message);
  const msg = JSON.parse(got!.data);
  t.same(msg.fds, ['seccompFd']);
  t.equal(msg.metadata, 'meta');
  t.equal(msg.state.id, 'notify');
  t.equal(msg.pid, 4242);
  t.match(r.output, /Function not implemented|rc=1/);
  conn?.destroy();
});

t.test('the test switch fails create at each step, with nothing left running', async (t) => {
  const steps = ['program', 'setns-open', 'unshare', 'pid', 'fork', 'setsid', 'keyring', 'rootfs-propagation', 'rootfs-bind', 'mount', 'device', 'symlink',
    'createRuntime', 'createContainerHooks', 'pivot-root', 'sysctl', 'hostname', 'readonly-paths', 'masked-paths', 'apparmor', 'selinux', 'rlimits',
    'bounding', 'user', 'capabilities', 'no-new-privs', 'umask', 'cwd', 'exec-lookup', 'userns', 'idmap'];
  const idMapping = { uidMap: '0 100000 65536\n', gidMap: '0 100000 65536\n', setgroups: 'allow' as const };
  for (const step of steps) {
    const p = defaultProgram(rootfs, ['true'], { debugFailStep: step } as Partial<InitProgram>);
    const user = step === 'userns' || step === 'idmap';
    if (user) {
      p.namespaces = [{ type: 'user' }, ...p.namespaces];
      p.devices = p.devices.map((d) => ({ ...d, bindFromHost: true }));
    }
    const r = await drive(user ? { ...p, idMapping } : p, { dir, idMapping });
    t.match(r.error, { step, errno: 0, message: 'injected failure' }, `fails at ${step}`);
    t.equal(r.exit, undefined);
    if (r.pid !== undefined && r.pid !== 0) {
      // The container init (stage 2) exits after reporting; reap it.
      const st = await import('../index.js').then((m) => m.waitPid(r.pid!)).catch((e: { code: string }) => e.code);
      t.ok(st === 'ECHILD' || (typeof st === 'object' && st.exitCode === 1), `${step}: the init exited with status 1`);
    }
  }
});

t.test('a parent that goes away mid-protocol leaves no executor behind', async (t) => {
  const p = defaultProgram(rootfs, ['true']);
  p.execFifo = path.join(dir, 'never-started.fifo');
  fs.rmSync(p.execFifo, { force: true });
  execFileSync('mkfifo', [p.execFifo]);
  setChildSubreaper(true);
  const nul = fs.openSync('/dev/null', 'r+');
  const { pid, syncFd } = spawnInit({ program: JSON.stringify(p), stdio: [nul, nul, nul] });
  fs.closeSync(nul);
  // Read the "pid" message, then hang up instead of answering (as a
  // SIGKILLed `oci-ts create` would).
  let line = '';
  const buf = Buffer.alloc(256);
  while (!line.includes('\n')) {
    const n = fs.readSync(syncFd, buf);
    if (n === 0) break;
    line += buf.subarray(0, n).toString();
  }
  const msg = JSON.parse(line.split('\n')[0]!);
  t.equal(msg.type, 'pid');
  close(syncFd);
  t.same(await waitPid(pid), { exitCode: 0, signal: null }, 'stage 1 had already exited after reporting');
  t.same(await waitPid(msg.pid), { exitCode: 1, signal: null }, 'the container init exits on EOF');
});
