// A bpf_dbg / libseccomp-style listing: one line per instruction with
// absolute jump targets, and syscall names when an arch is given.
import { BPF, decode, actionName, type Insn } from './bpf.ts';
import { ARCHES, syscallName, type ArchDef } from './arch.ts';

export interface DisassembleOptions {
  /** Annotate syscall-number comparisons with names for this arch (only used when the program checks one arch token). */
  arch?: ArchDef;
}

function jmpName(op: number): string {
  switch (op) {
    case BPF.JEQ: return 'jeq';
    case BPF.JGT: return 'jgt';
    case BPF.JGE: return 'jge';
    case BPF.JSET: return 'jset';
    default: return `j?${op.toString(16)}`;
  }
}

const ALU_NAMES: Record<number, string> = {
  [BPF.ADD]: 'add', [BPF.SUB]: 'sub', [BPF.MUL]: 'mul', [BPF.DIV]: 'div', [BPF.OR]: 'or', [BPF.AND]: 'and',
  [BPF.LSH]: 'lsh', [BPF.RSH]: 'rsh', [BPF.NEG]: 'neg', [BPF.MOD]: 'mod', [BPF.XOR]: 'xor',
};

export function formatInsn(ins: Insn, pc: number): string {
  const cls = ins.code & 0x07;
  const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;
  switch (cls) {
    case BPF.LD: {
      const mode = ins.code & 0xe0;
      if (mode === BPF.ABS) return `ld  [${ins.k}]`;
      if (mode === BPF.IMM) return `ld  #${hex(ins.k)}`;
      if (mode === BPF.MEM) return `ld  M[${ins.k}]`;
      if (mode === BPF.LEN) return 'ld  #len';
      return `ld? ${hex(ins.code)}`;
    }
    case BPF.LDX: {
      const mode = ins.code & 0xe0;
      if (mode === BPF.IMM) return `ldx #${hex(ins.k)}`;
      if (mode === BPF.MEM) return `ldx M[${ins.k}]`;
      if (mode === BPF.LEN) return 'ldx #len';
      return `ldx? ${hex(ins.code)}`;
    }
    case BPF.ST: return `st  M[${ins.k}]`;
    case BPF.STX: return `stx M[${ins.k}]`;
    case BPF.ALU: {
      const op = ins.code & 0xf0;
      const src = ins.code & 0x08 ? 'x' : `#${hex(ins.k)}`;
      return `${ALU_NAMES[op] ?? 'alu?'} ${op === BPF.NEG ? '' : src}`.trimEnd();
    }
    case BPF.JMP: {
      const op = ins.code & 0xf0;
      if (op === BPF.JA) return `ja  ${pc + 1 + ins.k}`;
      const src = ins.code & 0x08 ? 'x' : `#${hex(ins.k)}`;
      return `${jmpName(op).padEnd(4)} ${src}\tjt ${pc + 1 + ins.jt}\tjf ${pc + 1 + ins.jf}`;
    }
    case BPF.RET:
      if ((ins.code & 0x18) === BPF.A) return 'ret A';
      return `ret ${actionName(ins.k)}`;
    case BPF.MISC:
      return (ins.code & 0xf8) === BPF.TXA ? 'txa' : 'tax';
  }
  return `??? ${hex(ins.code)}`;
}

/**
 * Disassemble a program. With `arch`, comparisons against the syscall number
 * get the syscall name as a comment.
 */
export function disassemble(bpf: Uint8Array, opts: DisassembleOptions = {}): string {
  const insns = decode(bpf);
  const width = String(insns.length).length;
  const lines: string[] = [];
  // Track what the accumulator holds on the straight-line path, to name syscalls and arches.
  let acc: 'nr' | 'arch' | 'other' = 'other';
  insns.forEach((ins, pc) => {
    let text = formatInsn(ins, pc);
    const cls = ins.code & 0x07;
    if (cls === BPF.LD && (ins.code & 0xe0) === BPF.ABS) acc = ins.k === 0 ? 'nr' : ins.k === 4 ? 'arch' : 'other';
    else if (cls === BPF.JMP && (ins.code & 0xf0) !== BPF.JA && !(ins.code & 0x08)) {
      if (acc === 'arch') {
        const a = ARCHES.find((x) => x.token === ins.k);
        if (a) text += `\t# ${a.name}`;
      } else if (acc === 'nr' && opts.arch && (ins.code & 0xf0) === BPF.JEQ) {
        const n = syscallName(opts.arch, ins.k);
        if (n) text += `\t# ${n}`;
      }
    } else if (cls !== BPF.JMP && cls !== BPF.RET) acc = 'other';
    lines.push(`${String(pc).padStart(width)}: ${text}`);
  });
  return lines.join('\n') + '\n';
}
