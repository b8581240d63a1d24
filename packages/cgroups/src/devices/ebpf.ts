/**
 * Compiles device rules into a BPF_PROG_TYPE_CGROUP_DEVICE program, the
 * cgroup v2 replacement of devices.allow/deny (cgroup-v2.rst "Device
 * controller"; runc's devicefilter plays the same role).
 *
 * The program gets `struct bpf_cgroup_dev_ctx { u32 access_type; u32 major;
 * u32 minor; }` in r1, where access_type = (access << 16) | type, and
 * returns 1 to allow, 0 to deny (include/uapi/linux/bpf.h).
 *
 * Semantics: the runtime-spec says the last matching rule wins. A request
 * can carry several access bits (open(O_RDWR) asks read|write), so each bit
 * is decided on its own by the last rule that matches the device and names
 * that bit; the request is allowed only when every bit is. No matching rule
 * denies (a v2 cgroup with a device program is an allow-list).
 */
import { normalizeRule, type DeviceRule } from './rule.ts';
import type { LinuxDeviceCgroup } from '../types.ts';

export const BPF_DEVCG_ACC_MKNOD = 1;
export const BPF_DEVCG_ACC_READ = 2;
export const BPF_DEVCG_ACC_WRITE = 4;
export const BPF_DEVCG_DEV_BLOCK = 1;
export const BPF_DEVCG_DEV_CHAR = 2;

// Opcodes (include/uapi/linux/bpf_common.h, bpf.h).
export const OP = {
  LDXW: 0x61, // BPF_LDX | BPF_MEM | BPF_W
  MOV32X: 0xbc, // BPF_ALU | BPF_MOV | BPF_X
  MOV32K: 0xb4, // BPF_ALU | BPF_MOV | BPF_K
  AND32K: 0x54, // BPF_ALU | BPF_AND | BPF_K
  RSH32K: 0x74, // BPF_ALU | BPF_RSH | BPF_K
  JA: 0x05, // BPF_JMP | BPF_JA
  JEQ32K: 0x16, // BPF_JMP32 | BPF_JEQ | BPF_K
  JNE32K: 0x56, // BPF_JMP32 | BPF_JNE | BPF_K
  EXIT: 0x95, // BPF_JMP | BPF_EXIT
} as const;

export interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

export interface DeviceProgram {
  /** 8 bytes per instruction, little endian (x86_64, arm64 hosts). */
  bytes: Uint8Array;
  insns: Insn[];
  license: string;
}

const ACCESS_BITS: [string, number][] = [
  ['m', BPF_DEVCG_ACC_MKNOD],
  ['r', BPF_DEVCG_ACC_READ],
  ['w', BPF_DEVCG_ACC_WRITE],
];

/** A tiny assembler: jumps name a label, resolved to offsets at the end. */
class Asm {
  readonly out: (Insn & { target?: string })[] = [];
  private readonly labels = new Map<string, number>();
  private n = 0;
  emit(code: number, dst = 0, src = 0, off = 0, imm = 0, target?: string): void {
    this.out.push(target === undefined ? { code, dst, src, off, imm } : { code, dst, src, off, imm, target });
  }
  label(): string {
    return `L${this.n++}`;
  }
  place(label: string): void {
    this.labels.set(label, this.out.length);
  }
  finish(): Insn[] {
    return this.out.map((i, pc) => {
      if (i.target === undefined) return i;
      const at = this.labels.get(i.target);
      if (at === undefined) throw new Error(`ebpf: unplaced label ${i.target}`);
      return { code: i.code, dst: i.dst, src: i.src, off: at - pc - 1, imm: i.imm };
    });
  }
}

export function encode(insns: Insn[]): Uint8Array {
  const buf = new Uint8Array(insns.length * 8);
  const dv = new DataView(buf.buffer);
  insns.forEach((i, k) => {
    dv.setUint8(k * 8, i.code);
    dv.setUint8(k * 8 + 1, ((i.src & 0xf) << 4) | (i.dst & 0xf));
    dv.setInt16(k * 8 + 2, i.off, true);
    dv.setInt32(k * 8 + 4, i.imm | 0, true);
  });
  return buf;
}

