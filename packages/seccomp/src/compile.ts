// linux.seccomp (runtime-spec config-linux.md "Seccomp") -> classic BPF for
// seccomp(SECCOMP_SET_MODE_FILTER). Semantics follow runc + libseccomp
// (see README "Differences from libseccomp" for the deliberate exceptions);
// the layout is our own: per architecture, a balanced binary search over
// syscall-number ranges, so every syscall costs O(log ranges) instructions
// and the paths of syscalls that are allowed unconditionally never load an
// argument (the kernel's seccomp action cache, Linux 5.11+, then skips the
// filter for them).
import type { LinuxSeccomp } from '@oci/spec';
import { BPF, BPF_MAXINSNS, SECCOMP_DATA, SECCOMP_RET, encode, type Insn } from './bpf.ts';
import { argOffset, getArch, isKnownSyscall, nativeArch, syscallNumber, SOCKETCALL, IPCCALL, X32_SYSCALL_BIT, type ArchDef } from './arch.ts';
import { parseAction } from './action.ts';
import { SeccompError } from './errors.ts';
import { ProgramBuilder, assemble, type PNode } from './program.ts';
import { addRule, evalLevel, genChain, levelHead, RuleConflict, type ArgCmp, type CmpOp, type SyscallEntry, type TreeNode } from './tree.ts';
import { dispatch, type Range } from './dispatch.ts';

export interface CompileOptions {
  /** Native architecture (always part of the filter, as with libseccomp). Default: the host's. */
  arch?: string;
  /** Unknown syscall names are an error instead of being skipped (runc skips them). */
  strict?: boolean;
  /** runc's -ENOSYS stub for syscalls newer than the profile. Default true. */
  enosysStub?: boolean;
  /** Receives debug messages such as skipped unknown syscall names. */
  log?: (message: string) => void;
}

export interface CompileResult {
  /** The program: 8 bytes per instruction, host byte order. */
  bpf: Uint8Array;
  instructions: number;
  /** SECCOMP_FILTER_FLAG_* to pass to seccomp(2). */
  flags: number;
  /** A rule uses SCMP_ACT_NOTIFY: flags include NEW_LISTENER and seccomp(2) returns the listener fd. */
  listener: boolean;
  /** Names no syscall table knows (skipped unless strict). */
  unknownSyscalls: string[];
  /** Architectures in the filter, in check order. */
  architectures: string[];
}

/** SECCOMP_FILTER_FLAG_* (linux/seccomp.h). */
export const SECCOMP_FILTER_FLAG = {
  TSYNC: 1,
  LOG: 2,
  SPEC_ALLOW: 4,
  NEW_LISTENER: 8,
  TSYNC_ESRCH: 16,
  WAIT_KILLABLE_RECV: 32,
} as const;

const OCI_FLAGS: Record<string, number> = {
  SECCOMP_FILTER_FLAG_TSYNC: SECCOMP_FILTER_FLAG.TSYNC,
  SECCOMP_FILTER_FLAG_LOG: SECCOMP_FILTER_FLAG.LOG,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: SECCOMP_FILTER_FLAG.SPEC_ALLOW,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: SECCOMP_FILTER_FLAG.WAIT_KILLABLE_RECV,
};

const OPS: Record<string, CmpOp> = {
  SCMP_CMP_NE: 'NE', SCMP_CMP_LT: 'LT', SCMP_CMP_LE: 'LE', SCMP_CMP_EQ: 'EQ',
  SCMP_CMP_GE: 'GE', SCMP_CMP_GT: 'GT', SCMP_CMP_MASKED_EQ: 'MASKED_EQ',
};

const ENOSYS = 38;
const U64_MAX = (1n << 64n) - 1n;

interface Rule {
  name: string;
  action: number;
  args: ArgCmp[];
  pointer: string;
}

