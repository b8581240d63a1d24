// The per-syscall argument decision tree, built with libseccomp's rules
// (src/db.c: _db_rule_gen, _db_tree_add, db_rule_add) so that overlapping
// rules resolve exactly as they do under runc + libseccomp:
//
// - each rule is a chain of 32-bit comparisons sorted by argument index; on
//   64-bit arches every argument is compared high word then low word;
// - chains of one syscall are merged into a tree whose levels are ordered by
//   libseccomp's node priority (argument, then operator, then datum);
// - the tree is evaluated level by level: a node whose branch has neither an
//   action nor a sub-level falls through to the next node of the level, and an
//   exhausted sub-level falls back to the next node of the parent level;
// - an unconditional rule replaces any conditional ones; the first
//   unconditional rule of a syscall wins;
// - two rules that need different actions for the same comparison are a
//   conflict (libseccomp's -EEXIST), reported as ERULECONFLICT.
//
// _db_tree_prune() is ported too: before a chain is merged, libseccomp drops
// existing branches the new chain makes redundant (same action, shorter) or
// drops the new chain when an existing shorter one covers it; with
// overlapping rules of different actions that changes which rule wins, so we
// follow it. Reference counts are not modelled: a node unlinked from its
// level counts as freed.

export type CmpOp = 'EQ' | 'NE' | 'LT' | 'LE' | 'GT' | 'GE' | 'MASKED_EQ';

export interface ArgCmp {
  index: number;
  op: CmpOp;
  /** For MASKED_EQ: the mask (OCI `value`); otherwise the operand. */
  value: bigint;
  /** For MASKED_EQ: the datum compared after masking (OCI `valueTwo`). */
  valueTwo: bigint;
}

export interface TreeNode {
  arg: number;
  hi: boolean;
  /** Operator actually evaluated: EQ, GT, GE or MASKED_EQ (libseccomp rewrites the others). */
  op: CmpOp;
  opOrig: CmpOp;
  mask: number;
  datum: number;
  datumFull: bigint;
  actT?: number;
  actF?: number;
  nxtT?: TreeNode;
  nxtF?: TreeNode;
  lvlPrv?: TreeNode;
  lvlNxt?: TreeNode;
  /** Unlinked by _db_tree_remove (libseccomp would have freed it). */
  removed?: boolean;
}

/** What one syscall does on one arch: an unconditional action, or a tree. */
export interface SyscallEntry {
  action?: number;
  chains?: TreeNode;
}

export class RuleConflict extends Error {}

const M32 = 0xffffffffn;
const hi32 = (v: bigint) => Number((v >> 32n) & M32);
const lo32 = (v: bigint) => Number(v & M32);

function node(partial: Omit<TreeNode, 'datum'> & { datum: number }): TreeNode {
  // libseccomp _db_node_mask_fixup: the datum is stored masked.
  return { ...partial, datum: (partial.datum & partial.mask) >>> 0 };
}

interface GenState { head?: TreeNode; prev: TreeNode[]; tf: boolean }

function link(st: GenState, n: TreeNode): void {
  for (const p of st.prev) {
    if (st.tf) p.nxtT = n; else p.nxtF = n;
  }
  if (!st.head) st.head = n;
}

function gen64(st: GenState, a: ArgCmp): void {
  const mask = a.op === 'MASKED_EQ' ? a.value : (1n << 64n) - 1n;
  const datum = a.op === 'MASKED_EQ' ? a.valueTwo : a.value;
  // A MASKED_EQ with an empty mask is always true: no instructions (_db_arg_cmp_need_*).
  if (a.op === 'MASKED_EQ' && (mask & ((1n << 64n) - 1n)) === 0n) return;
  const base = { arg: a.index, opOrig: a.op, datumFull: datum };
  switch (a.op) {
    case 'GT': case 'GE': case 'LE': case 'LT': {
      // hi > R.hi decides at once; hi == R.hi defers to the low word.
      const c0 = node({ ...base, hi: true, op: 'GT', mask: hi32(mask), datum: hi32(datum) });
      const c1 = node({ ...base, hi: true, op: 'EQ', mask: hi32(mask), datum: hi32(datum) });
      const c2 = node({ ...base, hi: false, op: a.op === 'GT' || a.op === 'LE' ? 'GT' : 'GE', mask: lo32(mask), datum: lo32(datum) });
      link(st, c0);
      c0.nxtF = c1;
      c1.nxtT = c2;
      if (a.op === 'GT' || a.op === 'GE') { st.prev = [c0, c2]; st.tf = true; }
      else { st.prev = [c1, c2]; st.tf = false; }
      break;
    }
    default: {
      const op: CmpOp = a.op === 'MASKED_EQ' ? 'MASKED_EQ' : 'EQ';
      const c0 = node({ ...base, hi: true, op, mask: hi32(mask), datum: hi32(datum) });
      const c1 = node({ ...base, hi: false, op, mask: lo32(mask), datum: lo32(datum) });
      link(st, c0);
      c0.nxtT = c1;
      if (a.op === 'NE') { st.prev = [c0, c1]; st.tf = false; }
      else { st.prev = [c1]; st.tf = true; }
    }
  }
}

