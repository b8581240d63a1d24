// A user-space seccomp BPF interpreter: runs a program on a struct
// seccomp_data the way the kernel does (kernel/seccomp.c, net/core/filter.c
// bpf_check_classic + the classic-BPF semantics), so every compiler output can
// be checked without loading it. It validates like the kernel first: only
// forward jumps inside the program, aligned 32-bit loads inside seccomp_data.
import { BPF, SECCOMP_DATA, SECCOMP_RET_ACTION_FULL, SECCOMP_RET_DATA, actionName, decode, type Insn } from './bpf.ts';
import { ARCHES, nativeArch, findArch, type ArchDef } from './arch.ts';
import { SeccompError } from './errors.ts';

export interface SeccompData {
  /** Syscall number (as the kernel sees it: x32 calls carry 0x40000000). */
  nr: number;
  /** AUDIT_ARCH_* token, or an arch name (SCMP_ARCH_X86_64, x64, ...). Native by default. */
  arch?: number | string;
  /** Up to 6 arguments, unsigned 64-bit (number or bigint). */
  args?: ReadonlyArray<number | bigint>;
  instructionPointer?: number | bigint;
  /** Alias of instructionPointer. */
  ip?: number | bigint;
}

export interface EvalResult {
  /** The raw SECCOMP_RET_* value. */
  ret: number;
  /** SECCOMP_RET_ACTION_FULL part. */
  action: number;
  /** SECCOMP_RET_DATA part (errno for ERRNO, data for TRACE). */
  data: number;
  /** e.g. "ALLOW", "ERRNO(1)", "KILL_THREAD". */
  name: string;
  /** Instructions executed, including the final ret. */
  steps: number;
}

const U64 = (1n << 64n) - 1n;

function toU64(v: number | bigint): bigint {
  const b = typeof v === 'bigint' ? v : BigInt(Math.trunc(v));
  return b & U64;
}

/** Check a program the way bpf_check_classic() and seccomp_check_filter() do. */
export function validate(insns: readonly Insn[]): void {
  if (insns.length === 0 || insns.length > 4096) throw new SeccompError('EBPF', `program has ${insns.length} instructions (1..4096 allowed)`);
  insns.forEach((ins, pc) => {
    const cls = ins.code & 0x07;
    if (cls === BPF.JMP) {
      const op = ins.code & 0xf0;
      const targets = op === BPF.JA ? [ins.k >>> 0] : [ins.jt, ins.jf];
      for (const t of targets) if (pc + 1 + t >= insns.length) throw new SeccompError('EBPF', `instruction ${pc}: jump out of the program`);
    } else if (cls === BPF.LD && (ins.code & 0xe0) === BPF.ABS) {
      if ((ins.code & 0x18) !== BPF.W || ins.k % 4 !== 0 || ins.k >= SECCOMP_DATA.size) throw new SeccompError('EBPF', `instruction ${pc}: load outside struct seccomp_data`);
    } else if ((cls === BPF.LD || cls === BPF.LDX || cls === BPF.ST || cls === BPF.STX) && (ins.code & 0xe0) === BPF.MEM) {
      if (ins.k >= 16) throw new SeccompError('EBPF', `instruction ${pc}: scratch memory index ${ins.k}`);
    } else if (cls === BPF.ALU && ((ins.code & 0xf0) === BPF.DIV || (ins.code & 0xf0) === BPF.MOD) && !(ins.code & 0x08) && ins.k === 0) {
      throw new SeccompError('EBPF', `instruction ${pc}: division by zero`);
    }
  });
  const last = insns[insns.length - 1];
  // bpf_check_classic(): the last instruction must be a return.
  if ((last.code & 0x07) !== BPF.RET) throw new SeccompError('EBPF', 'program does not end with a return');
}

