// Kernel test (x86_64): the compiled Docker default profile is loaded with
// seccomp(2) in a separate process (python3 + ctypes: Node cannot fork
// safely) and real syscalls must return what the profile says, and what our
// interpreter predicts for the same program.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { compile, dockerDefault, evaluate, SECCOMP_RET } from '../src/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const probe = path.join(here, 'helpers/kernel-probe.py');
const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import ctypes'], { stdio: 'ignore' }).status === 0);

if (process.arch !== 'x64') {
  t.plan(0, `kernel test skipped: it probes x86_64 syscall numbers and this is ${process.arch}`);
} else if (!python) {
  t.plan(0, 'kernel test skipped: no python3');
} else {
  // Docker's default profile as Docker passes it for amd64 with its default capabilities.
  const profile = dockerDefault({ arch: 'x86_64', kernel: '6.18' });
  const { bpf, flags } = compile(profile);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-seccomp-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'docker.bpf');
  fs.writeFileSync(file, bpf);

  const EPERM = 1, ENOSYS = 38;
  const calls: Array<{ what: string; nr: number; args: number[]; expect: 'ok' | number }> = [
    { what: 'getpid (allowed)', nr: 39, args: [], expect: 'ok' },
    { what: 'socket(AF_UNIX) (allowed by an argument rule)', nr: 41, args: [1, 1, 0], expect: 'ok' },
    { what: 'socket(AF_VSOCK) (denied by the argument rules)', nr: 41, args: [40, 1, 0], expect: EPERM },
    { what: 'personality(0xffffffff) (allowed query)', nr: 135, args: [0xffffffff], expect: 'ok' },
    { what: 'personality(1) (denied)', nr: 135, args: [1], expect: EPERM },
    { what: 'acct(NULL) (not in the profile)', nr: 163, args: [0], expect: EPERM },
    { what: 'clone3 (ERRNO(ENOSYS) rule)', nr: 435, args: [0, 0], expect: ENOSYS },
    { what: 'nr 600 (above the profile: stub)', nr: 600, args: [], expect: ENOSYS },
    { what: 'nr 1000 (above the profile: stub)', nr: 1000, args: [], expect: ENOSYS },
  ];
  const r = spawnSync(python, [probe, file, String(flags), ...calls.map((c) => `${c.nr}:${c.args.join(',')}`)], { encoding: 'utf8' });
  t.equal(r.status, 0, `probe exits 0 ${r.stderr}`);
  const [load, ...results] = JSON.parse(r.stdout) as Array<{ nr: number; ret: number; errno: number; load?: number }>;
  t.equal(load.load, 0, 'seccomp(2) loads the filter');
  calls.forEach((c, i) => {
    const got = results[i];
    if (c.expect === 'ok') t.ok(got.ret >= 0, `${c.what}: succeeds (ret ${got.ret}, errno ${got.errno})`);
    else t.same({ ret: got.ret, errno: got.errno }, { ret: -1, errno: c.expect }, `${c.what}: errno ${c.expect}`);
    // The interpreter predicts the kernel's verdict.
    const ev = evaluate(bpf, { nr: c.nr, arch: 'SCMP_ARCH_X86_64', args: c.args });
    const predicted = ev.action === SECCOMP_RET.ERRNO ? ev.data : 'ok';
    t.equal(predicted, c.expect, `${c.what}: interpreter agrees (${ev.name})`);
  });
}

if (process.arch === 'x64' && python) {
  t.test('flags and a NOTIFY rule load together: seccomp(2) returns the listener fd', async (t) => {
    const p = { ...dockerDefault({ arch: 'x86_64', kernel: '6.18' }) } as any;
    p.flags = ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'];
    p.syscalls = [...p.syscalls, { names: ['acct'], action: 'SCMP_ACT_NOTIFY' }];
    const r = compile(p);
    t.ok(r.listener, 'NOTIFY needs a listener');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-seccomp-'));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dir, 'n.bpf'), r.bpf);
    // getpid only: calling acct would wait for a supervisor that is not there.
    const out = spawnSync(python!, [probe, path.join(dir, 'n.bpf'), String(r.flags), '39:'], { encoding: 'utf8' });
    t.equal(out.status, 0, `probe exits 0 ${out.stderr}`);
    const [load, getpid] = JSON.parse(out.stdout);
    t.ok(load.load > 2, `the listener fd (${load.load})`);
    t.ok(getpid.ret > 0, 'getpid still allowed');
  });
}
