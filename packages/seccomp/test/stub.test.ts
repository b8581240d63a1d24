// The ENOSYS stub against runc's: runc 1.1 + libseccomp 2.6.1 built the
// Docker amd64 profile with its patchbpf stub (reference-bpf/...runcstub.bpf
// in ../shared). Both programs must give the same action for every syscall
// number of x86_64, x86 and x32 and for numbers above every table.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile, makeEvaluator } from '../src/index.ts';
import { findArch, syscallTable } from '../src/arch.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dir = path.resolve(repoRoot, '../shared/data/seccomp');
const ref = path.join(dir, 'reference-bpf/docker-default.amd64.libseccomp-v2.6.1.opt2.runcstub.bpf');

if (!fs.existsSync(ref)) {
  t.plan(0, `stub comparison skipped: ${ref} is absent`);
} else {
  const profile = JSON.parse(fs.readFileSync(path.join(dir, 'oci/docker-default.amd64.oci.json'), 'utf8'));
  const ours = makeEvaluator(compile(profile, { arch: 'x86_64' }).bpf);
  const theirs = makeEvaluator(new Uint8Array(fs.readFileSync(ref)));
  const diffs: string[] = [];
  let n = 0;
  for (const name of ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']) {
    const arch = findArch(name)!;
    const nrs = new Set(syscallTable(arch).map(([, nr]) => nr));
    for (let i = 0; i < 1100; i++) nrs.add(arch.base + i);
    for (const nr of [0x3fffffff, 0x7fffffff, 0x80000000, 0xbfffffff, 0xc0000000, 0xffffffff]) nrs.add(nr);
    for (const nr of nrs) {
      const d = { nr, arch: arch.token, args: [0, 0, 0, 0, 0, 0] };
      const a = ours(d), b = theirs(d);
      n++;
      if (a.ret !== b.ret && diffs.length < 10) diffs.push(`${name} nr ${nr}: ours ${a.name}, runc ${b.name}`);
    }
  }
  t.same(diffs, [], `same action as runc's stubbed filter on ${n} syscall numbers`);
}