function gen32(st: GenState, a: ArgCmp): void {
  const mask = a.op === 'MASKED_EQ' ? lo32(a.value) : 0xffffffff;
  const datum = a.op === 'MASKED_EQ' ? a.valueTwo : a.value;
  if (a.op === 'MASKED_EQ' && mask === 0) return;
  let op: CmpOp = a.op;
  let tf = true;
  // libseccomp rewrites the op to reduce the op/datum combinations.
  if (a.op === 'NE') { op = 'EQ'; tf = false; }
  else if (a.op === 'LT') { op = 'GE'; tf = false; }
  else if (a.op === 'LE') { op = 'GT'; tf = false; }
  const c = node({ arg: a.index, hi: false, op, opOrig: a.op, mask, datum: lo32(datum), datumFull: datum });
  link(st, c);
  st.prev = [c];
  st.tf = tf;
}

/** _db_rule_gen: the chain for one rule; undefined when it has no comparisons left. */
export function genChain(args: readonly ArgCmp[], action: number, bits: 32 | 64): TreeNode | undefined {
  if (args.length === 0) return undefined;
  const st: GenState = { prev: [], tf: false };
  const sorted = [...args].sort((x, y) => x.index - y.index);
  for (const a of sorted) (bits === 64 ? gen64 : gen32)(st, a);
  if (!st.head) return undefined;
  for (const p of st.prev) {
    if (st.tf) p.actT = action; else p.actF = action;
  }
  return st.head;
}

const argPriority = (n: TreeNode) => (n.arg << 1) + (n.hi ? 1 : 0);
function opPriority(op: CmpOp): number {
  switch (op) {
    case 'MASKED_EQ': case 'EQ': case 'NE': return 3;
    case 'LE': case 'LT': return 2;
    case 'GE': case 'GT': return 1;
  }
}

/** _db_chain_lt */
function chainLt(a: TreeNode, b: TreeNode): boolean {
  const ap = argPriority(a), bp = argPriority(b);
  if (ap !== bp) return ap < bp;
  const ao = opPriority(a.opOrig), bo = opPriority(b.opOrig);
  if (ao !== bo) return ao < bo;
  if (a.opOrig === 'LE' || a.opOrig === 'LT') return a.datum > b.datum;
  return a.datum < b.datum;
}

/** _db_chain_eq */
function chainEq(a: TreeNode, b: TreeNode): boolean {
  return argPriority(a) === argPriority(b) && a.op === b.op && a.datum === b.datum && a.mask === b.mask;
}

const isLeaf = (n: TreeNode) => n.nxtT === undefined && n.nxtF === undefined;

/** _db_tree_act_check: every action in the (sub)tree equals `action`. */
function actCheck(tree: TreeNode | undefined, action: number): boolean {
  if (!tree) return true;
  let c: TreeNode | undefined = tree;
  while (c.lvlPrv) c = c.lvlPrv;
  for (; c; c = c.lvlNxt) {
    if (c.actT !== undefined && c.actT !== action) return false;
    if (c.actF !== undefined && c.actF !== action) return false;
    if (!actCheck(c.nxtT, action) || !actCheck(c.nxtF, action)) return false;
  }
  return true;
}

/**
 * _db_tree_add: merge chain `n` into the level that `holder[key]` points to.
 * Throws RuleConflict where libseccomp returns -EEXIST.
 */
