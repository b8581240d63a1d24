// The v2 device program, run in the user-space interpreter against the
// plain-code rule semantics: hand-picked cases, then every device/access
// combination for many random rule lists. The kernel run is in
// v2-unified.test.ts.
import t from 'tap';
import { compileDeviceProgram, evaluateRules, requestContext, decode, encode, type DeviceRequest } from '../src/devices/ebpf.ts';
import { runDeviceProgram } from '../src/devices/interp.ts';
import type { LinuxDeviceCgroup } from '../src/types.ts';

const run = (rules: LinuxDeviceCgroup[], req: DeviceRequest) => runDeviceProgram(compileDeviceProgram(rules).insns, requestContext(req)) === 1;
const c = (major: number, minor: number, access: string): DeviceRequest => ({ type: 'c', major, minor, access });

t.test('a typical container list: deny all, allow the standard devices', async (t) => {
  const rules: LinuxDeviceCgroup[] = [
    { allow: false, access: 'rwm' },
    { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, // null
    { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }, // zero
    { allow: true, type: 'c', major: 136, minor: -1, access: 'rwm' }, // pts
    { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' }, // tun
  ];
  t.ok(run(rules, c(1, 3, 'rw')), '/dev/null rw');
  t.ok(run(rules, c(136, 7, 'r')), 'any pty');
  t.notOk(run(rules, c(1, 8, 'r')), '/dev/random not listed');
  t.notOk(run(rules, { type: 'b', major: 8, minor: 0, access: 'r' }), 'block sda');
  t.notOk(run(rules, { type: 'b', major: 10, minor: 200, access: 'm' }), 'type must match');
});

t.test('last match wins, per access bit', async (t) => {
  const rules: LinuxDeviceCgroup[] = [
    { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' },
    { allow: false, type: 'c', major: 1, minor: 7, access: 'w' },
  ];
  t.ok(run(rules, c(1, 7, 'r')), 'read still allowed');
  t.notOk(run(rules, c(1, 7, 'w')), 'write denied');
  t.notOk(run(rules, c(1, 7, 'rw')), 'read+write denied because write is');
  t.ok(run([...rules, { allow: true, type: 'a', access: 'w' }], c(1, 7, 'rw')), 'a later allow-all write wins again');
});

t.test('no rule matching means deny; an allow-all allows everything', async (t) => {
  t.notOk(run([], c(1, 3, 'r')));
  t.ok(run([{ allow: true, access: 'rwm' }], { type: 'b', major: 259, minor: 1, access: 'rwm' }));
  t.notOk(run([{ allow: true, access: 'rwm' }, { allow: false, access: 'rwm' }], c(1, 3, 'r')));
});

t.test('major/minor above 2^31 compare as unsigned', async (t) => {
  const rules = [{ allow: true, type: 'c', major: 0xfffffff0, minor: 0x80000001, access: 'r' }];
  t.ok(run(rules, c(0xfffffff0, 0x80000001, 'r')));
  t.notOk(run(rules, c(0xfffffff0, 1, 'r')));
});

t.test('access letters other than r, w, m are ignored, as runc ignores them', async (t) => {
  t.same(compileDeviceProgram([{ allow: true, type: 'c', major: 1, minor: 3, access: 'rwa' }]), compileDeviceProgram([{ allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }]));
});

t.test('invalid rules are refused with EINVALID', async (t) => {
  t.throws(() => compileDeviceProgram([{ allow: true, type: 'x', access: 'r' }]), { code: 'EINVALID' });
  t.throws(() => compileDeviceProgram([{ allow: true, type: 'c', access: 'x' }]), { code: 'EINVALID' }, 'no r, w or m');
  t.throws(() => compileDeviceProgram([{ allow: true, type: 'c', access: 'R' }]), { code: 'EINVALID' }, 'not a lowercase letter');
  t.throws(() => compileDeviceProgram([{ allow: true, type: 'c', major: -5, access: 'r' }]), { code: 'EINVALID' });
});

t.test('encoding round-trips and the program ends with exit', async (t) => {
  const p = compileDeviceProgram([{ allow: false, access: 'rwm' }, { allow: true, type: 'b', major: 8, minor: -1, access: 'r' }]);
  t.equal(p.bytes.length, p.insns.length * 8);
  t.same(decode(p.bytes), p.insns);
  t.same(encode(decode(p.bytes)), p.bytes);
  t.equal(p.insns[p.insns.length - 1].code, 0x95);
  t.equal(p.license, 'Apache-2.0');
});

t.test('exhaustive: compiled program agrees with the rule semantics', async (t) => {
  // A small universe: 2 types x 3 majors x 3 minors x 7 access sets.
  const majors = [1, 5, 136];
  const minors = [0, 3, 9];
  const accesses = ['r', 'w', 'm', 'rw', 'rm', 'wm', 'rwm'];
  let seed = 42;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const pick = <T>(xs: T[]) => xs[rnd(xs.length)];
  let checked = 0;
  let mismatches = 0;
  for (let list = 0; list < 300; list++) {
    const rules: LinuxDeviceCgroup[] = [];
    const n = rnd(6);
    for (let i = 0; i < n; i++) {
      rules.push({
        allow: rnd(2) === 0,
        type: pick(['a', 'b', 'c']),
        major: rnd(3) === 0 ? -1 : pick(majors),
        minor: rnd(3) === 0 ? null : pick(minors),
        access: pick(accesses),
      });
    }
    const insns = compileDeviceProgram(rules).insns;
    for (const type of ['b', 'c'] as const)
      for (const major of majors)
        for (const minor of minors)
          for (const access of accesses) {
            const req = { type, major, minor, access };
            const got = runDeviceProgram(insns, requestContext(req)) === 1;
            if (got !== evaluateRules(rules, req)) {
              mismatches++;
              if (mismatches < 5) t.fail(`mismatch for ${JSON.stringify(req)} with ${JSON.stringify(rules)}`);
            }
            checked++;
          }
  }
  t.equal(mismatches, 0, `${checked} requests agree`);
});
