// Architectures: OCI names (runtime-spec config-linux.md "seccomp"), the
// AUDIT_ARCH_* token the kernel puts in seccomp_data.arch (linux/audit.h),
// word size and byte order (they decide where the argument words live in
// seccomp_data), and how the raw table numbers map to kernel numbers.
import { SYSCALL_NAMES, SYSCALL_NUMBERS, type TableArch } from './syscalls.generated.ts';
import { SeccompError } from './errors.ts';

const AUDIT_ARCH_64BIT = 0x80000000;
const AUDIT_ARCH_LE = 0x40000000;
const AUDIT_ARCH_CONVENTION_MIPS64_N32 = 0x20000000;

/** x32 syscalls are x86_64 syscalls with this bit set (arch/x86/include/uapi/asm/unistd.h). */
export const X32_SYSCALL_BIT = 0x40000000;

export interface ArchDef {
  /** OCI / libseccomp name, e.g. SCMP_ARCH_X86_64. */
  readonly name: string;
  /** AUDIT_ARCH_* value compared against seccomp_data.arch. */
  readonly token: number;
  readonly bits: 32 | 64;
  readonly littleEndian: boolean;
  readonly table: TableArch;
  /** Added to every table number (MIPS ABIs, x32). */
  readonly base: number;
  /** socketcall(2)/ipc(2) numbers where the arch multiplexes them (x86, s390). */
  readonly socketcall?: number;
  readonly ipc?: number;
}

function def(name: string, em: number, bits: 32 | 64, le: boolean, table: TableArch, extra: { base?: number; convention?: number; socketcall?: number; ipc?: number } = {}): ArchDef {
  const token = (em | (bits === 64 ? AUDIT_ARCH_64BIT : 0) | (le ? AUDIT_ARCH_LE : 0) | (extra.convention ?? 0)) >>> 0;
  const d: ArchDef = { name, token, bits, littleEndian: le, table, base: extra.base ?? 0 };
  return extra.socketcall === undefined ? d : { ...d, socketcall: extra.socketcall, ipc: extra.ipc };
}

const EM = { I386: 3, X86_64: 62, ARM: 40, AARCH64: 183, MIPS: 8, PPC: 20, PPC64: 21, S390: 22, RISCV: 243, LOONGARCH: 258, PARISC: 15, M68K: 4, SH: 42 };

export const ARCHES: readonly ArchDef[] = [
  def('SCMP_ARCH_X86', EM.I386, 32, true, 'x86', { socketcall: 102, ipc: 117 }),
  def('SCMP_ARCH_X86_64', EM.X86_64, 64, true, 'x86_64'),
  // x32 shares AUDIT_ARCH_X86_64; the kernel marks x32 calls with
  // X32_SYSCALL_BIT. Its arguments are 32-bit (libseccomp arch-x32.c:
  // ARCH_SIZE_32), so rules compare the low words only.
  { ...def('SCMP_ARCH_X32', EM.X86_64, 64, true, 'x32', { base: X32_SYSCALL_BIT }), bits: 32 },
  def('SCMP_ARCH_ARM', EM.ARM, 32, true, 'arm'),
  def('SCMP_ARCH_AARCH64', EM.AARCH64, 64, true, 'aarch64'),
  def('SCMP_ARCH_LOONGARCH64', EM.LOONGARCH, 64, true, 'loongarch64'),
  def('SCMP_ARCH_M68K', EM.M68K, 32, false, 'm68k'),
  def('SCMP_ARCH_MIPS', EM.MIPS, 32, false, 'mips', { base: 4000 }),
  def('SCMP_ARCH_MIPSEL', EM.MIPS, 32, true, 'mips', { base: 4000 }),
  def('SCMP_ARCH_MIPS64', EM.MIPS, 64, false, 'mips64', { base: 5000 }),
  def('SCMP_ARCH_MIPSEL64', EM.MIPS, 64, true, 'mips64', { base: 5000 }),
  // n32 is an ILP32 ABI: 32-bit arguments (libseccomp arch-mips64n32.c ARCH_SIZE_32).
  { ...def('SCMP_ARCH_MIPS64N32', EM.MIPS, 64, false, 'mips64n32', { convention: AUDIT_ARCH_CONVENTION_MIPS64_N32, base: 6000 }), bits: 32 },
  { ...def('SCMP_ARCH_MIPSEL64N32', EM.MIPS, 64, true, 'mips64n32', { convention: AUDIT_ARCH_CONVENTION_MIPS64_N32, base: 6000 }), bits: 32 },
  def('SCMP_ARCH_PARISC', EM.PARISC, 32, false, 'parisc'),
  def('SCMP_ARCH_PARISC64', EM.PARISC, 64, false, 'parisc64'),
  def('SCMP_ARCH_PPC', EM.PPC, 32, false, 'ppc'),
  def('SCMP_ARCH_PPC64', EM.PPC64, 64, false, 'ppc64'),
  def('SCMP_ARCH_PPC64LE', EM.PPC64, 64, true, 'ppc64'),
  def('SCMP_ARCH_RISCV64', EM.RISCV, 64, true, 'riscv64'),
  def('SCMP_ARCH_S390', EM.S390, 32, false, 's390', { socketcall: 102, ipc: 117 }),
  def('SCMP_ARCH_S390X', EM.S390, 64, false, 's390x', { socketcall: 102, ipc: 117 }),
  def('SCMP_ARCH_SH', EM.SH, 32, true, 'sh'),
  def('SCMP_ARCH_SHEB', EM.SH, 32, false, 'sh'),
];

