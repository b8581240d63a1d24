// The D-Bus client of the systemd driver: the wire encoding (bytes checked
// by hand against the specification, and validated by the reference
// dbus-daemon, which drops a peer that sends a malformed body), the
// connection (EXTERNAL auth, Hello, AddMatch, signals, errors), and the
// driver's calls against a fake systemd: a peer-to-peer socket like
// /run/systemd/private, and a service on a real dbus-daemon like the system
// bus. The real systemd is in the systemd guest stage.
import t, { type Test } from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { marshal, unmarshal, splitSignature, type DValue } from '../src/systemd/dbus/marshal.ts';
import { decodeMessage, encodeMessage, MessageType } from '../src/systemd/dbus/message.ts';
import { DBusConnection, DBusError } from '../src/systemd/dbus/connection.ts';
import { Systemd } from '../src/systemd/client.ts';
import { createSystemdManager, loadSystemdManager } from '../src/systemd/manager.ts';
import { resourceProperties } from '../src/systemd/properties.ts';
import { FakeSystemd, listenPeer } from './systemd-fake.ts';

const hex = (b: Buffer) => b.toString('hex');

t.test('marshal: alignment and layout (D-Bus spec "Marshaling")', async (t) => {
  // y then u: 3 bytes of padding before the uint32.
  t.equal(hex(marshal('yu', [1, 2])), '01000000' + '02000000');
  // s: length, bytes, NUL; then t aligned to 8.
  t.equal(hex(marshal('st', ['ab', 5n])), '02000000' + '616200' + '00' + '0500000000000000');
  // g: one length byte.
  t.equal(hex(marshal('g', ['as'])), '02' + '617300');
  // b is 4 bytes.
  t.equal(hex(marshal('b', [true])), '01000000');
  // a(sv) with a variant t: array length excludes the padding to the first struct.
  t.equal(hex(marshal('a(sv)', [[['X', ['t', 1n]]]])),
    '18000000' + '00000000' + // length 24, pad to 8
    '01000000' + '5800' + '01' + '7400' + '00000000000000' + // "X", sig "t", pad to 8
    '0100000000000000');
  // ay is raw bytes; an empty array of 8-aligned items still pads.
  t.equal(hex(marshal('ay', [Buffer.of(3, 1)])), '02000000' + '0301');
  t.equal(hex(marshal('a(ss)', [[]])), '00000000' + '00000000');
  // the max uint64 (USEC_INFINITY)
  t.equal(hex(marshal('t', [2n ** 64n - 1n])), 'ffffffffffffffff');
});

t.test('marshal: values that do not fit are refused', async (t) => {
  t.throws(() => marshal('u', [-1]), /does not fit/);
  t.throws(() => marshal('t', [2n ** 64n]), /does not fit/);
  t.throws(() => marshal('y', [256]), /does not fit/);
  t.throws(() => marshal('s', ['a\0b']), /NUL/);
  t.throws(() => marshal('o', ['not/a/path']), /object path/);
  t.throws(() => marshal('(su)', [['a']]), /does not fit/);
  t.throws(() => marshal('v', [['uu', 1]]), /one complete type/);
  t.throws(() => splitSignature('a'), /ends early/);
  t.throws(() => splitSignature('(}'), /bad/);
  t.throws(() => splitSignature('a{sss}'), /dict entry/);
});

t.test('unmarshal: round trip of every type the driver uses, both byte orders', async (t) => {
  const sig = 'ssa(sv)a(sa(sv))ybnqiuxtdogay';
  const vals: DValue[] = [
    'unit.scope', 'replace',
    [['PIDs', ['au', [1, 2]]], ['Delegate', ['b', true]], ['MemoryMax', ['t', 2n ** 64n - 1n]], ['AllowedCPUs', ['ay', Buffer.of(3)]], ['DeviceAllow', ['a(ss)', [['/dev/char/1:3', 'rwm']]]], ['Wants', ['as', ['a.slice']]], ['V', ['v', ['i', -7]]]],
    [],
    255, false, -2, 65535, -2147483648, 4294967295, -(2n ** 63n), 2n ** 64n - 1n, 1.5, '/org/x', 'a{sv}', Buffer.of(0, 1, 2),
  ];
  const le = marshal(sig, vals);
  t.same(unmarshal(sig, le), vals);
  // A big-endian message (another client's) decodes too.
  const m = encodeMessage({ type: MessageType.Signal, flags: 0, serial: 7, path: '/org/freedesktop/systemd1', interface: 'org.freedesktop.systemd1.Manager', member: 'JobRemoved', signature: 'uoss', body: [5, '/org/freedesktop/systemd1/job/5', 'x.scope', 'done'] });
  t.same(decodeMessage(m).body, [5, '/org/freedesktop/systemd1/job/5', 'x.scope', 'done']);
  const be = Buffer.from(m);
  be[0] = 0x42; // 'B'
  for (const [off, len] of [[4, 4], [8, 4], [12, 4]] as const) be.subarray(off, off + len).reverse();
  t.throws(() => decodeMessage(be), 'a little-endian body read as big-endian is rejected or differs');
  t.throws(() => unmarshal('s', Buffer.from('05000000616263', 'hex')), /truncated/);
  t.throws(() => unmarshal('b', Buffer.from('02000000', 'hex')), /boolean/);
  t.throws(() => unmarshal('u', Buffer.from('0100000000', 'hex')), /trailing/);
});