function treeAdd(holder: Record<string, TreeNode | undefined>, key: string, n: TreeNode): void {
  let x = holder[key]!;
  for (;;) {
    if (chainEq(x, n)) {
      if (n.actT !== undefined) {
        if (x.actT === undefined) {
          if (!actCheck(x.nxtT, n.actT)) throw new RuleConflict();
          x.nxtT = undefined;
          x.actT = n.actT;
        } else if (n.actT !== x.actT) {
          // 64-bit GT/GE: keep the action of the larger datum (as libseccomp does).
          if (n.hi && n.datumFull > x.datumFull) x.actT = n.actT;
          if (isLeaf(x) || isLeaf(n)) throw new RuleConflict();
        }
      }
      if (n.actF !== undefined) {
        if (x.actF === undefined) {
          if (!actCheck(x.nxtF, n.actF)) throw new RuleConflict();
          x.nxtF = undefined;
          x.actF = n.actF;
        } else if (n.actF !== x.actF) {
          // (sic) libseccomp updates act_t here too.
          if (n.hi && n.datumFull < x.datumFull) x.actT = n.actT;
          if (isLeaf(x) || isLeaf(n)) throw new RuleConflict();
        }
      }
      if (n.nxtT) {
        if (x.nxtT) treeAdd(x as unknown as Record<string, TreeNode | undefined>, 'nxtT', n.nxtT);
        else if (x.actT === undefined) x.nxtT = n.nxtT;
        else return;
      }
      if (n.nxtF) {
        if (x.nxtF) treeAdd(x as unknown as Record<string, TreeNode | undefined>, 'nxtF', n.nxtF);
        else if (x.actF === undefined) x.nxtF = n.nxtF;
        else return;
      }
      return;
    } else if (!chainLt(x, n)) {
      if (!x.lvlNxt) {
        n.lvlPrv = x;
        x.lvlNxt = n;
        return;
      }
      x = x.lvlNxt;
    } else {
      // insert n before x
      if (x.lvlPrv) {
        x.lvlPrv.lvlNxt = n;
        n.lvlPrv = x.lvlPrv;
      }
      x.lvlPrv = n;
      n.lvlNxt = x;
      if (holder[key] === x) holder[key] = n;
      return;
    }
  }
}

const isZombie = (n: TreeNode) => isLeaf(n) && n.actT === undefined && n.actF === undefined;

type Holder = Record<string, TreeNode | undefined>;

/** _db_tree_remove: find `node` under holder[key] and unlink it (zombie parents go too). Returns the count removed. */
function treeRemove(holder: Holder, key: string, node: TreeNode): number {
  let c = holder[key];
  if (!c) return 0;
  while (c.lvlPrv) c = c.lvlPrv;
  let cnt = 0;
  let target: TreeNode | undefined;
  do {
    if (c === node) { target = c; break; }
    cnt += treeRemove(c as unknown as Holder, 'nxtT', node);
    cnt += treeRemove(c as unknown as Holder, 'nxtF', node);
    if (isZombie(c)) { target = c; break; }
    c = c.lvlNxt;
  } while (c && cnt === 0);
  if (!target) return cnt;
  if (holder[key] === target) holder[key] = target.lvlPrv ?? target.lvlNxt;
  if (target.lvlPrv) target.lvlPrv.lvlNxt = target.lvlNxt;
  if (target.lvlNxt) target.lvlNxt.lvlPrv = target.lvlPrv;
  target.lvlPrv = undefined;
  target.lvlNxt = undefined;
  target.removed = true;
  return cnt + 1;
}

const IST = { MATCH: 0x1, MATCH_ONCE: 0x2, X_FINISHED: 0x10, N_FINISHED: 0x20, X_PREFIX: 0x100, N_PREFIX: 0x200 } as const;
const M_MATCHSET = IST.MATCH | IST.MATCH_ONCE;
const M_REDUNDANT = IST.MATCH | IST.X_FINISHED | IST.N_PREFIX;

interface IterState { flags: number; action: number; sx: SyscallEntry }

