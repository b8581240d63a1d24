// 64-bit integers: values above 2^53 are kept exact (bigint) by parseConfig,
// written back exactly by stringify, and range-checked exactly.
import t from 'tap';
import { parseConfig, stringify, validateConfig, checkConfig, type Spec } from '../src/index.ts';
import { parseWithBigLiterals, scanJson } from '../src/json.ts';

const cfg = (rlimit: string, extra = '') => `{"ociVersion":"1.2.0","root":{"path":"rootfs"},"process":{"cwd":"/","rlimits":[{"type":"RLIMIT_MEMLOCK","soft":${rlimit},"hard":${rlimit}}]}${extra}}`;

t.test('RLIM_INFINITY (2^64-1, what Docker writes for --ulimit memlock=-1) is kept exact', async (t) => {
  const s = parseConfig(cfg('18446744073709551615'));
  t.equal(s.process!.rlimits![0].hard, 18446744073709551615n);
  t.equal(s.process!.rlimits![0].soft, 18446744073709551615n);
  t.equal(String(s.process!.rlimits![0].hard), '18446744073709551615', 'String() gives the exact decimal for the init program');
});

t.test('values up to 2^53-1 stay plain numbers', async (t) => {
  const s = parseConfig(cfg('9007199254740991'));
  t.equal(s.process!.rlimits![0].hard, 9007199254740991);
});

t.test('2^53+1 is not rounded to 2^53', async (t) => {
  const s = parseConfig(cfg('9007199254740993'));
  t.equal(s.process!.rlimits![0].hard, 9007199254740993n);
});

t.test('int64 extremes in memory and cpu fields', async (t) => {
  const text = `{"ociVersion":"1.2.0","root":{"path":"r"},"linux":{"resources":{"memory":{"limit":9223372036854775807},"cpu":{"quota":-9223372036854775808}}}}`;
  const s = parseConfig(text);
  t.equal(s.linux!.resources!.memory!.limit, 9223372036854775807n);
  t.equal(s.linux!.resources!.cpu!.quota, -9223372036854775808n);
});

t.test('stringify writes bigints back as exact JSON integers', async (t) => {
  const text = cfg('18446744073709551615', ',"annotations":{"k":"18446744073709551615"}');
  const s = parseConfig(text);
  t.equal(stringify(s), text, 'byte-identical round trip');
  t.equal(stringify({ a: 1n, b: 'x' }, 2), '{\n  "a": 1,\n  "b": "x"\n}');
  t.throws(() => JSON.stringify(s), TypeError, 'plain JSON.stringify cannot, which is why stringify exists');
});

t.test('validateConfig accepts objects that already hold bigints, and checks their range exactly', async (t) => {
  const s: Spec = { ociVersion: '1.2.0', root: { path: 'r' }, process: { cwd: '/', rlimits: [{ type: 'RLIMIT_CORE', soft: 1n, hard: 18446744073709551615n }] } };
  t.same(validateConfig(s), { valid: true, problems: [] });
  t.same(checkConfig(s), []);
  s.process!.rlimits![0].hard = 18446744073709551616n;
  t.match(validateConfig(s).problems, [{ pointer: '/process/rlimits/0/hard', code: 'SCHEMA_MAXIMUM', message: 'process.rlimits[0].hard must be <= 18446744073709551615 (uint64), found integer 18446744073709551616' }]);
  t.equal(s.process!.rlimits![0].hard, 18446744073709551616n, 'the input is not modified');
});

t.test('big numbers in strings or non-integer fields are not mistaken for literals', async (t) => {
  const r = parseWithBigLiterals('{"a":"12345678901234567890","b":[1,{"c":-12345678901234567890}],"d":1e300,"e":"say \\"12345678901234567890\\" 1e300"}');
  t.same([...r.big.entries()], [['/b/1/c', { raw: '-12345678901234567890', integerLiteral: true }], ['/d', { raw: '1e300', integerLiteral: false }]]);
  t.same(r.value, { a: '12345678901234567890', b: [1, { c: -12345678901234567890 }], d: 1e300, e: 'say "12345678901234567890" 1e300' }, 'strings untouched, numbers as doubles');
  t.same(scanJson('{"a": [1, {"b": 12345678901234567890}]}'), {}, 'scanJson finds no syntax error in valid JSON');
});

t.test('a repeated key keeps the last value, as JSON.parse does', async (t) => {
  const r = parseWithBigLiterals('{"x":{"v":12345678901234567890},"x":{"w":1}}');
  t.same([...r.big.keys()], [], 'the first x (with a big literal) was replaced');
  const s = parseConfig(cfg('9').replace('"soft":9', '"soft":18446744073709551615,"soft":5'));
  t.equal(s.process!.rlimits![0].soft, 5);
});

t.test('2^53+1 in exponent form is caught too', async (t) => {
  const r = parseWithBigLiterals('{"v":9.007199254740993e15,"w":1e2}');
  t.same([...r.big.entries()], [['/v', { raw: '9.007199254740993e15', integerLiteral: false }]]);
});

t.test('keys with "/" and "~" get escaped pointers', async (t) => {
  const r = parseWithBigLiterals('{"a/b":{"~":12345678901234567890}}');
  t.same([...r.big.keys()], ['/a~1b/~0']);
});

t.test('arrays nested 200000 deep do not overflow the stack (unknown fields are kept)', async (t) => {
  const n = 200000; // recursion overflows near 10000 frames
  const deep = '['.repeat(n) + '1' + ']'.repeat(n);
  const text = `{"ociVersion":"1.2.0","root":{"path":"r"},"x-deep":${deep},"x-big":12345678901234567890}`;
  const s = parseConfig(text, { maxBytes: 8 << 20 }) as Spec & Record<string, unknown>;
  t.equal(s['x-big'], 12345678901234567890n, 'a big integer in an unknown field is kept exact');
  const withBig = { ociVersion: '1.2.0', 'x-deep': JSON.parse(deep), process: { cwd: '/', rlimits: [{ type: 'RLIMIT_CORE', soft: 1n, hard: 2n }] } };
  t.equal(validateConfig(withBig).valid, true, 'validateConfig walks it too');
});