function startDaemon(t: Test): { address: string; path: string } | undefined {
  const daemon = ['/usr/bin/dbus-daemon', '/bin/dbus-daemon'].find((p) => fs.existsSync(p));
  if (!daemon) return undefined;
  const dir = shortDir(t);
  const sock = path.join(dir, 'bus');
  const conf = path.join(dir, 'bus.conf');
  fs.writeFileSync(conf, `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${sock}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`);
  const p = spawn(daemon, [`--config-file=${conf}`, '--nofork', '--nopidfile', '--nosyslog'], { stdio: 'ignore' });
  t.teardown(() => { p.kill('SIGKILL'); });
  for (let i = 0; i < 500 && !fs.existsSync(sock); i++) spawnSync('sleep', ['0.01']);
  return fs.existsSync(sock) ? { address: `unix:path=${sock}`, path: sock } : undefined;
}

/** sun_path holds 108 bytes: tap's fixture dirs are too long for a socket. */
function shortDir(t: Test): string {
  const d = fs.mkdtempSync('/tmp/oci-ts-sd-');
  t.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}


t.test('against the reference dbus-daemon', async (t) => {
  const bus = startDaemon(t);
  if (!bus) {
    t.plan(0, 'skipped: dbus-daemon is not installed (Debian package dbus-daemon); the wire is still checked against the fake peer below');
    return;
  }
  const c = await DBusConnection.connect({ path: bus.path, bus: true });
  t.teardown(() => c.close());
  t.match(c.uniqueName, /^:1\.\d+$/, 'Hello gave a unique name');
  const DBUS = { destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus' };
  t.same(await c.call({ ...DBUS, member: 'GetConnectionUnixUser', signature: 's', body: [c.uniqueName] }), [process.geteuid!()], 'EXTERNAL auth: the daemon knows our uid');
  const [creds] = (await c.call({ ...DBUS, member: 'GetConnectionCredentials', signature: 's', body: [c.uniqueName] })) as [Array<[string, [string, DValue]]>];
  t.same(Object.fromEntries(creds)['ProcessID'], ['u', process.pid], 'a{sv} from the daemon decodes');
  // The daemon validates every body against its signature and disconnects a
  // peer that sends a malformed one: a full StartTransientUnit body to a name
  // nobody owns must come back as ServiceUnknown, not as a disconnect.
  const props = resourceProperties({ memory: { limit: 1 << 26, swap: 1 << 27 }, cpu: { shares: 512, quota: 1000, cpus: '0-1' }, pids: { limit: 9 }, devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }] }, 252);
  const err = await c.call({ destination: 'org.freedesktop.nobody', path: '/org/freedesktop/systemd1', interface: 'org.freedesktop.systemd1.Manager', member: 'StartTransientUnit', signature: 'ssa(sv)a(sa(sv))', body: ['x.scope', 'replace', [['PIDs', ['au', [1]]], ['Delegate', ['b', true]], ...props], []] }).then(() => undefined, (e: DBusError) => e);
  t.equal(err?.dbusName, 'org.freedesktop.DBus.Error.ServiceUnknown');
  t.same(await c.call({ ...DBUS, member: 'GetNameOwner', signature: 's', body: ['org.freedesktop.DBus'] }), ['org.freedesktop.DBus'], 'still connected after the big body');

  // A fake systemd as the bus service; the driver connects as to the system bus.
  const root = path.join(shortDir(t), 'cg');
  const svc = await DBusConnection.connect({ path: bus.path, bus: true });
  t.teardown(() => svc.close());
  t.same(await svc.call({ ...DBUS, member: 'RequestName', signature: 'su', body: ['org.freedesktop.systemd1', 4] }), [1], 'the fake owns org.freedesktop.systemd1');
  const fake = new FakeSystemd({ root });
  fake.serve(svc);
  const sd = await Systemd.connect([{ path: bus.path, bus: true }]);
  t.teardown(() => sd.close());
  t.equal(await sd.version(), 252);
  const job = await sd.startTransientUnit('t-1.scope', [['Slice', ['s', 'system.slice']]]);
  t.same(job && { unit: job.unit, result: job.result }, { unit: 't-1.scope', result: 'done' }, 'JobRemoved routed to us by AddMatch');
  t.ok(fs.existsSync(path.join(root, 'system.slice/t-1.scope')));
  t.same(await sd.stopUnit('t-1.scope').then((r) => typeof r === 'object' && r.result), 'done');
  t.equal(await sd.stopUnit('t-1.scope'), 'not-loaded', 'NoSuchUnit is "not loaded"');
});

