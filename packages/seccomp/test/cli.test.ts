// oci-seccomp, through main() with an in-memory io.
import t from 'tap';
import { main, parseJsonExact, type Io } from '../src/cli.ts';
import { evaluate } from '../src/index.ts';

function io(files: Record<string, string | Uint8Array> = {}) {
  const out: Array<string | Uint8Array> = [];
  const err: string[] = [];
  const written: Record<string, Uint8Array> = {};
  const x: Io = {
    stdout: (s) => { out.push(s); },
    stderr: (s) => { err.push(s); },
    readFile: (p) => {
      const f = files[p] ?? written[p];
      if (f === undefined) throw Object.assign(new Error(`ENOENT: no such file, open '${p}'`), { code: 'ENOENT' });
      return Buffer.from(f as any);
    },
    writeFile: (p, d) => { written[p] = d; },
  };
  return { x, out, err, written };
}

const config = JSON.stringify({ ociVersion: '1.2.0', linux: { seccomp: { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] } } });

t.test('compile writes the program; eval and disasm read it', async (t) => {
  const s = io({ 'config.json': config });
  t.equal(main(['compile', 'config.json', '--arch', 'x86_64', '-o', 'f.bpf'], s.x), 0);
  t.match(s.err.join(''), /instructions, flags 0x0, arches SCMP_ARCH_X86_64/);
  t.equal(evaluate(s.written['f.bpf'], { nr: 0, arch: 'SCMP_ARCH_X86_64' }).name, 'ALLOW');
  t.equal(main(['eval', 'f.bpf', '--arch', 'x86_64', '--syscall', 'read'], s.x), 0);
  t.equal(main(['eval', 'f.bpf', '--arch=x86_64', '--nr', '1'], s.x), 0);
  t.match(s.out.join(''), /ALLOW \(\d+ instructions\)\nERRNO\(1\)/);
  t.equal(main(['disasm', 'config.json', '--arch', 'x86_64'], s.x), 0, 'disasm compiles a config on the fly');
  t.match(s.out.join(''), /ld  \[4\]/);
});

t.test('profile prints the Docker default for an arch', async (t) => {
  const s = io();
  t.equal(main(['profile', 'docker', '--arch', 'arm64', '--kernel', '6.1'], s.x), 0);
  const p = JSON.parse(s.out.join(''));
  t.same(p.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
});

t.test('errors are reported with their code, usage errors exit 2', async (t) => {
  const bad = io({ 'bad.json': JSON.stringify({ defaultAction: 'SCMP_ACT_NOPE' }) });
  t.equal(main(['compile', 'bad.json'], bad.x), 1);
  t.match(bad.err.join(''), /unknown action "SCMP_ACT_NOPE" \(EACTION\)/);
  const missing = io();
  t.equal(main(['compile', 'nope.json'], missing.x), 1);
  t.match(missing.err.join(''), /ENOENT/);
  const usage = io();
  t.equal(main(['frobnicate'], usage.x), 2);
  t.match(usage.err.join(''), /usage:/);
});

t.test('uint64 values above 2^53 stay exact through the CLI', async (t) => {
  const text = '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"op":"SCMP_CMP_EQ","value":18446744073709551615}]}]}';
  t.equal(parseJsonExact(text).syscalls[0].args[0].value, 18446744073709551615n);
  t.same(parseJsonExact('{"a":"x\\"12345678901234567890","b":[1,-2,3.5e3]}'), { a: 'x"12345678901234567890', b: [1, -2, 3500] }, 'strings and small numbers untouched');
  const s = io({ 'p.json': text });
  t.equal(main(['compile', 'p.json', '--arch', 'x86_64', '-o', 'p.bpf'], s.x), 0);
  t.equal(evaluate(s.written['p.bpf'], { nr: 0, arch: 'SCMP_ARCH_X86_64', args: [(1n << 64n) - 1n] }).name, 'ALLOW');
  t.equal(evaluate(s.written['p.bpf'], { nr: 0, arch: 'SCMP_ARCH_X86_64', args: [(1n << 64n) - 2n] }).name, 'ERRNO(1)');
});