function toU64(v: unknown, pointer: string): bigint {
  if (typeof v === 'bigint' && v >= 0n && v <= U64_MAX) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 2 ** 64) {
    // JSON.parse rounds integers above 2^53: the value the profile meant is
    // unknown, and a seccomp rule must not guess. @oci/spec's parseConfig
    // returns such values as exact bigints.
    throw new SeccompError('EARGVALUE', `${v} is above 2^53 and was rounded by JSON.parse; pass it as a bigint (e.g. parse the config with @oci/spec)`, { pointer });
  }
  throw new SeccompError('EARGVALUE', `expected an unsigned 64-bit integer, got ${JSON.stringify(typeof v === 'bigint' ? String(v) : v)}`, { pointer });
}

function parseArgs(args: unknown, pointer: string): ArgCmp[] {
  if (args === undefined || args === null) return [];
  if (!Array.isArray(args)) throw new SeccompError('EPROFILE', 'args must be an array', { pointer });
  return args.map((a: any, i) => {
    const p = `${pointer}/${i}`;
    if (typeof a !== 'object' || a === null) throw new SeccompError('EPROFILE', 'argument condition must be an object', { pointer: p });
    if (!Number.isInteger(a.index) || a.index < 0 || a.index > 5) {
      throw new SeccompError('EARGINDEX', `argument index must be 0..5, got ${JSON.stringify(a.index)}`, { pointer: `${p}/index` });
    }
    const op = OPS[a.op];
    if (!op) throw new SeccompError('EOP', `unknown operator ${JSON.stringify(a.op)}`, { pointer: `${p}/op` });
    return {
      index: a.index,
      op,
      value: toU64(a.value, `${p}/value`),
      valueTwo: a.valueTwo === undefined || a.valueTwo === null ? 0n : toU64(a.valueTwo, `${p}/valueTwo`),
    };
  });
}

interface Normalized {
  defaultAction: number;
  defaultErrnoRet: number | undefined;
  rules: Rule[];
  /** Every known name of the profile (the stub's maximum counts all of them, as runc's does). */
  names: string[];
  unknown: string[];
  flags: number;
  listener: boolean;
}

// The keys runtime-spec config-linux.md "Seccomp" defines (plus `comment`,
// which carries no condition). Anything else is either a neighbouring format
// or a field this compiler does not know: never compile around it silently.
const SECCOMP_KEYS = new Set(['defaultAction', 'defaultErrnoRet', 'flags', 'listenerPath', 'listenerMetadata', 'architectures', 'syscalls', 'comment']);
const RULE_KEYS = new Set(['names', 'action', 'errnoRet', 'args', 'comment']);
const ARG_KEYS = new Set(['index', 'value', 'valueTwo', 'op']);

/**
 * Docker's and podman's profile files (moby profiles/seccomp/default.json,
 * containers/common seccomp.json) look like linux.seccomp but carry
 * conditions of their own: `archMap`, and per rule `includes`/`excludes` on
 * capabilities, arches and kernel versions that the engine resolves before
 * it writes config.json. Compiling such a file as if it were linux.seccomp
 * would drop those conditions and turn `mount`, `unshare`, `bpf`, `reboot`…
 * into ALLOW. So it is refused, pointing at the converter.
 */
function refuseContainerProfile(s: Record<string, unknown>): void {
  const hint = 'this is a Docker/podman container profile, not linux.seccomp: its includes/excludes need the container\'s capabilities, arch and kernel; convert it first with fromContainerProfile(profile, { capabilities, arch, kernel }) or `oci-seccomp profile FILE --caps …`';
  if ('archMap' in s) throw new SeccompError('ECONTAINERPROFILE', hint, { pointer: '/archMap' });
  if (Array.isArray(s.syscalls)) {
    s.syscalls.forEach((r: unknown, i) => {
      if (typeof r !== 'object' || r === null) return;
      for (const k of ['includes', 'excludes']) if (k in r) throw new SeccompError('ECONTAINERPROFILE', hint, { pointer: `/syscalls/${i}/${k}` });
      if ('name' in r && !('names' in r)) throw new SeccompError('ECONTAINERPROFILE', 'a rule with `name` is the pre-1.0 Docker profile format; linux.seccomp rules have `names`', { pointer: `/syscalls/${i}/name` });
    });
  }
}

