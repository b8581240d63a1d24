// --systemd-cgroup for real: systemd is PID 1 in this guest (run-in-guest
// --systemd, pure cgroup v2), runc 1.1.5 is the control, oci-ts runs the
// same steps. Each step is checked where it shows: `systemctl show` for
// the unit and its properties, the unit's cgroup files, and what the
// container's processes meet (a fork refused, an OOM kill counted, CPU
// throttled). Run by tools/guest/systemd/stage.mjs; skips elsewhere.
// Under emulation each runtime call costs 1.5-3 s, so one container per
// runtime goes through every step.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const ociTs = path.join(repo, 'packages/cli/bin/oci-ts.cjs');
const rootfs = path.join(repo, 'tools/.cache/busybox-bundle/rootfs');

const booted = (() => { try { return fs.lstatSync('/run/systemd/system').isDirectory(); } catch { return false; } })();
const v2 = fs.existsSync('/sys/fs/cgroup/cgroup.controllers');

interface R { status: number | null; stdout: string; stderr: string }
/**
 * Runs to completion with stdout/stderr in files: a detached container
 * inherits them, and a pipe it holds would make us wait for the container.
 */
function run(cmd: string, args: string[]): R {
  const tmp = fs.mkdtempSync('/tmp/sdtest-out-');
  const out = fs.openSync(path.join(tmp, 'out'), 'w+');
  const err = fs.openSync(path.join(tmp, 'err'), 'w+');
  try {
    const r = spawnSync(cmd, args, { timeout: 120_000, stdio: ['ignore', out, err] });
    return { status: r.status, stdout: fs.readFileSync(path.join(tmp, 'out'), 'utf8'), stderr: fs.readFileSync(path.join(tmp, 'err'), 'utf8') + (r.error ? String(r.error) : '') };
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const runtimes: Record<string, (args: string[]) => R> = {
  runc: (a) => run('runc', ['--root', '/run/sdtest-runc', '--systemd-cgroup', ...a]),
  'oci-ts': (a) => run(process.execPath, [ociTs, '--root', '/run/sdtest-oci-ts', '--systemd-cgroup', ...a]),
};

/** `systemctl show UNIT -p A,B` as an object. */
function show(unit: string, props: string[]): Record<string, string> {
  const r = run('systemctl', ['show', unit, '--no-pager', '-p', props.join(',')]);
  return Object.fromEntries(r.stdout.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

const read = (p: string) => { try { return fs.readFileSync(p, 'utf8').trim(); } catch { return undefined; } };
const keyed = (text: string | undefined, key: string) => Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(text ?? '')?.[1] ?? NaN);

function bundle(dir: string, name: string): void {
  const spec = JSON.parse(run(process.execPath, [ociTs, 'spec', '--bundle', dir]).status === 0 ? fs.readFileSync(path.join(dir, 'config.json'), 'utf8') : '{}');
  spec.root = { path: rootfs, readonly: true };
  spec.process.terminal = false;
  spec.process.args = ['sleep', '1000'];
  spec.linux.cgroupsPath = `system.slice:sdtest:${name}`;
  spec.linux.resources = {
    ...spec.linux.resources,
    memory: { limit: 32 * 1024 * 1024, swap: 32 * 1024 * 1024 },
    cpu: { shares: 512, quota: 20000, period: 100000 },
    pids: { limit: 16 },
  };
  // systemd stops a unit when the kernel OOM-kills one of its processes
  // (OOMPolicy=stop, systemd.service(5)); this unit keeps running, which
  // also checks that org.systemd.property.* annotations reach systemd.
  spec.annotations = { 'org.systemd.property.OOMPolicy': "'continue'" };
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec));
}

const waitFor = async (fn: () => boolean, ms = 20_000) => {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) if (fn()) return true;
  return fn();
};

