// Range dispatch: given a partition of the 32-bit values of the accumulator
// into ranges, each with a target, build the comparisons that reach every
// target. Used for syscall numbers and for argument words.
//
// Two shapes: a short run of `jeq` for a few single values over one
// background target (the cheapest test of "is it one of these"), otherwise a
// search tree over the range bounds whose shape minimises the worst case of
// (comparisons + cost of the target), greedily merging the cheapest adjacent
// pair (Golumbic's rule for alphabetic minimax trees), so expensive targets
// (argument checks) sit near the root and the rest stays balanced.
import { BPF } from './bpf.ts';
import type { PNode, ProgramBuilder } from './program.ts';

export interface Range {
  /** First value of the range; it runs up to the next range's `lo` - 1 (or 0xffffffff). */
  lo: number;
  t: PNode;
}

const costCache = new WeakMap<PNode, number>();

/** Longest path (in instructions) from a node to a return. */
export function pathCost(n: PNode): number {
  const hit = costCache.get(n);
  if (hit !== undefined) return hit;
  let c: number;
  switch (n.kind) {
    case 'ret': c = 1; break;
    case 'ld': case 'and': c = 1 + pathCost(n.next); break;
    case 'jmp': c = 1 + Math.max(pathCost(n.jt), pathCost(n.jf)); break;
  }
  costCache.set(n, c);
  return c;
}

/** Merge neighbours with the same target. */
export function normalizeRanges(ranges: Range[]): Range[] {
  const out: Range[] = [];
  for (const r of ranges) if (!out.length || out[out.length - 1].t !== r.t) out.push(r);
  return out;
}

export function dispatch(b: ProgramBuilder, input: Range[]): PNode {
  const ranges = normalizeRanges(input);
  if (ranges.length === 1) return ranges[0].t;
  const chain = jeqChain(b, ranges);
  if (chain) return chain;
  return process.env.OCI_SECCOMP_TREE === 'greedy' ? minimaxTree(b, ranges) : weightTree(b, ranges);
}

/**
 * Weight-balanced search tree with leaf weight 2^cost: splitting where the
 * weight halves puts a leaf of cost c at depth about log2(total) - c, so
 * depth + cost is nearly the same for every leaf (the minimax shape), and
 * cheap leaves stay balanced among themselves.
 */
function weightTree(b: ProgramBuilder, ranges: Range[]): PNode {
  const w = ranges.map((r) => 2 ** Math.min(pathCost(r.t), 40));
  const prefix = [0];
  for (const x of w) prefix.push(prefix[prefix.length - 1] + x);
  const build = (lo: number, hi: number): PNode => {
    if (hi - lo === 1) return ranges[lo].t;
    const half = (prefix[lo] + prefix[hi]) / 2;
    // first split point m in (lo, hi) with prefix[m] >= half, then pick the closer side
    let a = lo + 1, z = hi - 1;
    while (a < z) { const m = (a + z) >> 1; if (prefix[m] < half) a = m + 1; else z = m; }
    let m = a;
    if (m - 1 > lo && Math.abs(prefix[m - 1] - half) < Math.abs(prefix[m] - half)) m = m - 1;
    return b.jmp(BPF.JGE, ranges[m].lo, build(m, hi), build(lo, m));
  };
  return build(0, ranges.length);
}

const MAX_JEQ = 3;

/** Up to MAX_JEQ single values over one background target: a row of jeq. */
function jeqChain(b: ProgramBuilder, ranges: Range[]): PNode | undefined {
  const counts = new Map<PNode, number>();
  for (const r of ranges) counts.set(r.t, (counts.get(r.t) ?? 0) + 1);
  let bg: PNode | undefined, best = -1;
  for (const [t, n] of counts) if (n > best) { best = n; bg = t; }
  const singles: Array<{ v: number; t: PNode }> = [];
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i];
    if (r.t === bg) continue;
    const end = i + 1 < ranges.length ? ranges[i + 1].lo - 1 : 0xffffffff;
    if (end !== r.lo) return undefined;
    singles.push({ v: r.lo, t: r.t });
  }
  if (singles.length > MAX_JEQ) return undefined;
  // A row of jeq costs as much as a tree when it is this short; check the worst case anyway.
  let n: PNode = bg!;
  for (let i = singles.length - 1; i >= 0; i--) n = b.jmp(BPF.JEQ, singles[i].v, singles[i].t, n);
  return n;
}

interface Item { lo: number; node: PNode; w: number }

function minimaxTree(b: ProgramBuilder, ranges: Range[]): PNode {
  let items: Item[] = ranges.map((r) => ({ lo: r.lo, node: r.t, w: pathCost(r.t) }));
  while (items.length > 1) {
    let bi = 0, bw = Infinity;
    for (let i = 0; i + 1 < items.length; i++) {
      const w = Math.max(items[i].w, items[i + 1].w);
      if (w < bw) { bw = w; bi = i; }
    }
    const l = items[bi], r = items[bi + 1];
    const node = b.jmp(BPF.JGE, r.lo, r.node, l.node);
    items = [...items.slice(0, bi), { lo: l.lo, node, w: bw + 1 }, ...items.slice(bi + 2)];
  }
  return items[0].node;
}