function checkKeys(o: Record<string, unknown>, known: Set<string>, pointer: string, opts: CompileOptions): void {
  for (const k of Object.keys(o)) {
    if (known.has(k)) continue;
    const where = `${pointer}/${k}`;
    if (opts.strict) throw new SeccompError('EPROFILE', `unknown field ${JSON.stringify(k)}`, { pointer: where });
    opts.log?.(`seccomp: unknown field ${where} ignored`);
  }
}

function normalize(seccomp: LinuxSeccomp, opts: CompileOptions): Normalized {
  if (typeof seccomp !== 'object' || seccomp === null || Array.isArray(seccomp)) throw new SeccompError('EPROFILE', 'seccomp must be an object');
  const s = seccomp as LinuxSeccomp & Record<string, unknown>;
  refuseContainerProfile(s);
  checkKeys(s, SECCOMP_KEYS, '', opts);
  const defaultAction = parseAction(s.defaultAction, s.defaultErrnoRet, '/defaultAction');
  if (defaultAction === SECCOMP_RET.USER_NOTIF) {
    // runc: the init needs write(2) to hand over the listener fd.
    throw new SeccompError('EACTION', 'SCMP_ACT_NOTIFY cannot be the default action', { pointer: '/defaultAction' });
  }
  let flags = 0;
  (s.flags ?? []).forEach((f, i) => {
    const bit = OCI_FLAGS[f as string];
    if (bit === undefined) throw new SeccompError('EFLAG', `unknown seccomp flag ${JSON.stringify(f)}`, { pointer: `/flags/${i}` });
    flags |= bit;
  });
  const rules: Rule[] = [];
  const names: string[] = [];
  const unknown: string[] = [];
  let listener = false;
  const syscalls = s.syscalls ?? [];
  if (!Array.isArray(syscalls)) throw new SeccompError('EPROFILE', 'syscalls must be an array', { pointer: '/syscalls' });
  syscalls.forEach((sc: any, i) => {
    const pointer = `/syscalls/${i}`;
    if (typeof sc !== 'object' || sc === null || !Array.isArray(sc.names)) {
      throw new SeccompError('EPROFILE', 'syscall entry needs a names array', { pointer });
    }
    checkKeys(sc, RULE_KEYS, pointer, opts);
    if (Array.isArray(sc.args)) sc.args.forEach((a: unknown, j: number) => { if (typeof a === 'object' && a !== null) checkKeys(a as Record<string, unknown>, ARG_KEYS, `${pointer}/args/${j}`, opts); });
    const action = parseAction(sc.action, sc.errnoRet, `${pointer}/action`);
    const args = parseArgs(sc.args, `${pointer}/args`);
    if (action === SECCOMP_RET.USER_NOTIF) listener = true;
    for (const [j, name] of (sc.names as unknown[]).entries()) {
      if (typeof name !== 'string' || name === '') throw new SeccompError('EPROFILE', 'syscall name must be a non-empty string', { pointer: `${pointer}/names/${j}` });
      if (!isKnownSyscall(name)) {
        if (opts.strict) throw new SeccompError('EUNKNOWNSYSCALL', `unknown syscall ${JSON.stringify(name)}`, { pointer: `${pointer}/names/${j}` });
        if (!unknown.includes(name)) unknown.push(name);
        opts.log?.(`seccomp: unknown syscall ${JSON.stringify(name)} ignored`);
        continue;
      }
      names.push(name);
      // runc skips rules whose action is the default action (libseccomp refuses them).
      if (action === defaultAction) continue;
      // libseccomp takes one condition per argument; runc and crun split a
      // rule that repeats an index into one rule per condition (an OR).
      if (args.length > 1 && new Set(args.map((a) => a.index)).size !== args.length) {
        for (const a of args) rules.push({ name, action, args: [a], pointer });
      } else {
        rules.push({ name, action, args, pointer });
      }
    }
  });
  if (listener) {
    flags |= SECCOMP_FILTER_FLAG.NEW_LISTENER;
    // seccomp(2): TSYNC with NEW_LISTENER needs TSYNC_ESRCH (Linux 5.7+).
    if (flags & SECCOMP_FILTER_FLAG.TSYNC) flags |= SECCOMP_FILTER_FLAG.TSYNC_ESRCH;
  } else {
    // seccomp(2): WAIT_KILLABLE_RECV without NEW_LISTENER is EINVAL;
    // libseccomp only passes it when a NOTIFY rule exists. So do we.
    flags &= ~SECCOMP_FILTER_FLAG.WAIT_KILLABLE_RECV;
  }
  return {
    defaultAction,
    defaultErrnoRet: typeof s.defaultErrnoRet === 'number' ? s.defaultErrnoRet : undefined,
    rules, names, unknown, flags, listener,
  };
}

