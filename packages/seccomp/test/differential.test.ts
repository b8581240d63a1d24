// Differential test against libseccomp: the same OCI profile is compiled by
// us and by libseccomp (python3-seccomp, built the way runc builds it), and
// both programs are run in our interpreter on every syscall number of every
// arch in the filter, with argument vectors aimed at the rule boundaries.
// Every input must give the same action. The ENOSYS stub is off here
// (libseccomp has none; test/stub.test.ts covers it).
import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile, disassemble, dockerDefault, podmanDefault, makeEvaluator, SeccompError, type EvalResult, type SeccompData } from '../src/index.ts';
import { findArch, syscallTable, syscallNumber, SOCKETCALL, IPCCALL, X32_SYSCALL_BIT, type ArchDef } from '../src/arch.ts';
import { SYSCALL_NAMES } from '../src/syscalls.generated.ts';
import { findPython, runHelper, type ExportResult } from './helpers/libseccomp.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const shared = path.resolve(repoRoot, '../shared/data/seccomp/oci');

type Profile = { defaultAction: string; defaultErrnoRet?: number; architectures?: string[]; syscalls?: any[] };

if (!findPython()) {
  t.plan(0, 'differential test skipped: no python3 with the seccomp module (apt-get install python3-seccomp)');
} else {
  // Arch sets exercised: [native, ...listed]. Big-endian ones are left out:
  // libseccomp exports a big-endian filter with some instructions in the
  // host's byte order, so its program cannot be run faithfully on this host.
  const ARCH_SETS: string[][] = [
    ['SCMP_ARCH_X86_64'],
    ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X32'],
    ['SCMP_ARCH_X86', 'SCMP_ARCH_X86_64'],
    ['SCMP_ARCH_X32'],
    ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
    ['SCMP_ARCH_RISCV64'],
    ['SCMP_ARCH_PPC64LE'],
    ['SCMP_ARCH_MIPSEL64', 'SCMP_ARCH_MIPSEL64N32', 'SCMP_ARCH_MIPSEL'],
  ];
  const allArches = [...new Set(ARCH_SETS.flat())];

  // Names on which our tables and libseccomp's agree on every arch tested
  // (Debian's libseccomp is older than our table for the newest syscalls).
  const theirs = runHelper<{ tables: Record<string, Record<string, number>> }>({ tables: allArches, names: SYSCALL_NAMES }).tables;
  // runc resolves names on the host (x86_64): a name libseccomp cannot resolve
  // there is skipped by runc, while we resolve it per arch from our tables.
  const agreed = SYSCALL_NAMES.filter((name) => theirs.SCMP_ARCH_X86_64[name] !== -1 && allArches.some((a) => syscallNumber(findArch(a)!, name) !== undefined) && allArches.every((a) => {
    const arch = findArch(a)!;
    const mine = syscallNumber(arch, name);
    const their = theirs[a][name];
    if (arch.socketcall !== undefined && (SOCKETCALL[name] !== undefined || IPCCALL[name] !== undefined)) return their !== -1 || mine === undefined;
    return mine === undefined ? their < 0 : mine === their;
  }));
  t.ok(agreed.length > 400, `syscall tables agree with libseccomp on ${agreed.length} of ${SYSCALL_NAMES.length} names`);
  const agreedSet = new Set(agreed);

  // Deterministic PRNG (mulberry32) so a failure can be replayed.
  let seed = 0x5eccc0de;
  const rnd = () => { seed |= 0; seed = (seed + 0x6d2b79f5) | 0; let x = Math.imul(seed ^ (seed >>> 15), 1 | seed); x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x; return ((x ^ (x >>> 14)) >>> 0) / 4294967296; };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

  const INTERESTING = [0n, 1n, 2n, 3n, 5n, 8n, 38n, 39n, 40n, 0x7fn, 0xffn, 0x20000n, 0x7fffffffn, 0x80000000n, 0xfffffffen, 0xffffffffn,
    0x100000000n, 0x100000005n, 0x1ffffffffn, 0x8000000000000000n, 0xfffffffffffffffen, 0xffffffffffffffffn];
  const randValue = (): bigint => rnd() < 0.8 ? pick(INTERESTING) : (BigInt(Math.floor(rnd() * 2 ** 32)) << BigInt(pick([0, 0, 32]))) | BigInt(Math.floor(rnd() * 16));
  const ACTIONS = ['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_TRAP', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE', 'SCMP_ACT_KILL_THREAD'];
  const OPS = ['SCMP_CMP_EQ', 'SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_GT', 'SCMP_CMP_GE', 'SCMP_CMP_MASKED_EQ'];

  function genProfile(): { native: string; seccomp: Profile } {
    const set = pick(ARCH_SETS);
    // A small pool of names per profile so rules overlap on the same syscall.
    const pool = Array.from({ length: 3 + Math.floor(rnd() * 25) }, () => pick(agreed));
    const muxed = ['socket', 'connect', 'accept', 'recv', 'semop', 'shmat', 'socketpair'].filter((n) => agreedSet.has(n));
    if (rnd() < 0.3 && muxed.length) pool.push(pick(muxed));
    const act = () => {
      const a = pick(ACTIONS);
      const r: any = { action: a };
      if ((a === 'SCMP_ACT_ERRNO' || a === 'SCMP_ACT_TRACE') && rnd() < 0.6) r.errnoRet = pick([1, 2, 13, 22, 38, 95]);
      return r;
    };
    const def = act();
    const p: Profile = { defaultAction: def.action, architectures: set.slice(1) };
    if (def.errnoRet !== undefined) p.defaultErrnoRet = def.errnoRet;
    p.syscalls = Array.from({ length: 1 + Math.floor(rnd() * 20) }, () => {
      const sc: any = { names: Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => pick(pool)), ...act() };
      if (rnd() < 0.6) {
        sc.args = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => {
          const op = pick(OPS);
          const a: any = { index: Math.floor(rnd() * (rnd() < 0.5 ? 2 : 6)), op, value: randValue() };
          if (op === 'SCMP_CMP_MASKED_EQ') a.valueTwo = rnd() < 0.5 ? 0n : randValue();
          return a;
        });
      }
      return sc;
    });
    return { native: set[0], seccomp: p };
  }

  function restrict(p: Profile): Profile {
    return { ...p, syscalls: (p.syscalls ?? []).map((s) => ({ ...s, names: s.names.filter((n: string) => agreedSet.has(n)) })).filter((s) => s.names.length) };
  }

  const cases: Array<{ label: string; native: string; seccomp: Profile }> = [];
  // The Docker and podman defaults as Docker/podman pass them, per arch (and
  // x86_64 alone), plus the reference conversions in ../shared when present.
  for (const [name, make] of [['docker', dockerDefault], ['podman', podmanDefault]] as const) {
    for (const native of ['SCMP_ARCH_X86_64', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_PPC64LE', 'SCMP_ARCH_RISCV64']) {
      const p = make({ arch: native, kernel: '6.18' }) as Profile;
      cases.push({ label: `${name} default ${native}`, native, seccomp: restrict(p) });
      if (native === 'SCMP_ARCH_X86_64') cases.push({ label: `${name} default x86_64 only`, native, seccomp: restrict({ ...p, architectures: [] }) });
    }
  }
  if (fs.existsSync(shared)) {
    for (const f of fs.readdirSync(shared).filter((f) => f.endsWith('.oci.json'))) {
      cases.push({ label: f, native: 'SCMP_ARCH_X86_64', seccomp: restrict(JSON.parse(fs.readFileSync(path.join(shared, f), 'utf8'))) });
    }
  } else {
    t.comment(`reference profiles in ${shared} skipped: absent (the bundled ones are tested)`);
  }
  // A profile "overlaps" when one syscall gets several rules (or a split
  // rule): libseccomp then merges and prunes chains (db.c), where a few rare
  // cases still differ (README "Known gaps"). Those are compared separately
  // and reported as a todo.
  const overlaps = (p: Profile): boolean => {
    const seen = new Map<string, number>();
    const def = `${p.defaultAction}/${p.defaultErrnoRet ?? ''}`;
    for (const s of p.syscalls ?? []) {
      if (`${s.action}/${s.errnoRet ?? ''}` === def && !(s.action === 'SCMP_ACT_ERRNO' && p.defaultErrnoRet === undefined && s.errnoRet === 1)) continue;
      const idx = (s.args ?? []).map((a: any) => a.index);
      const split = idx.length !== new Set(idx).size;
      for (const n of new Set<string>(s.names)) {
        seen.set(n, (seen.get(n) ?? 0) + (split ? 2 : 1));
      }
    }
    return [...seen.values()].some((v) => v > 1);
  };
  let simple = 0, overlapping = 0;
  while (simple < 520 || overlapping < 150) {
    const g = genProfile();
    if (overlaps(g.seccomp)) { if (overlapping < 150) cases.push({ label: `overlapping #${overlapping++}`, ...g }); }
    else if (simple < 520) cases.push({ label: `generated #${simple++}`, ...g });
  }

  const exported = runHelper<{ results: ExportResult[] }>({ profiles: cases.map((c) => ({ native: c.native, seccomp: c.seccomp })) }).results;

  // Inputs: every syscall number of every arch in the filter (+ x32/x86_64
  // cross-ABI numbers and large ones), zero args; numbers with rules also get
  // argument vectors around the values the profile compares with.
  function inputs(c: { seccomp: Profile }, arches: ArchDef[]): SeccompData[] {
    const values = new Set<bigint>(INTERESTING);
    for (const s of c.seccomp.syscalls ?? []) for (const a of s.args ?? []) {
      const v = BigInt(a.value), w = BigInt(a.valueTwo ?? 0);
      for (const x of [v, v + 1n, v - 1n, w, w | ~v & 0xffn, (1n << 32n) + v]) if (x >= 0n && x < 1n << 64n) values.add(x);
    }
    const vals = [...values];
    const out: SeccompData[] = [];
    const extra = [0x40000000, 0x40000001, 0x40000200, 0x3fffffff, 999, 0x7fffffff, 0x80000000, 0xc0000005, 0xffffffff];
    const ruled = new Set<string>((c.seccomp.syscalls ?? []).flatMap((s) => s.names));
    for (const arch of arches) {
      const nrs = new Map<number, boolean>();
      for (const [name, nr] of syscallTable(arch)) nrs.set(nr, ruled.has(name));
      if (arch.socketcall !== undefined) { nrs.set(arch.socketcall, true); nrs.set(arch.ipc!, true); }
      for (const nr of extra) if (!nrs.has(nr)) nrs.set(nr, false);
      for (const [nr, withArgs] of nrs) {
        out.push({ nr, arch: arch.token, args: [0, 0, 0, 0, 0, 0] });
        if (!withArgs) continue;
        for (let k = 0; k < 24; k++) out.push({ nr, arch: arch.token, args: Array.from({ length: 6 }, () => (rnd() < 0.7 ? pick(vals) : 0n)) });
      }
    }
    out.push({ nr: 0, arch: 0x40000028 /* ARM */ }, { nr: 0, arch: 0xc00000b7 /* AARCH64 */ }, { nr: 0, arch: 0x12345678 });
    return out;
  }

  // The rules as written: the referee when our program and libseccomp's
  // disagree. It returns the actions of every rule that matches the input
  // (or the default when none does): precedence may pick any of them, but an
  // answer outside the set contradicts the profile.
  const M32 = 0xffffffffn, M64 = (1n << 64n) - 1n;
  function oracle(p: Profile, arch: ArchDef, d: SeccompData): Set<number> {
    const cmp = (a: any, v: bigint): boolean => {
      let x = v, val = BigInt(a.value), two = BigInt(a.valueTwo ?? 0);
      if (arch.bits === 32) { x &= M32; val &= M32; two &= M32; }
      switch (a.op) {
        case 'SCMP_CMP_EQ': return x === val;
        case 'SCMP_CMP_NE': return x !== val;
        case 'SCMP_CMP_LT': return x < val;
        case 'SCMP_CMP_LE': return x <= val;
        case 'SCMP_CMP_GT': return x > val;
        case 'SCMP_CMP_GE': return x >= val;
        case 'SCMP_CMP_MASKED_EQ': return (x & val) === (two & val);
      }
      return false;
    };
    const act = (name: string, errno?: number) => {
      const e = errno ?? 1;
      return ({ SCMP_ACT_KILL: 0, SCMP_ACT_KILL_THREAD: 0, SCMP_ACT_KILL_PROCESS: 0x80000000, SCMP_ACT_TRAP: 0x30000, SCMP_ACT_ERRNO: 0x50000 + e,
        SCMP_ACT_TRACE: 0x7ff00000 + e, SCMP_ACT_LOG: 0x7ffc0000, SCMP_ACT_ALLOW: 0x7fff0000 } as Record<string, number>)[name];
    };
    const def = act(p.defaultAction, p.defaultErrnoRet);
    const args = (d.args ?? []).map((v) => BigInt(v) & M64);
    const hits = new Set<number>();
    for (const s of p.syscalls ?? []) {
      const a = act(s.action, s.errnoRet);
      if (a === def) continue;
      const all: any[] = s.args ?? [];
      // runc splits a rule that repeats an index into one rule per condition
      const groups: any[][] = new Set(all.map((x) => x.index)).size !== all.length ? all.map((x) => [x]) : [all];
      for (const conds of groups) for (const name of s.names) {
        let match = syscallNumber(arch, name) === d.nr;
        const sub = arch.socketcall !== undefined ? (SOCKETCALL[name] !== undefined ? [arch.socketcall, SOCKETCALL[name]] : IPCCALL[name] !== undefined ? [arch.ipc!, IPCCALL[name]] : undefined) : undefined;
        let muxConds = conds;
        if (!match && sub && sub[0] === d.nr) { match = true; muxConds = [...conds.filter((c) => c.index !== 0), { index: 0, op: 'SCMP_CMP_EQ', value: sub[1] }]; }
        if (match && muxConds.every((c) => cmp(c, args[c.index] ?? 0n))) hits.add(a);
      }
    }
    // Several actions: precedence decides, but the answer must be one of them.
    return hits.size ? hits : new Set([def]);
  }

  let compared = 0, rejectedBoth = 0, evals = 0, libseccompWrong = 0;
  const failures: string[] = [];
  const overlapFailures: string[] = [];
  cases.forEach((c, i) => {
    const sink = c.label.startsWith('overlapping') ? overlapFailures : failures;
    if (c.label.startsWith('overlapping')) compared--;
    const theirs = exported[i];
    let ours: ReturnType<typeof compile> | undefined;
    let err: unknown;
    try { ours = compile(c.seccomp as any, { arch: c.native, enosysStub: false }); } catch (e) { err = e; }
    if (!theirs.ok) {
      if (ours) sink.push(`${c.label}: libseccomp rejected it (${theirs.message}) but we compiled it: ${JSON.stringify(c.seccomp, (_k, v) => typeof v === 'bigint' ? String(v) : v)}`);
      else rejectedBoth++;
      return;
    }
    if (!ours) { sink.push(`${c.label}: we rejected it (${(err as Error).message}) but libseccomp compiled it`); return; }
    let evOurs: ReturnType<typeof makeEvaluator>;
    try { evOurs = makeEvaluator(ours.bpf); } catch (e) { sink.push(`${c.label}: our program is invalid: ${(e as Error).message}\n${disassemble(ours.bpf)}`); return; }
    let evTheirs: ReturnType<typeof makeEvaluator>;
    const theirBytes = new Uint8Array(Buffer.from(theirs.bpf, 'base64'));
    try { evTheirs = makeEvaluator(theirBytes); } catch (e) { sink.push(`${c.label}: libseccomp program is invalid: ${(e as Error).message}\n${disassemble(new Uint8Array(Buffer.from(theirs.bpf, "base64")))}`); return; }
    const arches = ours.architectures.map((n) => findArch(n)!);
    const diffs: string[] = [];
    for (const d of inputs(c, arches)) {
      const a: EvalResult = evOurs(d), b: EvalResult = evTheirs(d);
      evals++;
      if (a.ret !== b.ret) {
        // Ask the rule itself who is right (only for a syscall the filter covers on a known arch).
        const arch = arches.find((x) => x.token === d.arch && (x.name !== 'SCMP_ARCH_X32') === (d.nr < X32_SYSCALL_BIT));
        const ruled = arch && (syscallTable(arch).some(([, nr]) => nr === d.nr) || d.nr === arch.socketcall || d.nr === arch.ipc);
        const want = ruled ? oracle(c.seccomp, arch!, d) : undefined;
        if (want && want.has(a.ret) && !want.has(b.ret)) { libseccompWrong++; continue; }
      }
      if (a.ret !== b.ret && diffs.length < 5) diffs.push(`arch 0x${(d.arch as number).toString(16)} nr ${d.nr} args ${d.args?.map(String).join(',')}: ours ${a.name}, libseccomp ${b.name}`);
    }
    compared++;
    // SECCOMP_DIFF_DUMP="<case label>" saves that case and both programs for debugging.
    if (diffs.length && process.env.SECCOMP_DIFF_DUMP === c.label) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-seccomp-diff-'));
      fs.writeFileSync(path.join(dir, 'case.json'), JSON.stringify({ native: c.native, seccomp: c.seccomp }, (_k, v) => typeof v === 'bigint' ? String(v) : v));
      fs.writeFileSync(path.join(dir, 'ours.bpf'), ours.bpf);
      fs.writeFileSync(path.join(dir, 'libseccomp.bpf'), theirBytes);
      t.comment(`${c.label} saved in ${dir}`);
    }
    if (diffs.length) sink.push(`${c.label}: ${diffs.join('; ')}\n  profile: ${JSON.stringify(c.seccomp, (_k, v) => typeof v === 'bigint' ? String(v) : v)}`);
  });
  t.comment(`${compared} profiles compared on ${evals} inputs; ${rejectedBoth} rejected by both; ${libseccompWrong} inputs where libseccomp 2.5.4 answers with an action no matching rule has and we do not`);
  t.ok(compared >= 500, `at least 500 profiles without overlapping rules compared (${compared})`);
  t.same(failures.slice(0, 10), [], `every profile gives libseccomp's action on every input, or the rule's own where libseccomp contradicts it (${failures.length} failed)`);
  t.comment(`overlapping rules: ${150 - overlapFailures.length} of 150 profiles identical to libseccomp`);
  // Known: a profile whose only conflict is on a syscall missing from an
  // arch makes libseccomp fail (README "Differences" 3); allow a few.
  for (const f of overlapFailures) t.comment(f.slice(0, 400));
  t.ok(overlapFailures.length <= 3, `overlapping rules resolve like libseccomp in at least 147 of 150 profiles (${150 - overlapFailures.length})`);
}
