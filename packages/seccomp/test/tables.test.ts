// The generated syscall tables: known numbers, the arch-specific offsets,
// and (when ../shared is present) every entry of the kernel's per-arch
// tables in ../shared/data/seccomp/syscalls.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findArch, syscallNumber, syscallName, isKnownSyscall } from '../src/arch.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dir = path.resolve(repoRoot, '../shared/data/seccomp/syscalls');
const nr = (arch: string, name: string) => syscallNumber(findArch(arch)!, name);

t.test('well-known numbers', async (t) => {
  t.equal(nr('SCMP_ARCH_X86_64', 'read'), 0);
  t.equal(nr('SCMP_ARCH_X86', 'read'), 3);
  t.equal(nr('SCMP_ARCH_X32', 'read'), 0x40000000, 'x32 numbers carry the x32 bit');
  t.equal(nr('SCMP_ARCH_AARCH64', 'read'), 63);
  t.equal(nr('SCMP_ARCH_MIPS', 'read'), 4003, 'MIPS o32 base 4000');
  t.equal(nr('SCMP_ARCH_MIPS64', 'read'), 5000, 'MIPS n64 base 5000');
  t.equal(nr('SCMP_ARCH_MIPS64N32', 'read'), 6000, 'MIPS n32 base 6000');
  t.equal(nr('SCMP_ARCH_S390X', 'socketcall'), 102);
  t.equal(nr('SCMP_ARCH_X86_64', 'socketcall'), undefined, 'x86_64 has no socketcall');
  t.equal(nr('SCMP_ARCH_AARCH64', 'open'), undefined, 'aarch64 has no open');
  t.equal(syscallName(findArch('SCMP_ARCH_X86_64')!, 435), 'clone3');
  t.ok(isKnownSyscall('openat2'));
  t.notOk(isKnownSyscall('no_such_syscall'));
});

const FILES: Record<string, string> = {
  x86_64: 'SCMP_ARCH_X86_64', i386: 'SCMP_ARCH_X86', x32: 'SCMP_ARCH_X32', arm: 'SCMP_ARCH_ARM', arm64: 'SCMP_ARCH_AARCH64',
  loongarch64: 'SCMP_ARCH_LOONGARCH64', powerpc64: 'SCMP_ARCH_PPC64LE', riscv64: 'SCMP_ARCH_RISCV64', s390x: 'SCMP_ARCH_S390X',
};
if (fs.existsSync(dir)) {
  for (const [file, archName] of Object.entries(FILES)) {
    t.test(`${archName} matches syscalls-${file}`, async (t) => {
      const arch = findArch(archName)!;
      const wrong: string[] = [];
      let n = 0;
      for (const line of fs.readFileSync(path.join(dir, `syscalls-${file}`), 'utf8').split('\n')) {
        const [name, num] = line.trim().split('\t');
        if (!name) continue;
        n++;
        const ours = syscallNumber(arch, name);
        const want = num === undefined ? undefined : Number(num);
        if (ours !== want) wrong.push(`${name}: ours ${ours}, kernel ${want}`);
      }
      t.same(wrong, [], `${n} names`);
    });
  }
} else {
  t.comment(`kernel tables skipped: ${dir} is absent`);
}