/** Apply every rule to one arch: syscall number -> entry (libseccomp's per-arch db). */
function archEntries(arch: ArchDef, rules: readonly Rule[]): Map<number, SyscallEntry> {
  const entries = new Map<number, SyscallEntry>();
  const add = (nr: number, args: ArgCmp[], rule: Rule) => {
    const chain = genChain(args, rule.action, arch.bits);
    try {
      entries.set(nr, addRule(entries.get(nr), chain, rule.action));
    } catch (e) {
      if (e instanceof RuleConflict) {
        throw new SeccompError('EPROFILE', `rule for ${rule.name} conflicts with an earlier rule (same conditions, different action) on ${arch.name}`, { pointer: rule.pointer });
      }
      throw e;
    }
  };
  for (const rule of rules) {
    const direct = syscallNumber(arch, rule.name);
    // socketcall(2)/ipc(2) multiplexing (libseccomp arch-x86.c, arch-s390*.c):
    // the multiplexed form matches args[0] == sub-call; the rule's own
    // condition on args[0] (if any) is replaced, the others are kept.
    const sub = arch.socketcall !== undefined && SOCKETCALL[rule.name] !== undefined ? { nr: arch.socketcall, call: SOCKETCALL[rule.name] }
      : arch.ipc !== undefined && IPCCALL[rule.name] !== undefined ? { nr: arch.ipc, call: IPCCALL[rule.name] }
      : undefined;
    if (sub) {
      const muxArgs = rule.args.filter((a) => a.index !== 0);
      muxArgs.push({ index: 0, op: 'EQ', value: BigInt(sub.call), valueTwo: 0n });
      add(sub.nr, muxArgs, rule);
    }
    if (direct !== undefined) add(direct, rule.args, rule);
  }
  return entries;
}

interface Group {
  token: number;
  arches: ArchDef[];
}

/** Builds the program nodes for one arch group. */
class GroupCompiler {
  constructor(
    private readonly b: ProgramBuilder,
    private readonly defaultRet: PNode,
    private readonly badArchRet: PNode,
  ) {}

  /** An argument tree: the level starting at `start`, falling through to `fall`. */
  private level(arch: ArchDef, start: TreeNode, fall: PNode, acc: Acc | undefined, memo: Map<string, PNode>): PNode {
    const nodes: TreeNode[] = [];
    for (let c: TreeNode | undefined = levelHead(start); c; c = c.lvlNxt) nodes.push(c);
    return this.levelFrom(arch, nodes, 0, fall, acc, memo);
  }

