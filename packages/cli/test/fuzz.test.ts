// A bounded, seeded fuzz run of the two files the runtime reads on every
// call (issue 13): config.json (structure, types, sizes, special files)
// through `create`, and state.json through `state`, `list`, `kill` and
// `delete -f`. The rule for every case: it ends before a timeout, with a
// status (no signal, no abort), no stack trace or JavaScript error text,
// and `delete -f` leaves no state, cgroup or process. The seed is fixed so a
// failure reproduces; OCI_TS_FUZZ_SEED picks another.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { busyboxBundle, cgroupLeftovers, executorAvailable, ociTs, processLeftovers, uniqueId, type Result } from './helpers.ts';

const why = await executorAvailable();
if (why) {
  t.plan(0, `fuzz tests skipped: ${why}`);
} else {
  const dir = t.testdir({});
  const root = path.join(dir, 'state');
  const seed = Number(process.env.OCI_TS_FUZZ_SEED ?? 13);
  t.comment(`seed ${seed}`);
  let x = seed >>> 0;
  const rand = () => { x = (x + 0x6d2b79f5) >>> 0; let r = Math.imul(x ^ (x >>> 15), 1 | x); r ^= r + Math.imul(r ^ (r >>> 7), 61 | r); return ((r ^ (r >>> 14)) >>> 0) / 4294967296; };
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)];

  const base = JSON.parse(fs.readFileSync(path.join(busyboxBundle(), 'config.json'), 'utf8'));
  base.root.path = fs.realpathSync(path.join(busyboxBundle(), 'rootfs'));
  base.process.args = ['true'];
  // Values of every JSON type and awkward size. No "/" or ".." strings: a
  // fuzzed cgroupsPath or mount source must not name a host path.
  const deep = (n: number): unknown => { let v: unknown = 1; for (let i = 0; i < n; i++) v = [v]; return v; };
  const values: unknown[] = [null, true, false, 0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, '', 'x', 'x'.repeat(70_000), '\u0000', '\uFEFF', '💥', '%s%n', [], [null], [''], {}, { '': 1 }, { __proto__: { polluted: 1 } }, deep(200), Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, i]))];

  /** Every [parent, key] in the config, to pick one to change. */
  const slots = (v: any, out: Array<[any, string | number]> = []): Array<[any, string | number]> => {
    if (v && typeof v === 'object') for (const k of Object.keys(v)) { out.push([v, Array.isArray(v) ? Number(k) : k]); slots(v[k], out); }
    return out;
  };
  const mutate = (): string => {
    const c = structuredClone(base);
    for (let n = 1 + Math.floor(rand() * 3); n > 0; n--) {
      const all = slots(c);
      const [parent, key] = pick(all);
      if (rand() < 0.2 && !Array.isArray(parent)) delete parent[key];
      else parent[key] = structuredClone(pick(values));
    }
    return JSON.stringify(c);
  };

  const clean = (t: any, r: Result, what: string) => {
    t.equal(r.signal, null, `${what}: ended by itself (no hang, no abort)`);
    t.ok(r.status === 0 || r.status === 1, `${what}: exit 0 or 1, got ${r.status}`);
    t.notMatch(r.stderr, /\n\s+at |TypeError|RangeError|ReferenceError|SyntaxError: Unexpected|Cannot read prop|is not a function|is not iterable|bad_alloc|Assertion|\[object Object\]|undefined/, `${what}: no crash text: ${r.stderr.slice(0, 500)}`);
  };
  const nothingLeft = async (t: any, id: string, what: string) => {
    for (let k = 0; k < 100 && processLeftovers(id).length; k++) await new Promise((r) => setTimeout(r, 20));
    t.notOk(fs.existsSync(path.join(root, id)), `${what}: no state dir`);
    t.same(cgroupLeftovers(id), [], `${what}: no cgroup`);
    t.same(processLeftovers(id), [], `${what}: no process`);
  };
  const oci = (args: string[]) => ociTs(['--root', root, ...args], { timeout: 30_000 });

  t.test('config.json: mutated structure, types and sizes, whole-file oddities, special files', async (t) => {
    const cases: Array<[string, (f: string) => void]> = [];
    for (let i = 0; i < 8; i++) { const text = mutate(); cases.push([`mutation ${i}`, (f) => fs.writeFileSync(f, text)]); }
    for (const text of ['', '{', '['.repeat(200_000), JSON.stringify({ ...base, extra: 'x'.repeat(1 << 20) })]) {
      cases.push([`text ${JSON.stringify(text.slice(0, 20))} (${text.length} bytes)`, (f) => fs.writeFileSync(f, text)]);
    }
    cases.push(['larger than the bound', (f) => { const fd = fs.openSync(f, 'w'); fs.ftruncateSync(fd, (16 << 20) + 10); fs.closeSync(fd); }]);
    cases.push(['a FIFO', (f) => { spawnSync('mkfifo', [f]); }]);
    cases.push(['-> /dev/zero', (f) => fs.symlinkSync('/dev/zero', f)]);
    cases.push(['a directory', (f) => fs.mkdirSync(f)]);
    cases.push(['a dangling symlink', (f) => fs.symlinkSync(path.join(dir, 'nowhere'), f)]);
    for (const [name, make] of cases) {
      const b = path.join(dir, `cfg-${uniqueId('b')}`);
      fs.mkdirSync(b);
      make(path.join(b, 'config.json'));
      const id = uniqueId('fz');
      const r = oci(['create', '-b', b, id]);
      clean(t, r, `create, config ${name}`);
      if (r.status !== 0) t.equal(r.stderr.trim().split('\n').length, 1, `config ${name}: one line: ${r.stderr.slice(0, 300)}`);
      const d = oci(['delete', '-f', id]);
      clean(t, d, `delete -f, config ${name}`);
      await nothingLeft(t, id, `config ${name}`);
    }
  });

  t.test('state.json: damaged contents and special files; state, list, kill and delete -f stay usable', async (t) => {
    const good = { ociVersion: '1.2.0', id: 'x', phase: 'created', pid: 0, pidStartTime: '1', bundle: '/nonexistent-bundle', rootfs: '/nonexistent-rootfs', created: '2026-01-01T00:00:00Z', owner: '', cgroupPaths: {}, hooks: {}, pidNamespace: true };
    // pids never of a live process: 0, negative, huge, wrong types.
    const fields: Record<string, unknown[]> = {
      pid: [-1, '1', 999_999_999],
      pidStartTime: [{}],
      cgroupPaths: [{ pids: 1 }, { pids: 'relative' }],
      hooks: [{ poststop: 'x' }, { poststop: [null] }],
      phase: ['creating'],
    };
    const cases: Array<[string, (f: string) => void]> = [];
    let current = '';
    for (const [k, vs] of Object.entries(fields)) for (const v of vs) cases.push([`${k}=${JSON.stringify(v)}`, (f) => fs.writeFileSync(f, JSON.stringify({ ...good, id: current, [k]: v }))]);
    cases.push(['the state of another id', (f) => fs.writeFileSync(f, JSON.stringify({ ...good, id: 'another' }))]);
    for (const text of ['{', '['.repeat(100_000)]) cases.push([`text ${JSON.stringify(text.slice(0, 10))}`, (f) => fs.writeFileSync(f, text)]);
    cases.push(['a FIFO', (f) => { spawnSync('mkfifo', [f]); }]);
    cases.push(['-> /dev/zero', (f) => fs.symlinkSync('/dev/zero', f)]);
    for (const [name, make] of cases) {
      const id = uniqueId('fs');
      current = id;
      fs.mkdirSync(path.join(root, id), { recursive: true, mode: 0o700 });
      make(path.join(root, id, 'state.json'));
      clean(t, oci(['state', id]), `state, state ${name}`);
      const l = oci(['list', '-q']);
      clean(t, l, `list, state ${name}`);
      t.equal(l.status, 0, `list, state ${name}: still lists`);
      const d = oci(['delete', '-f', id]);
      clean(t, d, `delete -f, state ${name}`);
      t.equal(d.status, 0, `delete -f, state ${name}: removes it: ${d.stderr.slice(0, 300)}`);
      await nothingLeft(t, id, `state ${name}`);
    }
  });
}