/** _db_tree_prune (libseccomp src/db.c), step by step. */
function treePrune(holder: Holder, key: string, n: TreeNode | undefined, state: IterState): number {
  let cnt = 0;
  const stateNew: IterState = { ...state };
  let x = holder[key];
  const ret = () => {
    if (stateNew.flags & IST.MATCH) state.flags |= stateNew.flags;
    else state.flags &= ~IST.MATCH;
    return cnt;
  };
  if (!n || !x) return ret();
  if ((state.flags & M_MATCHSET) === IST.MATCH_ONCE) return ret();
  while (x.lvlPrv) x = x.lvlPrv;
  let xi: TreeNode | undefined = x;
  do {
    const cur: TreeNode = xi!;
    const next = cur.lvlNxt;
    const sub = (k: 'nxtT' | 'nxtF', nn: TreeNode, set: number, clear: number): number => {
      const st: IterState = { ...state, flags: (state.flags & ~clear) | set };
      cnt += treePrune(cur as unknown as Holder, k, nn, st);
      return st.flags;
    };
    if (chainEq(cur, n)) {
      stateNew.flags |= M_MATCHSET;
      if (isLeaf(n)) stateNew.flags |= IST.N_FINISHED;
      if (isLeaf(cur)) stateNew.flags |= IST.X_FINISHED;
      if ((cur.actT !== undefined || cur.nxtT) && !(n.actT !== undefined || n.nxtT)) return ret();
      if ((cur.actF !== undefined || cur.nxtF) && !(n.actF !== undefined || n.nxtF)) return ret();
      if ((stateNew.flags & IST.N_FINISHED) && (stateNew.flags & IST.X_FINISHED)) {
        if ((n.actT !== undefined) !== (cur.actT !== undefined) || (n.actT ?? 0) !== (cur.actT ?? 0)) return ret();
        if ((n.actF !== undefined) !== (cur.actF !== undefined) || (n.actF ?? 0) !== (cur.actF ?? 0)) return ret();
      }
      let gone = false;
      if (n.nxtT) {
        const f = sub('nxtT', n.nxtT, M_MATCHSET, 0);
        if (f & IST.MATCH) stateNew.flags |= f;
        if (cur.removed) gone = true;
      }
      if (!gone && n.nxtF) {
        const f = sub('nxtF', n.nxtF, M_MATCHSET, 0);
        if (f & IST.MATCH) stateNew.flags |= f;
        if (cur.removed) gone = true;
      }
      if (!gone) {
        const same = actCheck(cur, stateNew.action);
        if (same && (stateNew.flags & IST.MATCH) && (stateNew.flags & IST.N_FINISHED) && (stateNew.flags & IST.X_PREFIX)) {
          // the new tree is "shorter": drop the existing branch
          cnt += treeRemove(state.sx as Holder, 'chains', cur);
          if (!state.sx.chains) return ret();
        } else if (same && (stateNew.flags & IST.MATCH) && (stateNew.flags & IST.X_FINISHED) && (stateNew.flags & IST.N_PREFIX)) {
          // the new tree is "longer"
          return ret();
        }
      }
    } else if (chainLt(cur, n)) {
      if (state.flags & IST.N_PREFIX) return ret();
      let gone = false;
      for (const k of ['nxtT', 'nxtF'] as const) {
        if (gone || !cur[k]) continue;
        const f = sub(k, n, IST.X_PREFIX, IST.MATCH);
        if (f & IST.MATCH) { stateNew.flags |= f; return ret(); }
        if (cur.removed) gone = true;
      }
    } else {
      if (state.flags & IST.X_PREFIX) return ret();
      let gone = false;
      for (const k of ['nxtT', 'nxtF'] as const) {
        const nn = n[k];
        if (gone || !nn) continue;
        // compare the same existing level against the new tree's next level
        const st: IterState = { ...state, flags: (state.flags & ~IST.MATCH) | IST.N_PREFIX };
        const h: Holder = { x: cur };
        cnt += treePrune(h, 'x', nn, st);
        if (st.flags & IST.MATCH) { stateNew.flags |= st.flags; return ret(); }
        if (cur.removed) gone = true;
      }
    }
    xi = next;
  } while (xi);
  stateNew.flags &= ~IST.MATCH;
  return ret();
}

/** db_rule_add for one syscall entry. */
export function addRule(entry: SyscallEntry | undefined, chain: TreeNode | undefined, action: number): SyscallEntry {
  if (!entry) return chain ? { chains: chain } : { action };
  if (!entry.chains) return entry; // an unconditional rule exists: it wins
  if (!chain) return { action }; // unconditional replaces the tree
  const state: IterState = { flags: 0, action, sx: entry };
  const removed = treePrune(entry as Holder, 'chains', chain, state);
  if (removed > 0) {
    if (!entry.chains) return { chains: chain }; // pruned it all: the new chain is the tree
  } else if ((state.flags & M_REDUNDANT) === M_REDUNDANT) {
    return entry; // an existing shorter chain covers the new one
  }
  treeAdd(entry as Holder, 'chains', chain);
  return entry;
}

/** Evaluate a tree on arguments (for tests; the compiled BPF is the real thing). */
export function evalLevel(start: TreeNode, read: (arg: number, hi: boolean) => number): number | undefined {
  let c: TreeNode | undefined = start;
  while (c.lvlPrv) c = c.lvlPrv;
  for (; c; c = c.lvlNxt) {
    const a = (read(c.arg, c.hi) & c.mask) >>> 0;
    const r = c.op === 'GT' ? a > c.datum : c.op === 'GE' ? a >= c.datum : a === c.datum;
    const nxt = r ? c.nxtT : c.nxtF;
    const act = r ? c.actT : c.actF;
    if (nxt) {
      const v = evalLevel(nxt, read);
      if (v !== undefined) return v;
    } else if (act !== undefined) return act;
  }
  return undefined;
}

/** Head of the level a node is on. */
export function levelHead(n: TreeNode): TreeNode {
  while (n.lvlPrv) n = n.lvlPrv;
  return n;
}
