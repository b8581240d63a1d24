// The raw primitives, on the real kernel: errors carry `code` and `errno`.
import t from 'tap';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  pidfdOpen, pidfdSendSignal, kill, close, socketpair, sendFd, recvFd, waitPid, setChildSubreaper, mkfifo,
} from '../index.js';

const sleeper = (secs = '30') => spawn('sleep', [secs], { stdio: 'ignore' });

t.test('pidfdOpen of a missing process throws ESRCH with errno', async (t) => {
  t.throws(() => pidfdOpen(999999), { code: 'ESRCH', errno: 3 });
});

t.test('pidfdSendSignal kills the process behind the pidfd', async (t) => {
  const c = sleeper();
  const fd = pidfdOpen(c.pid!);
  t.ok(fd > 2);
  const exited = once(c, 'exit');
  pidfdSendSignal(fd, 15);
  const [code, signal] = await exited;
  t.equal(code, null);
  t.equal(signal, 'SIGTERM');
  close(fd);
  t.throws(() => pidfdSendSignal(fd, 15), { code: 'EBADF', errno: 9 });
});

t.test('kill checks existence with 0 and reports ESRCH', async (t) => {
  const c = sleeper();
  t.doesNotThrow(() => kill(c.pid!, 0));
  const exited = once(c, 'exit');
  kill(c.pid!, 9);
  await exited;
  t.throws(() => kill(999999, 0), { code: 'ESRCH', errno: 3 });
});

t.test('mkfifo makes a FIFO with exactly the mode asked, whatever the umask; EEXIST with errno', async (t) => {
  const dir = t.testdir({});
  const p = path.join(dir, 'exec.fifo');
  const old = process.umask(0o077);
  try {
    mkfifo(p, 0o622);
  } finally {
    process.umask(old);
  }
  const st = fs.statSync(p);
  t.ok(st.isFIFO(), 'a FIFO');
  t.equal(st.mode & 0o7777, 0o622, 'mode 0622 despite umask 077');
  t.throws(() => mkfifo(p, 0o622), { code: 'EEXIST', errno: 17 });
  t.throws(() => mkfifo(path.join(dir, 'missing', 'f'), 0o600), { code: 'ENOENT', errno: 2 });
});

t.test('close twice is EBADF', async (t) => {
  const fd = fs.openSync('/dev/null', 'r');
  close(fd);
  t.throws(() => close(fd), { code: 'EBADF', errno: 9 });
});

t.test('waitPid reports exit codes and signals of an orphan it reaps as subreaper', async (t) => {
  setChildSubreaper(true);
  // The shell exits at once; its background children are re-parented to us.
  const sh = spawn('sh', ['-c', 'sh -c "sleep 0.3; exit 7" & echo $!; sleep 30 & echo $!'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  sh.stdout!.on('data', (d) => (out += d));
  await once(sh, 'exit');
  const [exiter, sleeperPid] = out.trim().split('\n').map(Number);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const st = await waitPid(exiter!);
  t.same(st, { exitCode: 7, signal: null });
  const waiting = waitPid(sleeperPid!);
  await new Promise((r) => setTimeout(r, 20));
  t.ok(ticks > 0, 'the JS thread kept running while waitPid waited');
  kill(sleeperPid!, 9);
  t.same(await waiting, { exitCode: null, signal: 9 });
  clearInterval(timer);
  await t.rejects(waitPid(sleeperPid!), { code: 'ECHILD', errno: 10 });
  await t.rejects(waitPid(1), { code: 'ECHILD', errno: 10 });
});

t.test('sendFd/recvFd pass a file descriptor over a socketpair', async (t) => {
  const dir = t.testdir({ 'hello.txt': 'hello from an fd' });
  const [a, b] = socketpair();
  const file = fs.openSync(path.join(dir, 'hello.txt'), 'r');
  sendFd(a, file, 'console');
  const got = recvFd(b);
  t.equal(got.data, 'console');
  t.not(got.fd, file, 'a new fd in this process');
  fs.closeSync(file);
  t.equal(fs.readFileSync(got.fd, 'utf8'), 'hello from an fd');
  fs.closeSync(got.fd);
  // A message without an fd, a timeout, then end of stream.
  fs.writeSync(a, 'x');
  t.throws(() => recvFd(b), { code: 'ENOFD' });
  t.throws(() => recvFd(b, 10), { code: 'ETIMEDOUT' });
  close(a);
  t.throws(() => recvFd(b), { code: 'EOF' });
  close(b);
  t.throws(() => sendFd(b, 0), { code: 'EBADF', errno: 9 });
});

t.test('sendFd/recvFd over a Node net UNIX socket (console-socket style)', async (t) => {
  // sun_path holds 108 bytes: t.testdir() paths are too long.
  const sockPath = `/tmp/oci-core-test-${process.pid}.sock`;
  fs.rmSync(sockPath, { force: true });
  t.teardown(() => fs.rmSync(sockPath, { force: true }));
  // pauseOnConnect: Node must not read (and drop the SCM_RIGHTS fd) itself.
  const server = net.createServer({ pauseOnConnect: true });
  server.listen(sockPath);
  await once(server, 'listening');
  const accepted = once(server, 'connection');
  const client = net.connect(sockPath);
  await once(client, 'connect');
  const [conn] = (await accepted) as [net.Socket];
  const clientFd = (client as unknown as { _handle: { fd: number } })._handle.fd;
  const connFd = (conn as unknown as { _handle: { fd: number } })._handle.fd;
  const [p0, p1] = socketpair();
  sendFd(clientFd, p0, 'pty-master');
  const got = recvFd(connFd, 5000);
  t.equal(got.data, 'pty-master');
  // The received end is connected to p1: bytes flow.
  fs.writeSync(got.fd, 'ping');
  const buf = Buffer.alloc(4);
  fs.readSync(p1, buf);
  t.equal(buf.toString(), 'ping');
  for (const fd of [p0, p1, got.fd]) close(fd);
  client.destroy();
  conn.destroy();
  server.close();
});
