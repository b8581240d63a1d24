// Unit tests of the compiler's semantics, run through our interpreter.
import t from 'tap';
import { compile, evaluate, SeccompError, SECCOMP_RET, SECCOMP_FILTER_FLAG, disassemble, syscallNumber, findArch } from '../src/index.ts';

const X64 = findArch('SCMP_ARCH_X86_64')!;
const nr = (name: string, arch = X64) => syscallNumber(arch, name)!;
const run = (p: any, name: string, args: Array<number | bigint> = [], opts: any = {}, arch = 'SCMP_ARCH_X86_64') =>
  evaluate(compile(p, { arch: 'x86_64', ...opts }).bpf, { nr: typeof name === 'number' ? name : nr(name, findArch(arch)!), arch, args }).name;

t.test('actions and errnoRet', async (t) => {
  const p = {
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      { names: ['read'], action: 'SCMP_ACT_ALLOW' },
      { names: ['write'], action: 'SCMP_ACT_ERRNO', errnoRet: 5 },
      { names: ['close'], action: 'SCMP_ACT_KILL' },
      { names: ['dup'], action: 'SCMP_ACT_KILL_PROCESS' },
      { names: ['dup2'], action: 'SCMP_ACT_TRAP' },
      { names: ['getpid'], action: 'SCMP_ACT_TRACE' },
      { names: ['getppid'], action: 'SCMP_ACT_LOG' },
      { names: ['getuid'], action: 'SCMP_ACT_NOTIFY' },
    ],
  };
  t.equal(run(p, 'read'), 'ALLOW');
  t.equal(run(p, 'write'), 'ERRNO(5)');
  t.equal(run(p, 'close'), 'KILL_THREAD', 'SCMP_ACT_KILL is KILL_THREAD');
  t.equal(run(p, 'dup'), 'KILL_PROCESS');
  t.equal(run(p, 'dup2'), 'TRAP');
  t.equal(run(p, 'getpid'), 'TRACE(1)', 'TRACE defaults to EPERM like runc');
  t.equal(run(p, 'getppid'), 'LOG');
  t.equal(run(p, 'getuid'), 'NOTIFY');
  t.equal(run(p, 'chdir'), 'ERRNO(1)', 'default ERRNO is EPERM');
  t.equal(run({ ...p, defaultErrnoRet: 13 }, 'chdir'), 'ERRNO(13)', 'defaultErrnoRet');
  const r = compile(p as any, { arch: 'x86_64' });
  t.ok(r.listener, 'NOTIFY needs a listener');
  t.equal(r.flags & SECCOMP_FILTER_FLAG.NEW_LISTENER, SECCOMP_FILTER_FLAG.NEW_LISTENER);
});

t.test('argument comparisons, 64-bit and 32-bit', async (t) => {
  const p = (op: string, value: number | bigint, valueTwo?: number | bigint) => ({
    defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86'],
    syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, op, value, ...(valueTwo === undefined ? {} : { valueTwo }) }] }],
  });
  const big = 0x100000005n;
  t.equal(run(p('SCMP_CMP_EQ', big), 'read', [0, big]), 'ALLOW');
  t.equal(run(p('SCMP_CMP_EQ', big), 'read', [0, 5]), 'ERRNO(1)', 'high word compared on x86_64');
  t.equal(run(p('SCMP_CMP_EQ', big), 'read', [0, 5], {}, 'SCMP_ARCH_X86'), 'ALLOW', 'low word only on x86');
  t.equal(run(p('SCMP_CMP_GT', big), 'read', [0, 0x200000000n]), 'ALLOW', 'GT: higher high word');
  t.equal(run(p('SCMP_CMP_GT', big), 'read', [0, 0x100000006n]), 'ALLOW');
  t.equal(run(p('SCMP_CMP_GT', big), 'read', [0, big]), 'ERRNO(1)');
  t.equal(run(p('SCMP_CMP_GE', big), 'read', [0, big]), 'ALLOW');
  t.equal(run(p('SCMP_CMP_LT', big), 'read', [0, 0xffffffffn]), 'ALLOW', 'LT: lower high word');
  t.equal(run(p('SCMP_CMP_LT', big), 'read', [0, big]), 'ERRNO(1)');
  t.equal(run(p('SCMP_CMP_LE', big), 'read', [0, big]), 'ALLOW');
  t.equal(run(p('SCMP_CMP_NE', big), 'read', [0, big]), 'ERRNO(1)');
  t.equal(run(p('SCMP_CMP_NE', big), 'read', [0, 5]), 'ALLOW');
  t.equal(run(p('SCMP_CMP_MASKED_EQ', 0xf0, 0x30), 'read', [0, 0x3f]), 'ALLOW', 'value is the mask, valueTwo the datum');
  t.equal(run(p('SCMP_CMP_MASKED_EQ', 0xf0, 0x30), 'read', [0, 0x4f]), 'ERRNO(1)');
});

