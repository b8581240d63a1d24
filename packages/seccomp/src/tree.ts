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
// We do not port _db_tree_prune(): it only removes sub-trees that another
// chain with the same action already covers, which changes the program size
// but not the action (checked by the differential test).

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

/** db_rule_add for one syscall entry. */
export function addRule(entry: SyscallEntry | undefined, chain: TreeNode | undefined, action: number): SyscallEntry {
  if (!entry) return chain ? { chains: chain } : { action };
  if (!entry.chains) return entry; // an unconditional rule exists: it wins
  if (!chain) return { action }; // unconditional replaces the tree
  treeAdd(entry as Record<string, TreeNode | undefined>, 'chains', chain);
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