  private levelFrom(arch: ArchDef, nodes: TreeNode[], i: number, fall: PNode, acc: Acc | undefined, memo: Map<string, PNode>): PNode {
    if (i >= nodes.length) return fall;
    const c = nodes[i];
    const offset = argOffset(arch, c.arg, c.hi);
    const key = `${nodeId(c)}|${i}|${fall.id}|${acc ? `${acc.offset},${acc.mask}` : '-'}`;
    const hit = memo.get(key);
    if (hit) return hit;
    const after: Acc = { offset, mask: c.mask };
    // Next node of this level: reached with A known (a branch without target)
    // or unknown (a sub-level ran out).
    const nextKnown = this.levelFrom(arch, nodes, i + 1, fall, after, memo);
    const nextUnknown = this.levelFrom(arch, nodes, i + 1, fall, undefined, memo);
    const branch = (nxt: TreeNode | undefined, act: number | undefined): PNode =>
      nxt ? this.level(arch, nxt, nextUnknown, after, memo) : act !== undefined ? this.b.ret(act) : nextKnown;
    const op = c.op === 'GT' ? BPF.JGT : c.op === 'GE' ? BPF.JGE : BPF.JEQ;
    let n = this.b.jmp(op, c.datum, branch(c.nxtT, c.actT), branch(c.nxtF, c.actF));
    // Reload only when A does not already hold this word (masked at most as needed).
    const reload = !acc || acc.offset !== offset || ((c.mask & acc.mask) >>> 0) !== c.mask;
    const curMask = reload ? 0xffffffff : acc!.mask;
    if (c.mask !== curMask) n = this.b.and(c.mask, n);
    if (reload) n = this.b.ld(offset, n);
    memo.set(key, n);
    return n;
  }

  compile(group: Group, perArch: Map<ArchDef, Map<number, SyscallEntry>>, stubMax: Map<ArchDef, number> | undefined): PNode {
    const enosys = this.b.ret((SECCOMP_RET.ERRNO | ENOSYS) >>> 0);
    const has = (name: string) => group.arches.find((a) => a.name === name);
    const x86_64 = has('SCMP_ARCH_X86_64');
    const x32 = has('SCMP_ARCH_X32');
    const memo = new Map<string, PNode>();
    // syscall number -> target
    const targets = new Map<number, PNode>();
    for (const arch of group.arches) {
      for (const [nr, e] of perArch.get(arch)!) {
        const t = e.chains ? (this.diagram(arch, e.chains) ?? this.level(arch, e.chains, this.defaultRet, undefined, memo)) : this.b.ret(e.action!);
        targets.set(nr, t);
      }
    }
    // The action for a number with no rule: bad-ABI checks, then the stub.
    const isX86Group = x86_64 !== undefined || x32 !== undefined;
    const base = (nr: number): PNode => {
      if (isX86Group && !(x86_64 && x32)) {
        // libseccomp: an x86_64-only filter kills x32 calls and vice versa.
        // nr -1 (0xffffffff) is what the kernel sees after a tracer skipped
        // the syscall; libseccomp >= 2.5.2 lets it reach the default action.
        if (x86_64 && nr >= X32_SYSCALL_BIT && nr !== 0xffffffff) return this.badArchRet;
        if (x32 && nr < X32_SYSCALL_BIT) return this.badArchRet;
      }
      return this.defaultRet;
    };
    const stub = (nr: number): PNode | undefined => {
      if (!stubMax) return undefined;
      if (isX86Group) {
        const bit = (nr & X32_SYSCALL_BIT) !== 0;
        const m64 = x86_64 ? stubMax.get(x86_64) : undefined;
        const m32 = x32 ? stubMax.get(x32) : undefined;
        if (m64 !== undefined && m32 !== undefined) return (bit ? nr > m32 : nr > m64) ? enosys : undefined;
        if (m64 !== undefined) return !bit && nr > m64 ? enosys : undefined;
        if (m32 !== undefined) return bit && nr > m32 ? enosys : undefined;
        return undefined;
      }
      const arch = group.arches[0];
      const max = stubMax.get(arch);
      if (max === undefined) return undefined;
      // runc: setup(2), nr 0 on s390, is how unknown large syscall numbers arrive there.
      if ((arch.name === 'SCMP_ARCH_S390' || arch.name === 'SCMP_ARCH_S390X') && nr === 0) return enosys;
      return nr > max ? enosys : undefined;
    };
    const classify = (nr: number): PNode => stub(nr) ?? targets.get(nr) ?? base(nr);
    // Elementary segments: the classification is constant between these points.
    const points = new Set<number>([0, 1, X32_SYSCALL_BIT, 0x80000000, 0xc0000000, 0xffffffff]);
    for (const nr of targets.keys()) { points.add(nr); if (nr < 0xffffffff) points.add(nr + 1); }
    if (stubMax) for (const m of stubMax.values()) if (m < 0xffffffff) points.add(m + 1);
    const sorted = [...points].sort((a, b) => a - b);
    return this.b.ld(SECCOMP_DATA.nr, dispatch(this.b, sorted.map((p) => ({ lo: p, t: classify(p) }))));
  }