t.test('AND within a rule, OR across rules, repeated index split like runc', async (t) => {
  const p = {
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      { names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, op: 'SCMP_CMP_EQ', value: 1 }, { index: 2, op: 'SCMP_CMP_EQ', value: 3 }] },
      { names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, op: 'SCMP_CMP_EQ', value: 7 }] },
      { names: ['write'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, op: 'SCMP_CMP_EQ', value: 1 }, { index: 0, op: 'SCMP_CMP_EQ', value: 2 }] },
    ],
  };
  t.equal(run(p, 'read', [1, 0, 3]), 'ALLOW');
  t.equal(run(p, 'read', [1, 0, 4]), 'ERRNO(1)', 'both conditions needed');
  t.equal(run(p, 'read', [7]), 'ALLOW', 'second rule');
  t.equal(run(p, 'write', [1]), 'ALLOW', 'repeated index becomes OR');
  t.equal(run(p, 'write', [2]), 'ALLOW');
  t.equal(run(p, 'write', [3]), 'ERRNO(1)');
});

t.test('unconditional rule wins; same-as-default rules are skipped', async (t) => {
  const p = {
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      { names: ['read'], action: 'SCMP_ACT_ERRNO' },
      { names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, op: 'SCMP_CMP_EQ', value: 1 }] },
      { names: ['write'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, op: 'SCMP_CMP_EQ', value: 1 }] },
      { names: ['write'], action: 'SCMP_ACT_LOG' },
    ],
  };
  t.equal(run(p, 'read', [1]), 'ALLOW', 'the default-action rule is dropped (runc)');
  t.equal(run(p, 'write', [1]), 'LOG', 'unconditional rule replaces the conditional one');
});

t.test('architectures, x32 and bad arch', async (t) => {
  const p = { defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'], syscalls: [{ names: ['read', 'socket'], action: 'SCMP_ACT_ALLOW' }] };
  const { bpf } = compile(p as any, { arch: 'x86_64' });
  t.equal(evaluate(bpf, { nr: 0, arch: 'SCMP_ARCH_X86_64' }).name, 'ALLOW');
  t.equal(evaluate(bpf, { nr: 3, arch: 'SCMP_ARCH_X86' }).name, 'ALLOW', 'x86 read is 3');
  t.equal(evaluate(bpf, { nr: 0x40000000, arch: 'SCMP_ARCH_X86_64' }).name, 'ALLOW', 'x32 read');
  t.equal(evaluate(bpf, { nr: 102, arch: 'SCMP_ARCH_X86', args: [1] }).name, 'ALLOW', 'socketcall(SYS_SOCKET) on x86');
  t.equal(evaluate(bpf, { nr: 102, arch: 'SCMP_ARCH_X86', args: [3] }).name, 'ERRNO(1)', 'socketcall(SYS_CONNECT) denied');
  t.equal(evaluate(bpf, { nr: 63, arch: 'SCMP_ARCH_AARCH64' }).name, 'KILL_THREAD', 'unlisted arch is killed');
  const only64 = compile({ ...p, architectures: [] } as any, { arch: 'x86_64' }).bpf;
  t.equal(evaluate(only64, { nr: 0x40000000, arch: 'SCMP_ARCH_X86_64' }).name, 'KILL_THREAD', 'x32 call on an x86_64-only filter');
  t.equal(evaluate(only64, { nr: 0xffffffff, arch: 'SCMP_ARCH_X86_64' }).name, 'ERRNO(1)', 'nr -1 reaches the default');
});

t.test('ENOSYS stub', async (t) => {
  const p = { defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X32'], syscalls: [{ names: ['read', 'openat'], action: 'SCMP_ACT_ALLOW' }, { names: ['mount'], action: 'SCMP_ACT_ERRNO' }] };
  t.equal(run(p, 600 as any), 'ERRNO(38)', 'above the highest syscall of the profile');
  t.equal(run(p, 'close'), 'ERRNO(1)', 'below it: the default');
  t.equal(run(p, 600 as any, [], { enosysStub: false }), 'ERRNO(1)', 'can be turned off');
  t.equal(run({ ...p, defaultAction: 'SCMP_ACT_ALLOW' }, 600 as any), 'ALLOW', 'no stub for permissive defaults');
  t.equal(evaluate(compile(p as any, { arch: 'x86_64' }).bpf, { nr: 0x40000000 + 600, arch: 'SCMP_ARCH_X86_64' }).name, 'ERRNO(38)', 'x32 maximum');
});

t.test('flags', async (t) => {
  const r = compile({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_TSYNC'] } as any, { arch: 'x86_64' });
  t.equal(r.flags, SECCOMP_FILTER_FLAG.LOG | SECCOMP_FILTER_FLAG.SPEC_ALLOW | SECCOMP_FILTER_FLAG.TSYNC);
  t.equal(r.listener, false);
  const wk = { defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'] };
  t.equal(compile(wk as any, { arch: 'x86_64' }).flags, 0, 'WAIT_KILLABLE_RECV needs a listener');
  const wkn = { ...wk, flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV', 'SECCOMP_FILTER_FLAG_TSYNC'], syscalls: [{ names: ['ioctl'], action: 'SCMP_ACT_NOTIFY' }] };
  t.equal(compile(wkn as any, { arch: 'x86_64' }).flags,
    SECCOMP_FILTER_FLAG.WAIT_KILLABLE_RECV | SECCOMP_FILTER_FLAG.NEW_LISTENER | SECCOMP_FILTER_FLAG.TSYNC | SECCOMP_FILTER_FLAG.TSYNC_ESRCH);
});

t.test('bad profiles get a clear error naming the rule', async (t) => {
  const base = { defaultAction: 'SCMP_ACT_ERRNO' };
  t.throws(() => compile({ ...base, syscalls: [{ names: ['read'], action: 'SCMP_ACT_NOPE' }] } as any), { code: 'EACTION', pointer: '/syscalls/0/action' });
  t.throws(() => compile({ ...base, syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', errnoRet: 1 }] } as any), { code: 'EACTION' });
  t.throws(() => compile({ ...base, syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, op: 'SCMP_CMP_XX', value: 1 }] }] } as any), { code: 'EOP', pointer: '/syscalls/0/args/0/op' });
  t.throws(() => compile({ ...base, syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 6, op: 'SCMP_CMP_EQ', value: 1 }] }] } as any), { code: 'EARGINDEX' });
  t.throws(() => compile({ ...base, architectures: ['SCMP_ARCH_VAX'] } as any), { code: 'EARCH' });
  t.throws(() => compile({ ...base, syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, op: 'SCMP_CMP_EQ', value: JSON.parse('18446744073709551615') }] }] } as any), { code: 'EARGVALUE' }, 'a rounded double is refused');
  t.throws(() => compile({ ...base, syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, op: 'SCMP_CMP_EQ', value: -1 }] }] } as any), { code: 'EARGVALUE' });
  t.throws(() => compile({ ...base, flags: ['SECCOMP_FILTER_FLAG_NOPE'] } as any), { code: 'EFLAG' });
  t.throws(() => compile({ ...base, syscalls: [{ names: ['no_such_syscall'], action: 'SCMP_ACT_ALLOW' }] } as any, { strict: true }), { code: 'EUNKNOWNSYSCALL' });
  const r = compile({ ...base, syscalls: [{ names: ['no_such_syscall'], action: 'SCMP_ACT_ALLOW' }] } as any);
  t.same(r.unknownSyscalls, ['no_such_syscall'], 'unknown names are skipped like runc');
  // > 4096 instructions: many distinct argument rules.
  const many = { ...base, syscalls: Array.from({ length: 1500 }, (_, i) => ({ names: ['ioctl'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, op: 'SCMP_CMP_EQ', value: (BigInt(i) << 32n) | 7n }] })) };
  t.throws(() => compile(many as any, { arch: 'x86_64' }), { code: 'ETOOLONG' });
  t.ok(compile({ ...base } as any) && true);
  t.ok(SeccompError);
});

