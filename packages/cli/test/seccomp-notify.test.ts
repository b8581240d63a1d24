// linux.seccomp.listenerPath (config-linux.md#seccomp): SCMP_ACT_NOTIFY
// syscalls are answered by an agent that gets the listener fd and the
// container process state over a unix socket. The agent is a real one
// (fixtures/seccomp-agent.py: seccomp_unotify(2) ioctls) that fails the
// notified mkdir with EXDEV, which the container's mkdir then reports.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { cgroupLeftovers, executorAvailable, makeBundle, ociTs, uniqueId } from './helpers.ts';

const agentScript = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures/seccomp-agent.py');
const python = spawnSync('python3', ['-c', 'import socket; socket.recv_fds'], { encoding: 'utf8' });
const why = (await executorAvailable()) ?? (python.status !== 0 ? 'python3 with socket.recv_fds (3.9+) is needed for the agent' : undefined);

if (why) {
  t.pass(`skipped: ${why}`);
} else {
  const dir = t.testdir({ root: {} });
  const root = path.join(dir, 'root');
  let n = 0;
  const notifyMkdir = (listenerPath?: string) => ({
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    ...(listenerPath ? { listenerPath, listenerMetadata: 'agent-meta-1' } : {}),
    syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }],
  });
  const startAgent = async (sock: string, out: string, count = 1) => {
    const agent = spawn('python3', [agentScript, sock, out, '18', String(count)], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      agent.stdout.once('data', () => resolve());
      agent.once('exit', (c) => reject(new Error(`agent exited with ${c}`)));
    });
    return agent;
  };
  const records = (out: string) => fs.existsSync(out) ? fs.readFileSync(out, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];

  t.test('the agent gets the listener fd and the state, and answers the notified syscall', async (t) => {
    const sock = path.join(dir, `agent${++n}.sock`);
    const out = path.join(dir, `agent${n}.jsonl`);
    const agent = await startAgent(sock, out);
    t.teardown(() => { agent.kill('SIGKILL'); });
    const id = uniqueId('sn');
    const b = makeBundle(path.join(dir, `b${n}`), (c) => {
      c.process.args = ['mkdir', '/tmp/made'];
      c.linux.seccomp = notifyMkdir(sock);
    });
    const r = ociTs(['--root', root, 'run', '-b', b, id]);
    t.equal(r.status, 1, 'mkdir failed');
    t.match(r.stderr, /can't create directory '\/tmp\/made': Invalid cross-device link/, 'with the errno the agent chose (EXDEV)');
    await new Promise((resolve) => agent.on('exit', resolve));
    const [hello, call] = records(out);
    t.equal(hello.fds, 1, 'one fd');
    t.equal(hello.fdLink, 'anon_inode:seccomp notify', 'a seccomp listener fd');
    t.same(hello.message.fds, ['seccompFd']);
    t.equal(hello.message.metadata, 'agent-meta-1');
    t.equal(hello.message.state.id, id);
    t.equal(hello.message.state.status, 'creating');
    t.equal(hello.message.state.bundle, b);
    t.ok(hello.message.pid > 0 && hello.message.pid === hello.message.state.pid, 'pid: the container process on the host');
    t.ok(call && [83, 258].includes(call.nr), `the notification is mkdir or mkdirat (${call?.nr})`);
    t.equal(call?.pid, hello.message.pid, 'from the container process');
    t.same(fs.readdirSync(root), [], 'run removed the container');
  });

  t.test('SCMP_ACT_NOTIFY without listenerPath is refused, naming the field', async (t) => {
    const id = uniqueId('sn');
    const b = makeBundle(path.join(dir, `b${++n}`), (c) => { c.linux.seccomp = notifyMkdir(); });
    const r = ociTs(['--root', root, 'create', '-b', b, id]);
    t.not(r.status, 0);
    t.match(r.stderr, /linux\.seccomp\.listenerPath is required when SCMP_ACT_NOTIFY is used/);
    t.notOk(fs.existsSync(path.join(root, id)), 'no state left');
  });

  t.test('an agent that is not listening fails create cleanly', async (t) => {
    const id = uniqueId('sn');
    const sock = path.join(dir, 'nobody.sock');
    const b = makeBundle(path.join(dir, `b${++n}`), (c) => { c.linux.seccomp = notifyMkdir(sock); c.linux.resources = { ...c.linux.resources, pids: { limit: 10 } }; });
    const r = ociTs(['--root', root, 'create', '-b', b, id]);
    t.not(r.status, 0);
    // runc's words (callers match them): "failed to connect with seccomp agent".
    t.match(r.stderr, new RegExp(`failed to connect with seccomp agent specified in the seccomp profile: dial unix ${sock.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: No such file or directory`));
    t.notOk(fs.existsSync(path.join(root, id)), 'no state left');
    t.same(cgroupLeftovers(id), [], 'no cgroup left');
    const long = makeBundle(path.join(dir, `b${++n}`), (c) => { c.linux.seccomp = notifyMkdir(`/tmp/${'x'.repeat(120)}.sock`); });
    const l = ociTs(['--root', root, 'create', '-b', long, id]);
    t.not(l.status, 0);
    t.match(l.stderr, /linux\/seccomp\/listenerPath: 130 bytes long: a unix socket path holds at most 107/);
  });
}
