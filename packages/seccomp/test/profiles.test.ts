// The bundled Docker and podman default profiles, converted the way Docker
// and podman do before calling the runtime.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dockerDefault, podmanDefault, compile, evaluate, syscallNumber, findArch } from '../src/index.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const oci = path.resolve(repoRoot, '../shared/data/seccomp/oci');
const X64 = findArch('x86_64')!;
const verdict = (p: any, name: string, args: number[] = []) =>
  evaluate(compile(p, { arch: 'x86_64' }).bpf, { nr: syscallNumber(X64, name)!, arch: 'SCMP_ARCH_X86_64', args }).name;

t.test('Docker default on amd64', async (t) => {
  const p = dockerDefault({ arch: 'x86_64', kernel: '6.18' });
  t.same(p.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'], 'native arch with its sub-arches');
  t.equal(verdict(p, 'read'), 'ALLOW');
  t.equal(verdict(p, 'mount'), 'ERRNO(1)', 'mount needs CAP_SYS_ADMIN');
  t.equal(verdict(p, 'clone3'), 'ERRNO(38)', 'clone3 is ENOSYS without CAP_SYS_ADMIN');
  t.equal(verdict(p, 'arch_prctl'), 'ALLOW', 'amd64-only rule included');
  t.equal(verdict(p, 'ptrace'), 'ALLOW', 'minKernel 4.8 rule on a 6.18 kernel');
  t.equal(verdict(dockerDefault({ arch: 'x86_64', kernel: '4.4' }), 'ptrace'), 'ERRNO(1)', 'not on 4.4');
  const admin = dockerDefault({ arch: 'x86_64', kernel: '6.18', capabilities: ['CAP_SYS_ADMIN'] });
  t.equal(verdict(admin, 'mount'), 'ALLOW', 'CAP_SYS_ADMIN adds mount');
  t.equal(verdict(admin, 'clone3'), 'ALLOW');
  const arm = dockerDefault({ arch: 'aarch64', kernel: '6.18' });
  t.same(arm.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  t.notOk(arm.syscalls!.some((s) => s.names.includes('arch_prctl')), 'x86-only rules dropped on arm64');
});

t.test('podman default', async (t) => {
  const p = podmanDefault({ arch: 'x86_64', kernel: '6.18' });
  t.equal(p.defaultErrnoRet, 38, 'podman defaults to ENOSYS');
  t.equal(verdict(p, 'socket', [16, 3, 9]), 'ERRNO(22)', 'NETLINK_AUDIT sockets refused without CAP_AUDIT_WRITE');
  t.equal(verdict(p, 'socket', [2, 1, 0]), 'ALLOW');
});

if (fs.existsSync(oci)) {
  t.test('identical to the reference conversions in ../shared', async (t) => {
    for (const [name, fn] of [['docker-default.amd64', dockerDefault], ['podman-default.amd64', podmanDefault]] as const) {
      const ref = JSON.parse(fs.readFileSync(path.join(oci, `${name}.oci.json`), 'utf8'));
      t.same(fn({ arch: 'x86_64', kernel: '6.18' }), ref, name);
    }
  });
} else {
  t.comment(`reference conversions skipped: ${oci} is absent`);
}