t.test('disassemble names arches and syscalls', async (t) => {
  const { bpf } = compile({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] } as any, { arch: 'x86_64' });
  const text = disassemble(bpf, { arch: X64 });
  t.match(text, /ld  \[4\]/);
  t.match(text, /SCMP_ARCH_X86_64/);
  t.match(text, /ret ALLOW/);
  t.equal(evaluate(bpf, { nr: 0, arch: 'SCMP_ARCH_X86_64' }).action, SECCOMP_RET.ALLOW);
});

t.test('big-endian arches: argument words and socketcall', async (t) => {
  const p = {
    defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_S390'],
    syscalls: [
      { names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, op: 'SCMP_CMP_EQ', value: 0x100000005n }] },
      { names: ['connect'], action: 'SCMP_ACT_ALLOW' },
    ],
  };
  const { bpf } = compile(p as any, { arch: 's390x', enosysStub: false });
  const s390x = findArch('SCMP_ARCH_S390X')!, s390 = findArch('SCMP_ARCH_S390')!;
  const ev = (arch: any, name: string, args: Array<number | bigint>) => evaluate(bpf, { nr: syscallNumber(arch, name)!, arch: arch.name, args }).name;
  t.equal(ev(s390x, 'read', [0x100000005n]), 'ALLOW', 's390x: both words of a 64-bit value');
  t.equal(ev(s390x, 'read', [5]), 'ERRNO(1)', 's390x: the high word is checked');
  t.equal(ev(s390, 'read', [5]), 'ALLOW', 's390 (31-bit): low word only');
  t.equal(evaluate(bpf, { nr: 102, arch: 'SCMP_ARCH_S390X', args: [3] }).name, 'ALLOW', 'socketcall(SYS_CONNECT) on s390x');
  t.equal(ev(s390x, 'connect', []), 'ALLOW', 'direct connect on s390x');
  t.throws(() => compile(p as any, { arch: 'x86_64' }), { code: 'EARCHENDIAN' }, 'a big-endian arch in a little-endian filter');
});
