// @oci/spec interop: its LinuxResources type is assignable to ours (checked
// by tsc on this file), and a config parsed by parseConfig, whose integers
// beyond 2^53 are bigints, reaches the cgroup files exactly.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { parseConfig, type LinuxResources as SpecResources, type Spec } from '@oci/spec';
import type { LinuxResources } from '../src/types.ts';
import { V2Manager } from '../src/fs2/manager.ts';
import { V1Manager } from '../src/fs/manager.ts';

// Compile-time: a spec-typed value is accepted where ours is expected.
const asOurs = (r: SpecResources): LinuxResources => r;

function configWith(resources: string): Spec {
  const base = {
    ociVersion: '1.2.0',
    process: { cwd: '/', args: ['sh'], user: { uid: 0, gid: 0 } },
    root: { path: 'rootfs' },
    linux: { namespaces: [{ type: 'pid' }, { type: 'mount' }] },
  };
  const text = JSON.stringify(base).replace('"namespaces"', `"resources":${resources},"namespaces"`);
  return parseConfig(text) as Spec;
}

t.test('bigint values from parseConfig are written exactly (v2)', async (t) => {
  const spec = configWith('{"memory":{"limit":9223372036854771712,"swap":9223372036854775807},"pids":{"limit":9007199254740993},"cpu":{"quota":9007199254740993,"period":100000}}');
  const r = asOurs(spec.linux!.resources!);
  t.equal(typeof r.memory!.limit, 'bigint', 'parseConfig gave a bigint');
  const dir = t.testdir({ 'cgroup.procs': '', 'memory.max': 'max', 'memory.swap.max': 'max', 'pids.max': 'max', 'cpu.max': 'max 100000' }) as string;
  new V2Manager(dir).set(r);
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  t.equal(read('memory.max'), '9223372036854771712');
  t.equal(read('memory.swap.max'), String(9223372036854775807n - 9223372036854771712n), 'swap - limit in bigint arithmetic');
  t.equal(read('pids.max'), '9007199254740993');
  t.equal(read('cpu.max'), '9007199254740993 100000');
});

t.test('bigint values from parseConfig are written exactly (v1)', async (t) => {
  const spec = configWith('{"memory":{"limit":9223372036854771712,"swap":-1},"devices":[{"allow":false,"access":"rwm"},{"allow":true,"type":"c","major":1,"minor":3,"access":"rw"}]}');
  const dir = t.testdir({ memory: { 'memory.limit_in_bytes': '100', 'memory.memsw.limit_in_bytes': '100' }, devices: { 'devices.allow': '', 'devices.deny': '', 'devices.list': 'a *:* rwm' } }) as string;
  const m = new V1Manager({ memory: path.join(dir, 'memory'), devices: path.join(dir, 'devices') }, { mode: 'v1', v1: {}, unifiedControllers: [], own: {} });
  m.set(spec.linux!.resources!);
  t.equal(fs.readFileSync(path.join(dir, 'memory/memory.limit_in_bytes'), 'utf8'), '9223372036854771712');
  t.equal(fs.readFileSync(path.join(dir, 'memory/memory.memsw.limit_in_bytes'), 'utf8'), '-1');
  t.equal(fs.readFileSync(path.join(dir, 'devices/devices.allow'), 'utf8'), 'c 1:3 rw');
});