export function decode(bytes: Uint8Array): Insn[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Insn[] = [];
  for (let k = 0; k + 8 <= bytes.length; k += 8) {
    const regs = dv.getUint8(k + 1);
    out.push({ code: dv.getUint8(k), dst: regs & 0xf, src: regs >> 4, off: dv.getInt16(k + 2, true), imm: dv.getInt32(k + 4, true) });
  }
  return out;
}

function matchesAll(r: DeviceRule): boolean {
  return r.type === 'a' && r.major === -1 && r.minor === -1;
}

/** Compiles OCI device rules (or normalized ones) into the device program. */
export function compileDeviceProgram(rules: (LinuxDeviceCgroup | DeviceRule)[]): DeviceProgram {
  const norm = rules.map((r, i) => normalizeRule(r, i));
  const a = new Asm();
  // r2 = type, r3 = access, r4 = major, r5 = minor.
  a.emit(OP.LDXW, 2, 1, 0);
  a.emit(OP.AND32K, 2, 0, 0, 0xffff);
  a.emit(OP.LDXW, 3, 1, 0);
  a.emit(OP.RSH32K, 3, 0, 0, 16);
  a.emit(OP.LDXW, 4, 1, 4);
  a.emit(OP.LDXW, 5, 1, 8);
  for (const [letter, bit] of ACCESS_BITS) {
    const nextSection = a.label();
    a.emit(OP.MOV32X, 0, 3);
    a.emit(OP.AND32K, 0, 0, 0, bit);
    a.emit(OP.JEQ32K, 0, 0, 0, 0, nextSection);
    let unconditional = false;
    for (let i = norm.length - 1; i >= 0 && !unconditional; i--) {
      const r = norm[i];
      if (!r.access.includes(letter)) continue;
      const nextRule = a.label();
      if (r.type !== 'a') a.emit(OP.JNE32K, 2, 0, 0, r.type === 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, nextRule);
      if (r.major !== -1) a.emit(OP.JNE32K, 4, 0, 0, r.major, nextRule);
      if (r.minor !== -1) a.emit(OP.JNE32K, 5, 0, 0, r.minor, nextRule);
      if (r.allow) a.emit(OP.JA, 0, 0, 0, 0, nextSection);
      else {
        a.emit(OP.MOV32K, 0, 0, 0, 0);
        a.emit(OP.EXIT);
      }
      a.place(nextRule);
      // A rule matching every device decides this bit; earlier rules are dead.
      unconditional = matchesAll(r);
    }
    if (!unconditional) {
      a.emit(OP.MOV32K, 0, 0, 0, 0);
      a.emit(OP.EXIT);
    }
    a.place(nextSection);
  }
  a.emit(OP.MOV32K, 0, 0, 0, 1);
  a.emit(OP.EXIT);
  const insns = a.finish();
  return { insns, bytes: encode(insns), license: 'Apache-2.0' };
}

export interface DeviceRequest {
  type: 'b' | 'c';
  major: number;
  minor: number;
  /** Subset of "rwm". */
  access: string;
}

/**
 * The rule semantics in plain code, the reference the compiled program is
 * checked against: each access bit decided by the last matching rule.
 */
export function evaluateRules(rules: (LinuxDeviceCgroup | DeviceRule)[], req: DeviceRequest): boolean {
  const norm = rules.map((r, i) => normalizeRule(r, i));
  for (const letter of req.access) {
    let allowed = false;
    for (let i = norm.length - 1; i >= 0; i--) {
      const r = norm[i];
      if (!r.access.includes(letter)) continue;
      if (r.type !== 'a' && r.type !== req.type) continue;
      if (r.major !== -1 && r.major !== req.major) continue;
      if (r.minor !== -1 && r.minor !== req.minor) continue;
      allowed = r.allow;
      break;
    }
    if (!allowed) return false;
  }
  return true;
}

/** The ctx the kernel passes for a request (for the interpreter). */
export function requestContext(req: DeviceRequest): { accessType: number; major: number; minor: number } {
  let acc = 0;
  for (const [letter, bit] of ACCESS_BITS) if (req.access.includes(letter)) acc |= bit;
  const type = req.type === 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
  return { accessType: (acc << 16) | type, major: req.major, minor: req.minor };
}
