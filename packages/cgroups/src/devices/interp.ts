/**
 * A user-space eBPF interpreter for device programs, so the compiler is
 * checked by running its output (as runc's patchbpf tests run their BPF in
 * a VM). It implements the eBPF ISA subset a device program can use
 * (Documentation/bpf/standardization/instruction-set.rst): ALU/ALU64 with K
 * or X operands, JMP/JMP32 conditionals, 32-bit loads from the context and
 * EXIT; anything else throws. 64-bit registers are BigInts.
 */
import type { Insn } from './ebpf.ts';

const M64 = (1n << 64n) - 1n;
const M32 = (1n << 32n) - 1n;

export interface DeviceCtx {
  accessType: number;
  major: number;
  minor: number;
}

export function runDeviceProgram(insns: Insn[], ctx: DeviceCtx, maxSteps = 100_000): number {
  const mem = new DataView(new ArrayBuffer(12));
  mem.setUint32(0, ctx.accessType >>> 0, true);
  mem.setUint32(4, ctx.major >>> 0, true);
  mem.setUint32(8, ctx.minor >>> 0, true);
  const CTX = 0x1000n; // r1 holds an opaque ctx pointer
  const reg: bigint[] = new Array(11).fill(0n);
  reg[1] = CTX;
  let pc = 0;
  for (let steps = 0; steps < maxSteps; steps++) {
    const i = insns[pc];
    if (!i) throw new Error(`ebpf: pc ${pc} out of program`);
    const cls = i.code & 7;
    const op = i.code & 0xf0;
    const useX = (i.code & 8) !== 0;
    if (cls === 1 /* LDX */) {
      const size = i.code & 0x18;
      if ((i.code & 0xe0) !== 0x60 || reg[i.src] !== CTX) throw new Error(`ebpf: pc ${pc}: unsupported load ${i.code.toString(16)}`);
      const off = i.off;
      if (size === 0x00 /* W */) {
        if (off < 0 || off + 4 > 12) throw new Error(`ebpf: pc ${pc}: ctx read out of bounds`);
        reg[i.dst] = BigInt(mem.getUint32(off, true));
      } else throw new Error(`ebpf: pc ${pc}: unsupported load size`);
      pc++;
      continue;
    }
    if (cls === 4 /* ALU */ || cls === 7 /* ALU64 */) {
      const wide = cls === 7;
      const mask = wide ? M64 : M32;
      const a = reg[i.dst] & mask;
      const b = (useX ? reg[i.src] : BigInt.asUintN(64, BigInt(i.imm))) & mask;
      let r: bigint;
      switch (op) {
        case 0x00: r = a + b; break;
        case 0x10: r = a - b; break;
        case 0x40: r = a | b; break;
        case 0x50: r = a & b; break;
        case 0x60: r = a << (b & (wide ? 63n : 31n)); break;
        case 0x70: r = a >> (b & (wide ? 63n : 31n)); break;
        case 0xa0: r = a ^ b; break;
        case 0xb0: r = b; break;
        default: throw new Error(`ebpf: pc ${pc}: unsupported alu op ${i.code.toString(16)}`);
      }
      reg[i.dst] = r & mask; // 32-bit ops zero the upper half
      pc++;
      continue;
    }
    if (cls === 5 /* JMP */ || cls === 6 /* JMP32 */) {
      if (i.code === 0x95) return Number(reg[0] & M32);
      if (i.code === 0x05) {
        pc += 1 + i.off;
        continue;
      }
      const mask = cls === 6 ? M32 : M64;
      const a = reg[i.dst] & mask;
      const b = (useX ? reg[i.src] : BigInt.asUintN(64, BigInt(i.imm))) & mask;
      let taken: boolean;
      switch (op) {
        case 0x10: taken = a === b; break;
        case 0x50: taken = a !== b; break;
        case 0x20: taken = a > b; break;
        case 0x30: taken = a >= b; break;
        case 0xa0: taken = a < b; break;
        case 0xb0: taken = a <= b; break;
        case 0x40: taken = (a & b) !== 0n; break;
        default: throw new Error(`ebpf: pc ${pc}: unsupported jump ${i.code.toString(16)}`);
      }
      pc += taken ? 1 + i.off : 1;
      continue;
    }
    throw new Error(`ebpf: pc ${pc}: unsupported class ${cls}`);
  }
  throw new Error('ebpf: step limit reached (loop?)');
}