if (!booted || !v2) {
  t.plan(0, 'skipped: needs systemd as PID 1 on a pure cgroup v2 host (tools/guest/run-in-guest --systemd)');
} else {
  for (const [name, rt] of Object.entries(runtimes)) {
    t.test(`${name} --systemd-cgroup: unit, limits, update, pause, kill --all, delete`, async (t) => {
      const id = `sd-${name}`;
      const unit = `sdtest-${id}.scope`;
      const cg = `/sys/fs/cgroup/system.slice/${unit}`;
      const dir = fs.mkdtempSync('/tmp/sdtest-');
      t.teardown(() => { rt(['delete', '-f', id]); fs.rmSync(dir, { recursive: true, force: true }); });
      bundle(dir, id);

      const created = rt(['run', '-d', '--bundle', dir, id]);
      t.equal(created.status, 0, `run -d: ${created.stderr}`);
      const p = show(unit, ['ActiveState', 'ControlGroup', 'Slice', 'Delegate', 'MemoryMax', 'MemorySwapMax', 'TasksMax', 'CPUWeight', 'CPUQuotaPerSecUSec', 'CPUQuotaPeriodUSec', 'DevicePolicy', 'OOMPolicy']);
      t.same(p, {
        ActiveState: 'active', ControlGroup: `/system.slice/${unit}`, Slice: 'system.slice', Delegate: 'yes',
        MemoryMax: String(32 * 1024 * 1024), MemorySwapMax: 'infinity', TasksMax: '16',
        CPUWeight: '20', CPUQuotaPerSecUSec: '200ms', CPUQuotaPeriodUSec: '100ms', DevicePolicy: 'strict', OOMPolicy: 'continue',
      }, 'systemctl show: the scope and its properties (swap = limit: no MemorySwapMax, as runc)');
      t.equal(read(`${cg}/memory.max`), String(32 * 1024 * 1024));
      t.equal(read(`${cg}/memory.swap.max`), '0', 'the file systemd has no property value for');
      t.equal(read(`${cg}/pids.max`), '16');
      t.equal(read(`${cg}/cpu.max`), '20000 100000');
      t.equal(read(`${cg}/cpu.weight`), '20');
      t.ok(read(`${cg}/cgroup.procs`), 'the init is in the scope');

      // dd's 64 MiB buffer, filled from /dev/zero, cannot fit in 32 MiB without swap.
      const dd = rt(['exec', id, 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1']);
      const events = read(`${cg}/memory.events`);
      t.ok(keyed(events, 'oom_kill') >= 1, `memory.events oom_kill counted (dd: ${dd.status} ${dd.stderr.trim().slice(0, 200)}; ${events?.replace(/\n/g, ', ')})`);
      // (The OOM first: a runtime's exec needs threads, which pids.max counts,
      // and the fork test below leaves it full for a while.)
      // One exec (each costs seconds under emulation): CPU quota throttles,
      // pids.max stops a fork.
      const before = keyed(read(`${cg}/cpu.stat`), 'nr_throttled');
      const ex = rt(['exec', id, 'sh', '-c', 'timeout 2 sh -c "while :; do :; done"; for i in $(seq 1 24); do sleep 1 & done 2>&1; wait']);
      t.ok(keyed(read(`${cg}/cpu.stat`), 'nr_throttled') > before, 'cpu.stat nr_throttled grew under the 20% quota');
      t.match(ex.stdout + ex.stderr, /can't fork|Resource temporarily unavailable/, 'a fork beyond TasksMax is refused');
      t.ok(keyed(read(`${cg}/pids.events`), 'max') > 0, 'pids.events max counted');
      t.equal(show(unit, ['ActiveState']).ActiveState, 'active', 'OOMPolicy=continue: the unit keeps running');

      // update: systemd's properties and the files.
      const up = rt(['update', '--memory', '48M', '--memory-swap', '48M', '--pids-limit', '20', id]);
      t.equal(up.status, 0, `update: ${up.stderr}`);
      t.same(show(unit, ['MemoryMax', 'TasksMax']), { MemoryMax: String(48 * 1024 * 1024), TasksMax: '20' }, 'systemd sees the update');
      t.equal(read(`${cg}/memory.max`), String(48 * 1024 * 1024));
      t.equal(read(`${cg}/pids.max`), '20');

      // pause / resume on the unit's cgroup.
      t.equal(rt(['pause', id]).status, 0);
      t.equal(read(`${cg}/cgroup.freeze`), '1');
      t.match(read(`${cg}/cgroup.events`), /^frozen 1$/m, 'frozen');
      t.equal(rt(['resume', id]).status, 0);
      t.equal(read(`${cg}/cgroup.freeze`), '0');

      // kill --all: every process of the scope, not only the init.
      t.equal(rt(['exec', '-d', id, 'sleep', '1000']).status, 0, 'a second process (exec -d)');
      t.ok((read(`${cg}/cgroup.procs`)?.split('\n').length ?? 0) > 1, 'two processes in the scope');
      t.equal(rt(['kill', '--all', id, 'KILL']).status, 0);
      // Empty, or gone: systemd stops a scope whose last process exited, and removes its cgroup.
      t.ok(await waitFor(() => !read(`${cg}/cgroup.procs`)), 'kill --all emptied the scope');

      // delete: no unit, no cgroup.
      const del = rt(['delete', id]);
      t.equal(del.status, 0, `delete: ${del.stderr}`);
      t.equal(show(unit, ['LoadState']).LoadState, 'not-found', 'the unit is gone');
      t.notOk(fs.existsSync(cg), 'the cgroup is gone');
    });
  }

  t.test('a malformed cgroupsPath and a failed unit leave nothing (oci-ts; runc errors alike)', async (t) => {
    const dir = fs.mkdtempSync('/tmp/sdtest-');
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    bundle(dir, 'x');
    const spec = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    spec.linux.cgroupsPath = 'system.slice:only-two';
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec));
    for (const [name, rt] of Object.entries(runtimes)) {
      const r = rt(['run', '-d', '--bundle', dir, 'sd-bad']);
      t.not(r.status, 0, `${name} refuses it`);
      t.match(r.stderr, /slice:prefix:name/, `${name}: the expected form is shown`);
    }
    // An invalid property makes systemd refuse the unit: the D-Bus error is reported, nothing stays.
    spec.linux.cgroupsPath = 'system.slice:sdtest:sd-refused';
    spec.annotations = { 'org.systemd.property.NoSuchProperty': "'x'" };
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec));
    const r = runtimes['oci-ts'](['run', '-d', '--bundle', dir, 'sd-refused']);
    t.not(r.status, 0);
    t.match(r.stderr, /unable to start unit .*sdtest-sd-refused\.scope.*NoSuchProperty/, `the error names the unit and systemd's reason: ${r.stderr}`);
    t.equal(show('sdtest-sd-refused.scope', ['LoadState']).LoadState, 'not-found');
    t.notOk(fs.existsSync('/sys/fs/cgroup/system.slice/sdtest-sd-refused.scope'));
    t.notOk(fs.existsSync('/run/sdtest-oci-ts/sd-refused'), 'no state directory');
  });
}
