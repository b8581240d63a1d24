// A tiny BPF program builder: programs are built as a DAG of nodes (shared
// and de-duplicated by structure), then laid out into a linear program with
// every jump forward and in range. Conditional jumps reach at most 255
// instructions; farther targets get a local copy of a `ret` or an `ja`
// trampoline (ja takes a 32-bit offset).
import { BPF, type Insn } from './bpf.ts';

export type PNode =
  | { id: number; kind: 'ret'; k: number }
  | { id: number; kind: 'jmp'; op: number; k: number; jt: PNode; jf: PNode }
  | { id: number; kind: 'ld'; k: number; next: PNode }
  | { id: number; kind: 'and'; k: number; next: PNode };

export class ProgramBuilder {
  private readonly nodes = new Map<string, PNode>();
  private nextId = 0;

  private intern<T extends PNode>(key: string, make: (id: number) => T): T {
    let n = this.nodes.get(key);
    if (!n) {
      n = make(this.nextId++);
      this.nodes.set(key, n);
    }
    return n as T;
  }

  ret(k: number): PNode {
    k >>>= 0;
    return this.intern(`r${k}`, (id) => ({ id, kind: 'ret', k }));
  }

  /** Conditional jump; collapses to the target when both branches agree. */
  jmp(op: number, k: number, jt: PNode, jf: PNode): PNode {
    if (jt === jf) return jt;
    k >>>= 0;
    return this.intern(`j${op},${k},${jt.id},${jf.id}`, (id) => ({ id, kind: 'jmp', op, k, jt, jf }));
  }

  /** Load the 32-bit word at `offset` of struct seccomp_data. */
  ld(offset: number, next: PNode): PNode {
    return this.intern(`l${offset},${next.id}`, (id) => ({ id, kind: 'ld', k: offset, next }));
  }

  and(mask: number, next: PNode): PNode {
    mask >>>= 0;
    return this.intern(`a${mask},${next.id}`, (id) => ({ id, kind: 'and', k: mask, next }));
  }
}

/**
 * Lay out the DAG rooted at `root`. Emission runs backwards (the program is
 * built from its end), so every child is placed before its parent is and
 * jump distances are known; a conditional jump's false branch is placed
 * right after it when possible, so the common "not this one" path falls
 * through.
 */
export function assemble(root: PNode): Insn[] {
  const out: Insn[] = []; // reversed program
  const pos = new Map<number, number>(); // node id -> index in `out`
  const stack: Array<{ n: PNode; stage: number }> = [{ n: root, stage: 0 }];

  const dist = (target: number) => out.length - target - 1;
  const trampoline = (target: PNode): number => {
    if (target.kind === 'ret') out.push({ code: BPF.RET | BPF.K, jt: 0, jf: 0, k: target.k });
    else out.push({ code: BPF.JMP | BPF.JA, jt: 0, jf: 0, k: dist(pos.get(target.id)!) });
    return out.length - 1;
  };

  // Iterative post-order DFS: jt subtree first (placed farther), then jf.
  while (stack.length) {
    const top = stack[stack.length - 1];
    const n = top.n;
    if (pos.has(n.id)) { stack.pop(); continue; }
    if (n.kind === 'jmp' && top.stage === 0) {
      top.stage = 1;
      if (!pos.has(n.jf.id)) stack.push({ n: n.jf, stage: 0 });
      if (!pos.has(n.jt.id)) stack.push({ n: n.jt, stage: 0 });
      continue;
    }
    if ((n.kind === 'ld' || n.kind === 'and') && top.stage === 0) {
      top.stage = 1;
      if (!pos.has(n.next.id)) stack.push({ n: n.next, stage: 0 });
      continue;
    }
    stack.pop();
    switch (n.kind) {
      case 'ret':
        out.push({ code: BPF.RET | BPF.K, jt: 0, jf: 0, k: n.k });
        break;
      case 'ld':
      case 'and': {
        const t = pos.get(n.next.id)!;
        if (t !== out.length - 1) trampoline(n.next);
        out.push(n.kind === 'ld'
          ? { code: BPF.LD | BPF.W | BPF.ABS, jt: 0, jf: 0, k: n.k }
          : { code: BPF.ALU | BPF.AND | BPF.K, jt: 0, jf: 0, k: n.k });
        break;
      }
      case 'jmp': {
        let tf = pos.get(n.jf.id)!;
        if (dist(tf) > 255) tf = trampoline(n.jf);
        let tt = pos.get(n.jt.id)!;
        if (dist(tt) > 255) {
          tt = trampoline(n.jt);
          // the jt trampoline moved the false target one step farther
          if (dist(tf) > 255) tf = trampoline(n.jf);
        }
        out.push({ code: BPF.JMP | n.op | BPF.K, jt: dist(tt), jf: dist(tf), k: n.k });
        break;
      }
    }
    pos.set(n.id, out.length - 1);
  }
  return out.reverse();
}
