// v2 stats beyond the v1 shape, as runc reports them (types/events.go): PSI
// from cpu/memory/io.pressure and memory.events as event_count. Checked on
// a fake tree here; on the real kernel in v2-kernel.test.ts (guest).
import t from 'tap';
import { V2Manager } from '../src/fs2/manager.ts';
import { parsePSI } from '../src/stats.ts';

const PRESSURE = 'some avg10=1.50 avg60=0.25 avg300=0.00 total=12345\nfull avg10=0.00 avg60=0.10 avg300=0.00 total=678';

t.test('parsePSI reads both lines; nothing for an absent or empty file', async (t) => {
  t.same(parsePSI(PRESSURE), { some: { avg10: 1.5, avg60: 0.25, avg300: 0, total: 12345 }, full: { avg10: 0, avg60: 0.1, avg300: 0, total: 678 } });
  t.same(parsePSI('some avg10=0.00 avg60=0.00 avg300=0.00 total=9'), { some: { avg10: 0, avg60: 0, avg300: 0, total: 9 } }, 'a kernel without "full" for cpu');
  t.equal(parsePSI(undefined), undefined);
  t.equal(parsePSI(''), undefined);
});

t.test('stats(): psi for cpu, memory and blkio; memory.events as event_count', async (t) => {
  const dir = t.testdir({
    'cgroup.controllers': 'cpu io memory',
    'cpu.stat': 'usage_usec 1',
    'cpu.pressure': PRESSURE,
    'memory.current': '10',
    'memory.events': 'low 1\nhigh 2\nmax 3\noom 4\noom_kill 5',
    'memory.pressure': PRESSURE,
    'io.stat': '',
    'io.pressure': PRESSURE,
  }) as string;
  const s = new V2Manager(dir).stats();
  t.equal(s.cpu.psi?.some?.total, 12345);
  t.equal(s.memory.psi?.full?.total, 678);
  t.equal(s.blkio.psi?.some?.avg10, 1.5);
  t.same(s.memory.event_count, { reclaim_low: 1, reclaim_high: 2, max: 3, oom: 4, oom_kill: 5 });
});

t.test('stats(): no psi fields where the kernel has no pressure files', async (t) => {
  const dir = t.testdir({ 'cgroup.controllers': 'cpu memory', 'cpu.stat': 'usage_usec 1', 'memory.current': '10' }) as string;
  const s = new V2Manager(dir).stats();
  t.equal(s.cpu.psi, undefined);
  t.equal(s.memory.psi, undefined);
  t.equal(s.memory.event_count, undefined);
  t.notOk('psi' in s.blkio);
});

t.test('stats() of a cgroup that does not exist is ENOCGROUP, not zeros', async (t) => {
  const dir = t.testdir({}) as string;
  t.throws(() => new V2Manager(`${dir}/gone`).stats(), { name: 'CgroupError', code: 'ENOCGROUP', file: `${dir}/gone` });
});
