// causeChain: how a library error reaches the user (issue 13's "errors a
// person reads"). Node's own system errors are put in runc's words; a typed
// library error that carries `syscall`/`code` keeps its message (it names the
// file and value): the v2 guest showed `update --cpuset-cpus 63` print
// "write: ewrite" when the two were confused.
import t from 'tap';
import fs from 'node:fs';
import { CgroupError } from '@oci/cgroups';
import { causeChain } from '../src/errors.ts';

t.test('a Node system error is said in words with its path', async (t) => {
  let err: unknown;
  try { fs.readFileSync('/nonexistent/oci-ts-errors-test'); } catch (e) { err = e; }
  t.same(causeChain(err), ['open /nonexistent/oci-ts-errors-test: no such file or directory']);
});

t.test('a CgroupError with syscall and code keeps its own message', async (t) => {
  const cause = Object.assign(new Error('EINVAL: invalid argument, write'), { code: 'EINVAL', syscall: 'write', errno: -22 });
  const e = new CgroupError('EWRITE', 'cgroups: cpuset: writing "63" to /sys/fs/cgroup/x/cpuset.cpus: invalid argument', { errno: 22, syscall: 'write', file: '/sys/fs/cgroup/x/cpuset.cpus', resource: 'cpuset', cause });
  const lines = causeChain(e);
  t.match(lines[0], /cpuset\.cpus/, 'the file is named');
  t.notMatch(lines.join('\n'), /ewrite/, 'never the code lower-cased in place of the message');
});

t.test('a cause that the message already names by its code is not said twice', async (t) => {
  const cause = Object.assign(new Error('ERANGE: result too large, write'), { code: 'ERANGE', syscall: 'write', errno: -34 });
  const e = new CgroupError('EWRITE', 'cgroups: writing "63" to /x/cpuset.cpus: result too large (ERANGE)', { errno: 34, syscall: 'write', cause });
  t.same(causeChain(e), ['cgroups: writing "63" to /x/cpuset.cpus: result too large (ERANGE)']);
});

t.test('an errno without a table entry is said in libuv\'s words, not as its code', async (t) => {
  let err: unknown;
  try { fs.linkSync('/proc/version', '/tmp/oci-ts-errors-test-link'); } catch (e) { err = e; }
  t.same(causeChain(err), ['link /proc/version: cross-device link not permitted'], 'EXDEV in words');
});

t.test('--log that cannot be opened: one log line on stderr in runc\'s words, exit 1 (runc as control)', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const path = await import('node:path');
  const bin = path.join(import.meta.dirname, '../bin/oci-ts.cjs');
  const file = '/nonexistent/oci-ts-errors-test/log';
  const r = spawnSync(process.execPath, [bin, '--log', file, 'list'], { encoding: 'utf8' });
  t.equal(r.status, 1, 'exit 1');
  t.match(r.stderr, /level=error msg="open \/nonexistent\/oci-ts-errors-test\/log: no such file or directory"/, r.stderr);
  t.notMatch(r.stderr, /ENOENT/, 'no Node errno text');
  const c = spawnSync('runc', ['--log', file, 'list'], { encoding: 'utf8' });
  if (c.error) return;
  t.equal(c.status, r.status, 'runc exits the same');
  t.match(c.stderr, /msg="open \/nonexistent\/oci-ts-errors-test\/log: no such file or directory"/, `runc says the same: ${c.stderr}`);
});
