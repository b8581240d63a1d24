// The kernel's seccomp action cache (Linux 5.11+) skips the filter for a
// syscall the filter allows without looking at anything but nr and arch.
// Argument checks must stay off those paths: every syscall the Docker
// profile allows unconditionally must be cacheable, on every arch of the
// filter, and syscalls with argument rules must not be (they need the args).
import t from 'tap';
import { compile, dockerDefault, isConstantAllow, evaluate } from '../src/index.ts';
import { findArch, syscallNumber } from '../src/arch.ts';

const profile = dockerDefault({ arch: 'x86_64', kernel: '6.18' });
const { bpf } = compile(profile, { arch: 'x86_64' });
const unconditional = new Set(profile.syscalls!.filter((s) => s.action === 'SCMP_ACT_ALLOW' && !s.args?.length).flatMap((s) => s.names));
const conditional = new Set(profile.syscalls!.filter((s) => s.args?.length).flatMap((s) => s.names));

for (const archName of profile.architectures!) {
  const arch = findArch(archName)!;
  let cached = 0, total = 0;
  const missing: string[] = [];
  for (const name of unconditional) {
    if (conditional.has(name)) continue;
    const nr = syscallNumber(arch, name);
    if (nr === undefined) continue;
    total++;
    if (isConstantAllow(bpf, nr, arch.token)) cached++; else missing.push(name);
  }
  t.same(missing, [], `${archName}: all ${total} unconditionally allowed syscalls are cacheable (${cached})`);
  const nr = syscallNumber(arch, 'personality')!;
  t.notOk(isConstantAllow(bpf, nr, arch.token), `${archName}: personality (argument rules) is not`);
  t.equal(evaluate(bpf, { nr, arch: arch.token, args: [0] }).name, 'ALLOW', `${archName}: and still allowed for personality(0)`);
}
