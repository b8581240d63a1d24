// The v1 devices state machine against the kernel's rules
// (security/device_cgroup.c): emulation, devices.list parsing, transitions.
import t from 'tap';
import { emulate, parseDevicesList, transition, expandV1 } from '../src/devices/v1.ts';
import { normalizeRule } from '../src/devices/rule.ts';
import type { LinuxDeviceCgroup } from '../src/types.ts';

const rules = (xs: LinuxDeviceCgroup[]) => xs.map((x, i) => normalizeRule(x, i));
const list = (s: ReturnType<typeof emulate>) => [...s.exceptions].map(([k, v]) => `${k} ${v}`);

t.test('emulate: allow-all with deny exceptions, deny-all with allow exceptions', async (t) => {
  const a = emulate(rules([{ allow: true, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'w' }]));
  t.equal(a.allowAll, true);
  t.same(list(a), ['c 1:3 w']);
  const d = emulate(rules([{ allow: false, access: 'rwm' }, { allow: true, type: 'b', major: 8, access: 'r' }, { allow: true, type: 'b', major: 8, access: 'w' }]));
  t.equal(d.allowAll, false);
  t.same(list(d), ['b 8:* rw'], 'bits merge for the same key');
  const reset = emulate(rules([{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, { allow: false, access: 'rwm' }]));
  t.same(list(reset), [], 'a wildcard clears exceptions');
});

t.test('expandV1: "a" with partial access is c and b', async (t) => {
  t.same(expandV1(rules([{ allow: true, type: 'a', access: 'm' }])).map((r) => r.type), ['c', 'b']);
  t.same(expandV1(rules([{ allow: true, type: 'a', access: 'rwm' }])).map((r) => r.type), ['a']);
});

t.test('parseDevicesList', async (t) => {
  t.equal(parseDevicesList('a *:* rwm\n'), undefined, 'allow-all hides its exceptions');
  t.same(list(parseDevicesList('c 1:3 rwm\nb *:* m\n')!), ['c 1:3 rwm', 'b *:* m']);
  t.same(list(parseDevicesList('')!), [], 'empty list: deny everything');
});

t.test('transition: deny→deny is incremental; anything else resets', async (t) => {
  const from = parseDevicesList('c 1:3 rwm\nc 1:5 r');
  const to = emulate(rules([{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 5, access: 'rw' }]));
  t.same(transition(from, to), [
    { file: 'devices.allow', line: 'c 1:5 w' },
    { file: 'devices.deny', line: 'c 1:3 rwm' },
  ]);
  t.same(transition(to, to), [], 'nothing to do when equal');
  t.same(transition(undefined, to)[0], { file: 'devices.deny', line: 'a' });
  const allow = emulate(rules([{ allow: true, access: 'rwm' }]));
  t.same(transition(from, allow), [{ file: 'devices.allow', line: 'a' }]);
});

t.test('applying the transition reaches the target (closed loop)', async (t) => {
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
  for (let i = 0; i < 200; i++) {
    const mk = () => {
      const xs: LinuxDeviceCgroup[] = [{ allow: rnd(2) === 0, access: 'rwm' }];
      for (let k = rnd(5); k > 0; k--) xs.push({ allow: rnd(2) === 0, type: ['c', 'b'][rnd(2)], major: [1, 5, -1][rnd(3)], minor: [3, 7][rnd(2)], access: ['r', 'w', 'm', 'rw', 'rwm'][rnd(5)] });
      return emulate(rules(xs));
    };
    const from = mk();
    const to = mk();
    if (from.allowAll) continue; // devices.list cannot show allow-all exceptions
    const writes = transition(from, to);
    // Replay the writes through the same kernel model.
    const replay = emulate(writes.map((w) => {
      if (w.line === 'a') return normalizeRule({ allow: w.file === 'devices.allow', access: 'rwm' });
      const [type, nums, access] = w.line.split(' ');
      const [ma, mi] = nums.split(':');
      return normalizeRule({ allow: w.file === 'devices.allow', type, major: ma === '*' ? -1 : Number(ma), minor: mi === '*' ? -1 : Number(mi), access });
    }), from);
    t.same({ allowAll: replay.allowAll, list: list(replay).sort() }, { allowAll: to.allowAll, list: list(to).sort() }, `case ${i}`);
  }
});
