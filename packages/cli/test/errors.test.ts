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