  /**
   * The syscall's argument tree re-expressed as a decision diagram over the
   * 32-bit argument words it reads: each word is loaded once per path and
   * dispatched on the value ranges its comparisons distinguish; the outcome
   * of every cell is taken from the libseccomp-ordered tree itself
   * (evalLevel), so precedence is unchanged. Returns undefined when the tree
   * does not fit this form (a word compared under different masks, or too
   * many cells), and the caller emits the tree node by node instead.
   */
  private diagram(arch: ArchDef, chains: TreeNode): PNode | undefined {
    const words = new Map<string, { arg: number; hi: boolean; mask: number; points: Set<number>; masked: boolean }>();
    const seen = new Set<TreeNode>();
    let ok = true;
    const visit = (start: TreeNode) => {
      for (let c: TreeNode | undefined = levelHead(start); c; c = c.lvlNxt) {
        if (seen.has(c)) continue;
        seen.add(c);
        const key = `${c.arg}${c.hi ? 'h' : 'l'}`;
        let w = words.get(key);
        if (!w) { w = { arg: c.arg, hi: c.hi, mask: c.mask, points: new Set(), masked: c.mask !== 0xffffffff }; words.set(key, w); }
        if (w.mask !== c.mask) ok = false;
        if (c.op === 'GT') { if (c.datum < 0xffffffff) w.points.add(c.datum + 1); }
        else if (c.op === 'GE') w.points.add(c.datum);
        else { w.points.add(c.datum); if (c.datum < 0xffffffff) w.points.add(c.datum + 1); }
        if (c.nxtT) visit(c.nxtT);
        if (c.nxtF) visit(c.nxtF);
      }
    };
    visit(chains);
    if (!ok) return undefined;
    const order = [...words.values()].sort((a, b) => a.arg - b.arg || Number(b.hi) - Number(a.hi));
    // Cells per word: [lo, representative]. Masked words: each datum, plus "any other masked value".
    const cells: Array<Array<{ lo: number; rep: number }>> = [];
    let product = 1;
    for (const w of order) {
      let list: Array<{ lo: number; rep: number }>;
      if (w.mask === 0) {
        // (A & 0) == 0 always: libseccomp still emits the test, we need no load.
        list = [{ lo: 0, rep: 0 }];
      } else if (w.masked) {
        const datums = [...w.points].filter((p) => ((p & w.mask) >>> 0) === p);
        const other = [0, w.mask, (w.mask & (w.mask - 1)) >>> 0, (w.mask & -w.mask) >>> 0].find((v) => !datums.includes(v));
        if (other === undefined) return undefined;
        const pts = new Set<number>([0, ...datums]);
        for (const d of datums) if (d < 0xffffffff) pts.add(d + 1);
        list = [...pts].sort((a, b) => a - b).map((lo) => ({ lo, rep: datums.includes(lo) ? lo : other }));
      } else {
        list = [...new Set([0, ...w.points])].sort((a, b) => a - b).map((lo) => ({ lo, rep: lo }));
      }
      cells.push(list);
      product *= list.length;
      if (product > 4096) return undefined;
    }
    const values = new Array<number>(order.length).fill(0);
    const index = new Map(order.map((w, i) => [`${w.arg}${w.hi ? 'h' : 'l'}`, i]));
    const read = (arg: number, hi: boolean) => values[index.get(`${arg}${hi ? 'h' : 'l'}`)!];
    const build = (i: number): PNode => {
      if (i === order.length) {
        const act = evalLevel(chains, read);
        return act === undefined ? this.defaultRet : this.b.ret(act);
      }
      const ranges: Range[] = cells[i].map((cell) => { values[i] = cell.rep; return { lo: cell.lo, t: build(i + 1) }; });
      const w = order[i];
      const d = dispatch(this.b, ranges);
      if (ranges.every((r) => r.t === ranges[0].t)) return ranges[0].t;
      return this.b.ld(argOffset(arch, w.arg, w.hi), w.masked ? this.b.and(w.mask, d) : d);
    };
    return build(0);
  }
}