const BY_NAME = new Map(ARCHES.map((a) => [a.name, a]));
// Friendly aliases: Node's process.arch, uname -m and libseccomp's short names.
const ALIASES: Record<string, string> = {
  x64: 'SCMP_ARCH_X86_64', x86_64: 'SCMP_ARCH_X86_64', amd64: 'SCMP_ARCH_X86_64',
  ia32: 'SCMP_ARCH_X86', x86: 'SCMP_ARCH_X86', i386: 'SCMP_ARCH_X86', i686: 'SCMP_ARCH_X86',
  x32: 'SCMP_ARCH_X32', arm: 'SCMP_ARCH_ARM', arm64: 'SCMP_ARCH_AARCH64', aarch64: 'SCMP_ARCH_AARCH64',
  loong64: 'SCMP_ARCH_LOONGARCH64', loongarch64: 'SCMP_ARCH_LOONGARCH64', riscv64: 'SCMP_ARCH_RISCV64',
  ppc64: 'SCMP_ARCH_PPC64LE' /* Node reports ppc64 for ppc64le */, ppc64le: 'SCMP_ARCH_PPC64LE', ppc: 'SCMP_ARCH_PPC',
  s390x: 'SCMP_ARCH_S390X', s390: 'SCMP_ARCH_S390', mips: 'SCMP_ARCH_MIPS', mipsel: 'SCMP_ARCH_MIPSEL',
  mips64: 'SCMP_ARCH_MIPS64', mips64el: 'SCMP_ARCH_MIPSEL64', m68k: 'SCMP_ARCH_M68K',
};

/** Resolve an OCI name (SCMP_ARCH_*) or an alias (x64, arm64, x86_64, ...). */
export function findArch(name: string): ArchDef | undefined {
  return BY_NAME.get(name) ?? BY_NAME.get(ALIASES[name] ?? '') ?? BY_NAME.get(ALIASES[name.toLowerCase()] ?? '');
}

export function getArch(name: string, pointer?: string): ArchDef {
  const a = findArch(name);
  if (!a) throw new SeccompError('EARCH', `unknown architecture ${JSON.stringify(name)}`, pointer === undefined ? {} : { pointer });
  return a;
}

/** The architecture this process runs on (the "native" arch libseccomp always includes). */
export function nativeArch(): ArchDef {
  const a = findArch(process.arch);
  if (!a) throw new SeccompError('EARCH', `unsupported host architecture ${process.arch}`);
  return a;
}

const NAME_INDEX = new Map(SYSCALL_NAMES.map((n, i) => [n, i]));

/** True when some table knows the name (an unknown name is skipped like runc does, or rejected in strict mode). */
export function isKnownSyscall(name: string): boolean {
  return NAME_INDEX.has(name);
}

/** Kernel syscall number of `name` on `arch`, or undefined when the arch lacks it. */
export function syscallNumber(arch: ArchDef, name: string): number | undefined {
  const i = NAME_INDEX.get(name);
  if (i === undefined) return undefined;
  const n = SYSCALL_NUMBERS[arch.table][i];
  return n < 0 ? undefined : (n + arch.base) >>> 0;
}

/** Name of a kernel syscall number on `arch` (for disassembly and the CLI). */
export function syscallName(arch: ArchDef, nr: number): string | undefined {
  let map = reverseCache.get(arch.name);
  if (!map) {
    map = new Map();
    const nums = SYSCALL_NUMBERS[arch.table];
    for (let i = 0; i < nums.length; i++) if (nums[i] >= 0) map.set((nums[i] + arch.base) >>> 0, SYSCALL_NAMES[i]);
    reverseCache.set(arch.name, map);
  }
  return map.get(nr >>> 0);
}
const reverseCache = new Map<string, Map<number, string>>();

/** All (name, number) pairs of an arch, for tests and tools. */
export function syscallTable(arch: ArchDef): Array<[string, number]> {
  const nums = SYSCALL_NUMBERS[arch.table];
  const out: Array<[string, number]> = [];
  for (let i = 0; i < nums.length; i++) if (nums[i] >= 0) out.push([SYSCALL_NAMES[i], (nums[i] + arch.base) >>> 0]);
  return out;
}

/**
 * socketcall(2) sub-call numbers (include/uapi/linux/net.h SYS_*). On x86 and
 * s390 a rule on one of these names also matches socketcall(call, ...) with
 * args[0] == call, as libseccomp's arch-x86.c / arch-s390*.c do.
 */
export const SOCKETCALL: Readonly<Record<string, number>> = {
  socket: 1, bind: 2, connect: 3, listen: 4, accept: 5, getsockname: 6, getpeername: 7, socketpair: 8,
  send: 9, recv: 10, sendto: 11, recvfrom: 12, shutdown: 13, setsockopt: 14, getsockopt: 15,
  sendmsg: 16, recvmsg: 17, accept4: 18, recvmmsg: 19, sendmmsg: 20,
};
/** ipc(2) sub-call numbers (include/uapi/linux/ipc.h). */
export const IPCCALL: Readonly<Record<string, number>> = {
  semop: 1, semget: 2, semctl: 3, semtimedop: 4, msgsnd: 11, msgrcv: 12, msgget: 13, msgctl: 14,
  shmat: 21, shmdt: 22, shmget: 23, shmctl: 24,
};

/** Offset in struct seccomp_data of the low / high 32-bit word of args[i]. */
export function argOffset(arch: ArchDef, index: number, high: boolean): number {
  const base = 16 + 8 * index;
  // A u64 in native byte order: the low word comes first on little-endian.
  return arch.littleEndian === !high ? base : base + 4;
}
