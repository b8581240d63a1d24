// Classic BPF as seccomp uses it (linux/filter.h, linux/bpf_common.h,
// Documentation/userspace-api/seccomp_filter.rst). A program is an array of
// struct sock_filter { __u16 code; __u8 jt; __u8 jf; __u32 k; } in host byte
// order: 8 bytes per instruction.
import { endianness } from 'node:os';
import { SeccompError } from './errors.ts';

export const BPF = {
  LD: 0x00, LDX: 0x01, ST: 0x02, STX: 0x03, ALU: 0x04, JMP: 0x05, RET: 0x06, MISC: 0x07,
  W: 0x00, H: 0x08, B: 0x10,
  IMM: 0x00, ABS: 0x20, IND: 0x40, MEM: 0x60, LEN: 0x80, MSH: 0xa0,
  ADD: 0x00, SUB: 0x10, MUL: 0x20, DIV: 0x30, OR: 0x40, AND: 0x50, LSH: 0x60, RSH: 0x70, NEG: 0x80, MOD: 0x90, XOR: 0xa0,
  JA: 0x00, JEQ: 0x10, JGT: 0x20, JGE: 0x30, JSET: 0x40,
  K: 0x00, X: 0x08, A: 0x10,
  TAX: 0x00, TXA: 0x80,
} as const;

/** BPF_MAXINSNS (linux/bpf_common.h): the kernel rejects longer programs. */
export const BPF_MAXINSNS = 4096;

/** struct seccomp_data offsets (linux/seccomp.h). */
export const SECCOMP_DATA = { nr: 0, arch: 4, ip: 8, args: 16, size: 64 } as const;

/** SECCOMP_RET_* (linux/seccomp.h); the low 16 bits are SECCOMP_RET_DATA. */
export const SECCOMP_RET = {
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0x00000000,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  USER_NOTIF: 0x7fc00000,
  TRACE: 0x7ff00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
} as const;
export const SECCOMP_RET_ACTION_FULL = 0xffff0000;
export const SECCOMP_RET_DATA = 0x0000ffff;

export interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

const hostLE = endianness() === 'LE';

export function encode(insns: readonly Insn[]): Uint8Array {
  const out = new Uint8Array(insns.length * 8);
  const dv = new DataView(out.buffer);
  insns.forEach((ins, i) => {
    dv.setUint16(i * 8, ins.code, hostLE);
    dv.setUint8(i * 8 + 2, ins.jt);
    dv.setUint8(i * 8 + 3, ins.jf);
    dv.setUint32(i * 8 + 4, ins.k >>> 0, hostLE);
  });
  return out;
}

export function decode(bpf: Uint8Array): Insn[] {
  if (!(bpf instanceof Uint8Array)) throw new SeccompError('EBPF', 'BPF program must be a Uint8Array');
  if (bpf.length % 8 !== 0) throw new SeccompError('EBPF', `BPF program length ${bpf.length} is not a multiple of 8`);
  const dv = new DataView(bpf.buffer, bpf.byteOffset, bpf.byteLength);
  const out: Insn[] = [];
  for (let i = 0; i < bpf.length; i += 8) {
    out.push({ code: dv.getUint16(i, hostLE), jt: dv.getUint8(i + 2), jf: dv.getUint8(i + 3), k: dv.getUint32(i + 4, hostLE) });
  }
  return out;
}

/** Name of the action in a SECCOMP_RET value, as libseccomp's tools print it. */
export function actionName(ret: number): string {
  const full = (ret & SECCOMP_RET_ACTION_FULL) >>> 0;
  const data = ret & SECCOMP_RET_DATA;
  switch (full) {
    case SECCOMP_RET.KILL_PROCESS: return 'KILL_PROCESS';
    case SECCOMP_RET.KILL_THREAD: return 'KILL_THREAD';
    case SECCOMP_RET.TRAP: return 'TRAP';
    case SECCOMP_RET.ERRNO: return `ERRNO(${data})`;
    case SECCOMP_RET.USER_NOTIF: return 'NOTIFY';
    case SECCOMP_RET.TRACE: return `TRACE(${data})`;
    case SECCOMP_RET.LOG: return 'LOG';
    case SECCOMP_RET.ALLOW: return 'ALLOW';
    default: return `0x${(ret >>> 0).toString(16)}`;
  }
}