interface Acc { offset: number; mask: number }

const ids = new WeakMap<TreeNode, number>();
let nextNodeId = 0;
function nodeId(n: TreeNode): number {
  let id = ids.get(n);
  if (id === undefined) { id = nextNodeId++; ids.set(n, id); }
  return id;
}

/**
 * Compile a runtime-spec `linux.seccomp` object. Throws SeccompError.
 */
export function compile(seccomp: LinuxSeccomp, opts: CompileOptions = {}): CompileResult {
  const norm = normalize(seccomp, opts);
  const native = opts.arch ? getArch(opts.arch) : nativeArch();
  // libseccomp always includes the native arch; the listed ones follow.
  const arches: ArchDef[] = [native];
  (seccomp.architectures ?? []).forEach((name, i) => {
    const a = getArch(name as string, `/architectures/${i}`);
    if (!arches.includes(a)) arches.push(a);
  });
  for (const a of arches) {
    if (a.littleEndian !== native.littleEndian) {
      throw new SeccompError('EARCHENDIAN', `${a.name} has a different byte order than ${native.name}; one filter cannot serve both`);
    }
  }
  // One check per AUDIT_ARCH token: x86_64 and x32 share one.
  const groups: Group[] = [];
  for (const a of arches) {
    const g = groups.find((x) => x.token === a.token);
    if (g) g.arches.push(a); else groups.push({ token: a.token, arches: [a] });
  }
  const perArch = new Map<ArchDef, Map<number, SyscallEntry>>();
  for (const a of arches) perArch.set(a, archEntries(a, norm.rules));

  // runc's stub conditions: not for permissive defaults, not when the default already is ENOSYS.
  const permissive = [SECCOMP_RET.ALLOW, SECCOMP_RET.LOG].includes(norm.defaultAction as 0x7fff0000) ||
    (norm.defaultAction & 0xffff0000) >>> 0 === SECCOMP_RET.TRACE;
  const useStub = (opts.enosysStub ?? true) && !permissive && norm.defaultAction !== ((SECCOMP_RET.ERRNO | ENOSYS) >>> 0);
  let stubMax: Map<ArchDef, number> | undefined;
  if (useStub) {
    stubMax = new Map();
    for (const a of arches) {
      let max = -1;
      for (const name of norm.names) {
        const nr = syscallNumber(a, name);
        if (nr !== undefined && nr > max) max = nr;
      }
      if (max > 0) stubMax.set(a, max);
    }
  }

  const b = new ProgramBuilder();
  const defaultRet = b.ret(norm.defaultAction);
  const badArchRet = b.ret(SECCOMP_RET.KILL_THREAD);
  const gc = new GroupCompiler(b, defaultRet, badArchRet);
  let dispatch: PNode = badArchRet;
  for (let i = groups.length - 1; i >= 0; i--) {
    dispatch = b.jmp(BPF.JEQ, groups[i].token, gc.compile(groups[i], perArch, stubMax), dispatch);
  }
  const insns: Insn[] = assemble(b.ld(SECCOMP_DATA.arch, dispatch));
  if (insns.length > BPF_MAXINSNS) {
    throw new SeccompError('ETOOLONG', `the filter needs ${insns.length} instructions; the kernel accepts at most ${BPF_MAXINSNS}`);
  }
  return {
    bpf: encode(insns),
    instructions: insns.length,
    flags: norm.flags,
    listener: norm.listener,
    unknownSyscalls: norm.unknown,
    architectures: arches.map((a) => a.name),
  };
}

