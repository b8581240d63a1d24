// The parent side of the init sync protocol (docs/init-program.md), driven by
// a fake child on the other end of a real socketpair: replies, the state for
// hooks, the child's errors with step and errno, a handler failure reaching
// the child, and EOF before "ready".
import t from 'tap';
import fs from 'node:fs';
import { SyncChannel, runProtocol, InitError } from '../src/init-protocol.ts';

const core = (await import('@oci/core')) as any;

function pair() {
  const [a, b] = core.socketpair() as [number, number];
  const child = {
    send: (m: unknown) => fs.writeSync(b, JSON.stringify(m) + '\n'),
    /** The next line the parent wrote (blocking read on the child's end). */
    read: (): any => {
      let line = '';
      const buf = Buffer.alloc(1);
      while (fs.readSync(b, buf, 0, 1, null) === 1 && buf[0] !== 10) line += String.fromCharCode(buf[0]);
      return JSON.parse(line);
    },
    close: () => fs.closeSync(b),
  };
  return { parent: new SyncChannel(a), child };
}

t.test('idmap, pid, createRuntime, ready: each answered in order', async (t) => {
  const { parent, child } = pair();
  const seen: string[] = [];
  const done = runProtocol(parent, {
    idmap: (pid) => { seen.push(`idmap ${pid}`); },
    pid: (pid) => { seen.push(`pid ${pid}`); return { id: 'c1', status: 'creating', pid }; },
    createRuntime: async () => { seen.push('createRuntime'); },
  });
  child.send({ type: 'idmap', pid: 11 });
  // Replies are read with blocking reads: let the parent's event loop run first.
  await new Promise((r) => setTimeout(r, 20));
  t.same(child.read(), { type: 'ok' });
  child.send({ type: 'pid', pid: 12 });
  await new Promise((r) => setTimeout(r, 20));
  t.same(child.read(), { type: 'ok', state: { id: 'c1', status: 'creating', pid: 12 }, processPid: 12 }, 'the state for the hooks comes back with the pid reply, and the pid a seccomp agent is told');
  child.send({ type: 'createRuntime' });
  await new Promise((r) => setTimeout(r, 20));
  t.same(child.read(), { type: 'ok' });
  child.send({ type: 'ready' });
  t.same(await done, { pid: 12 });
  t.same(seen, ['idmap 11', 'pid 12', 'createRuntime']);
  parent.close();
  child.close();
});

t.test('a child error becomes an InitError naming the step, with its errno', async (t) => {
  const { parent, child } = pair();
  const done = runProtocol(parent, { idmap() {}, pid() { return {}; }, createRuntime() {} });
  child.send({ type: 'error', step: 'mount', errno: 2, message: 'mount /data: No such file or directory' });
  await t.rejects(done, { code: 'EINIT', step: 'mount', errno: 2, message: 'mount: mount /data: No such file or directory' });
  t.ok((await done.catch((e) => e)) instanceof InitError);
  parent.close();
  child.close();
});

t.test('a failing handler is reported to the child and thrown', async (t) => {
  const { parent, child } = pair();
  const done = runProtocol(parent, { idmap() {}, pid() { throw Object.assign(new Error('cgroup: EBUSY'), { errno: -16 }); }, createRuntime() {} });
  done.catch(() => {});
  child.send({ type: 'pid', pid: 5 });
  await new Promise((r) => setTimeout(r, 20));
  t.same(child.read(), { type: 'error', message: 'cgroup: EBUSY' }, 'the child is told to abort');
  await t.rejects(done, { code: 'EINIT', step: 'pid', errno: 16 });
  parent.close();
  child.close();
});

t.test('EOF before ready means the init died', async (t) => {
  const { parent, child } = pair();
  const done = runProtocol(parent, { idmap() {}, pid() { return {}; }, createRuntime() {} });
  child.close();
  await t.rejects(done, { code: 'EINIT', message: /exited before it was ready/ });
  parent.close();
});

t.test('ready before pid is a protocol error; garbage is reported', async (t) => {
  const { parent, child } = pair();
  const done = runProtocol(parent, { idmap() {}, pid() { return {}; }, createRuntime() {} });
  child.send({ type: 'ready' });
  await t.rejects(done, { code: 'EINIT', step: 'protocol', message: /before reporting its pid/ });
  parent.close();
  child.close();
  const p2 = pair();
  const d2 = runProtocol(p2.parent, { idmap() {}, pid() { return {}; }, createRuntime() {} });
  p2.child.send({ type: 'bogus' });
  await t.rejects(d2, { code: 'EINIT', step: 'protocol', message: /unexpected message/ });
  p2.parent.close();
  p2.child.close();
});