function archFor(arch: number | string | undefined): { token: number; def: ArchDef | undefined } {
  if (arch === undefined) { const d = nativeArch(); return { token: d.token, def: d }; }
  if (typeof arch === 'number') return { token: arch >>> 0, def: ARCHES.find((a) => a.token === arch >>> 0) };
  const d = findArch(arch);
  if (!d) throw new SeccompError('EARCH', `unknown architecture ${JSON.stringify(arch)}`);
  return { token: d.token, def: d };
}

/** Build the 64-byte struct seccomp_data in the byte order of the target arch. */
export function seccompData(data: SeccompData): DataView {
  const { token, def } = archFor(data.arch);
  const le = def ? def.littleEndian : (token & 0x40000000) !== 0;
  const dv = new DataView(new ArrayBuffer(SECCOMP_DATA.size));
  dv.setUint32(0, data.nr >>> 0, le);
  dv.setUint32(4, token, le);
  dv.setBigUint64(8, toU64(data.instructionPointer ?? data.ip ?? 0), le);
  (data.args ?? []).slice(0, 6).forEach((a, i) => dv.setBigUint64(16 + 8 * i, toU64(a), le));
  // Loads read 32-bit words in the same order, so remember the byte order.
  (dv as DataView & { le?: boolean }).le = le;
  return dv;
}

/** Run a compiled program on one syscall; returns the action the kernel would take. */
export function evaluate(bpf: Uint8Array | readonly Insn[], data: SeccompData): EvalResult {
  const insns = bpf instanceof Uint8Array ? decode(bpf) : bpf;
  validate(insns);
  return run(insns, seccompData(data));
}

/** Like evaluate() without re-decoding and validating: for hot loops over many inputs. */
export function makeEvaluator(bpf: Uint8Array | readonly Insn[]): (data: SeccompData) => EvalResult {
  const insns = bpf instanceof Uint8Array ? decode(bpf) : bpf;
  validate(insns);
  return (data) => run(insns, seccompData(data));
}

function run(insns: readonly Insn[], dv: DataView): EvalResult {
  const le = (dv as DataView & { le?: boolean }).le ?? true;
  let A = 0, X = 0, pc = 0, steps = 0;
  const M = new Uint32Array(16);
  for (;;) {
    const ins = insns[pc];
    steps++;
    const cls = ins.code & 0x07;
    switch (cls) {
      case BPF.LD:
        switch (ins.code & 0xe0) {
          case BPF.ABS: A = dv.getUint32(ins.k, le); break;
          case BPF.IMM: A = ins.k >>> 0; break;
          case BPF.MEM: A = M[ins.k]; break;
          case BPF.LEN: A = SECCOMP_DATA.size; break;
          default: throw new SeccompError('EBPF', `instruction ${pc}: unsupported load 0x${ins.code.toString(16)}`);
        }
        pc++;
        break;
      case BPF.LDX:
        switch (ins.code & 0xe0) {
          case BPF.IMM: X = ins.k >>> 0; break;
          case BPF.MEM: X = M[ins.k]; break;
          case BPF.LEN: X = SECCOMP_DATA.size; break;
          default: throw new SeccompError('EBPF', `instruction ${pc}: unsupported ldx 0x${ins.code.toString(16)}`);
        }
        pc++;
        break;
      case BPF.ST: M[ins.k] = A; pc++; break;
      case BPF.STX: M[ins.k] = X; pc++; break;
      case BPF.ALU: {
        const src = ins.code & 0x08 ? X : ins.k >>> 0;
        switch (ins.code & 0xf0) {
          case BPF.ADD: A = (A + src) >>> 0; break;
          case BPF.SUB: A = (A - src) >>> 0; break;
          case BPF.MUL: A = Math.imul(A, src) >>> 0; break;
          case BPF.DIV: if (src === 0) return finish(0, steps); A = Math.floor(A / src) >>> 0; break;
          case BPF.MOD: if (src === 0) return finish(0, steps); A = (A % src) >>> 0; break;
          case BPF.OR: A = (A | src) >>> 0; break;
          case BPF.AND: A = (A & src) >>> 0; break;
          case BPF.XOR: A = (A ^ src) >>> 0; break;
          case BPF.LSH: A = src >= 32 ? 0 : (A << src) >>> 0; break;
          case BPF.RSH: A = src >= 32 ? 0 : A >>> src; break;
          case BPF.NEG: A = -A >>> 0; break;
          default: throw new SeccompError('EBPF', `instruction ${pc}: unsupported alu 0x${ins.code.toString(16)}`);
        }
        pc++;
        break;
      }
      case BPF.JMP: {
        const op = ins.code & 0xf0;
        if (op === BPF.JA) { pc += 1 + (ins.k >>> 0); break; }
        const src = ins.code & 0x08 ? X : ins.k >>> 0;
        let cond: boolean;
        switch (op) {
          case BPF.JEQ: cond = A === src; break;
          case BPF.JGT: cond = A > src; break;
          case BPF.JGE: cond = A >= src; break;
          case BPF.JSET: cond = (A & src) !== 0; break;
          default: throw new SeccompError('EBPF', `instruction ${pc}: unsupported jump 0x${ins.code.toString(16)}`);
        }
        pc += 1 + (cond ? ins.jt : ins.jf);
        break;
      }
      case BPF.RET:
        return finish((ins.code & 0x18) === BPF.A ? A : ins.k >>> 0, steps);
      case BPF.MISC:
        if ((ins.code & 0xf8) === BPF.TXA) A = X; else X = A;
        pc++;
        break;
      default:
        throw new SeccompError('EBPF', `instruction ${pc}: unknown class`);
    }
    if (pc >= insns.length) throw new SeccompError('EBPF', 'ran off the end of the program');
  }
}