t.test('the driver against a fake systemd on a private socket', async (t) => {
  const dir = shortDir(t);
  const root = path.join(dir, 'cg');
  fs.mkdirSync(root);
  const fake = new FakeSystemd({ root });
  const sock = path.join(dir, 'private');
  const server = await listenPeer(sock, fake);
  t.teardown(() => server.close());
  const detection = { mode: 'v2' as const, v1: {}, unified: { mountpoint: root, root: '/' }, unifiedControllers: [], own: { '': '/' } };
  const endpoints = [{ path: path.join(dir, 'no-bus'), bus: true }, { path: sock, bus: false }];

  t.test('apply, set, update, destroy', async (t) => {
    const m = createSystemdManager({ id: 'c1', cgroupsPath: 'machine.slice:libpod:c1', resources: { memory: { limit: 1 << 26 }, pids: { limit: 5 } }, annotations: { 'org.systemd.property.CollectMode': "'inactive-or-failed'" }, detection, endpoints, assumeBooted: true });
    await m.apply(1234);
    const u = fake.units.get('libpod-c1.scope');
    t.ok(u, 'unit started (over the fallback socket: the bus socket does not exist)');
    const p = Object.fromEntries(u!.props);
    t.same(p.PIDs, ['au', [1234]]);
    t.same(p.Slice, ['s', 'machine.slice']);
    t.same(p.MemoryMax, ['t', 67108864n]);
    t.same(p.TasksMax, ['t', 5n]);
    t.same(p.CollectMode, ['s', 'inactive-or-failed'], 'annotation property');
    const cg = path.join(root, 'machine.slice/libpod-c1.scope');
    t.same(m.paths(), { '': cg });
    await m.set({ memory: { limit: 1 << 25 }, pids: { limit: 7 } });
    t.same(Object.fromEntries(u!.set.at(-1)!).MemoryMax, ['t', 33554432n], 'SetUnitProperties got the new limit');
    t.equal(fs.readFileSync(path.join(cg, 'memory.max'), 'utf8'), String(1 << 25), 'and the file was written');
    t.equal(fs.readFileSync(path.join(cg, 'pids.max'), 'utf8'), '7');
    const again = loadSystemdManager(m.paths(), m.saved(), { endpoints });
    await again.update({ pids: { limit: 9 } });
    t.same(Object.fromEntries(u!.set.at(-1)!).TasksMax, ['t', 9n], 'update from saved state');
    await again.destroy();
    t.notOk(fake.units.has('libpod-c1.scope'), 'unit stopped');
    t.notOk(fs.existsSync(cg), 'cgroup gone');
    await again.destroy(); // a second delete finds nothing to do
  });

  t.test('a failed job: the unit result in the message, nothing left', async (t) => {
    const failing = new FakeSystemd({ root, startResult: 'failed', failResult: 'resources' });
    const s2 = path.join(dir, 'private2');
    const srv = await listenPeer(s2, failing);
    t.teardown(() => srv.close());
    const m = createSystemdManager({ id: 'c2', detection, endpoints: [{ path: s2, bus: false }], assumeBooted: true });
    await t.rejects(m.apply(99), { code: 'ESYSTEMD', message: /error creating systemd unit `oci-ts-c2.scope`: got `failed` \(unit result: resources\)/ });
    t.equal(failing.units.size, 0, 'the failed unit was reset');
    t.notOk(fs.existsSync(path.join(root, 'system.slice/oci-ts-c2.scope')));
  });

  t.test('a unit that exists: reset and retried once (runc), then an error', async (t) => {
    const m = createSystemdManager({ id: 'c3', detection, endpoints, assumeBooted: true });
    fake.units.set('oci-ts-c3.scope', { name: 'oci-ts-c3.scope', props: [], set: [], state: 'failed', result: 'exit-code' });
    await m.apply(5);
    t.equal(fake.units.get('oci-ts-c3.scope')?.state, 'active', 'a leftover failed unit is replaced');
    const dup = createSystemdManager({ id: 'c3', detection, endpoints, assumeBooted: true });
    await t.rejects(dup.apply(6), { code: 'ESYSTEMD', message: /unable to start unit "oci-ts-c3.scope": Unit oci-ts-c3.scope was already loaded/ });
    t.ok(fake.units.has('oci-ts-c3.scope'), 'the running unit is not touched');
    await m.destroy();
  });

  t.test('no systemd at all: one error naming every socket tried', async (t) => {
    const m = createSystemdManager({ id: 'c4', detection, endpoints: [{ path: path.join(dir, 'none1'), bus: true }, { path: path.join(dir, 'none2'), bus: false }], assumeBooted: true });
    await t.rejects(m.apply(5), { code: 'ESYSTEMD', message: /cannot connect to systemd over D-Bus.*none1.*none2/ });
  });

  t.test('errors and unknown calls', async (t) => {
    const c = await DBusConnection.connect({ path: sock, bus: false });
    t.teardown(() => c.close());
    const e = await c.call({ path: '/org/freedesktop/systemd1', interface: 'org.freedesktop.systemd1.Manager', member: 'Nope' }).catch((x) => x);
    t.ok(e instanceof DBusError);
    t.equal(e.dbusName, 'org.freedesktop.DBus.Error.UnknownMethod');
  });
});