function finish(ret: number, steps: number): EvalResult {
  ret >>>= 0;
  return { ret, action: (ret & SECCOMP_RET_ACTION_FULL) >>> 0, data: ret & SECCOMP_RET_DATA, name: actionName(ret), steps };
}

/**
 * Whether the kernel's seccomp action cache (Linux 5.11+, kernel/seccomp.c
 * seccomp_is_const_allow) would mark this syscall as always allowed: the
 * program, run with only `nr` and `arch` known, must reach `ret ALLOW`
 * without loading anything else (an argument or the instruction pointer).
 * Then the kernel skips the filter for that syscall entirely.
 */
export function isConstantAllow(bpf: Uint8Array | readonly Insn[], nr: number, arch: number | string): boolean {
  const insns = bpf instanceof Uint8Array ? decode(bpf) : bpf;
  const token = archFor(arch).token;
  let A = 0;
  for (let pc = 0; pc < insns.length; pc++) {
    const { code, k, jt, jf } = insns[pc];
    switch (code) {
      case BPF.LD | BPF.W | BPF.ABS:
        if (k === SECCOMP_DATA.nr) A = nr >>> 0;
        else if (k === SECCOMP_DATA.arch) A = token;
        else return false;
        break;
      case BPF.RET | BPF.K:
        return (k >>> 0) === 0x7fff0000;
      case BPF.JMP | BPF.JA:
        pc += k >>> 0;
        break;
      case BPF.JMP | BPF.JEQ | BPF.K:
      case BPF.JMP | BPF.JGE | BPF.K:
      case BPF.JMP | BPF.JGT | BPF.K:
      case BPF.JMP | BPF.JSET | BPF.K: {
        const op = code & 0xf0;
        const r = op === BPF.JEQ ? A === k >>> 0 : op === BPF.JGE ? A >= k >>> 0 : op === BPF.JGT ? A > k >>> 0 : (A & k) !== 0;
        pc += r ? jt : jf;
        break;
      }
      case BPF.ALU | BPF.AND | BPF.K:
        A = (A & k) >>> 0;
        break;
      default:
        return false;
    }
  }
  return false;
}
