// The config → InitProgram compiler, checked without root: every value the
// executor gets must be resolved (numbers, absolute paths), and every config
// mistake must name its field.
import t from 'tap';
import { compileProgram, CompileError, parseMountOptions, MOUNT_ATTR } from '../src/compile/index.ts';
import { defaultConfig } from '@oci/spec';
import { MS } from '../src/compile/constants.ts';
import type { Spec } from '@oci/spec';

const noLsm = { apparmor: false, selinux: false };
const base = (): Spec => defaultConfig();
const compile = (spec: Spec, extra: Record<string, unknown> = {}) =>
  compileProgram(spec, { bundle: '/b', execFifo: '/run/x/exec.fifo', lsm: noLsm, isDirectory: (p) => !p.endsWith('.conf'), ...extra });

function throwsAt(t: any, fn: () => unknown, pointer: string, code = 'EINVALIDCONFIG') {
  try {
    fn();
    t.fail(`expected a CompileError at ${pointer}`);
  } catch (e) {
    t.ok(e instanceof CompileError, 'a CompileError');
    t.equal((e as CompileError).pointer, pointer, `names ${pointer}`);
    t.equal((e as CompileError).code, code);
    t.match((e as Error).message, pointer);
  }
}

t.test('default config compiles to a complete program', (t) => {
  const p = compile(base());
  t.equal(p.version, 1);
  t.same(p.namespaces.map((n) => n.type), ['pid', 'network', 'ipc', 'uts', 'mount']);
  t.notOk(p.idMapping, 'no user namespace, no maps');
  t.same(p.rootfs, { path: '/b/rootfs', propagation: MS.SLAVE | MS.REC, readonly: true, pivotRoot: true, setup: true });
  t.equal(p.hostname, 'runc');
  t.equal(p.execFifo, '/run/x/exec.fifo');
  t.equal(p.sessionKeyring, true);
  const proc = p.mounts.find((m) => m.destination === '/proc')!;
  t.same(proc, { source: 'proc', destination: '/proc', fstype: 'proc', flags: 0, propagation: [], data: '', remountFlags: 0, createAs: 'dir' });
  const dev = p.mounts.find((m) => m.destination === '/dev')!;
  t.equal(dev.fstype, 'tmpfs');
  t.equal(dev.flags, MS.NOSUID | MS.STRICTATIME);
  t.equal(dev.data, 'mode=755,size=65536k');
  const sys = p.mounts.find((m) => m.destination === '/sys')!;
  t.equal(sys.flags, MS.NOSUID | MS.NOEXEC | MS.NODEV | MS.RDONLY);
  t.same(p.devices.map((d) => d.path).sort(), ['/dev/full', '/dev/null', '/dev/random', '/dev/tty', '/dev/urandom', '/dev/zero']);
  const nul = p.devices.find((d) => d.path === '/dev/null')!;
  t.same(nul, { path: '/dev/null', type: 'c', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0, bindFromHost: false });
  t.same(p.symlinks.map((s) => s.linkpath), ['/dev/fd', '/dev/stdin', '/dev/stdout', '/dev/stderr', '/dev/ptmx']);
  t.ok(p.maskedPaths.includes('/proc/kcore'));
  t.ok(p.readonlyPaths.includes('/proc/sys'));
  t.same(p.process.args, ['sh']);
  t.equal(p.process.cwd, '/');
  t.equal(p.process.umask, 0o022, 'runc default umask');
  t.equal(p.process.noNewPrivileges, true);
  t.same(p.process.capabilities.bounding, [5, 10, 29], 'KILL, NET_BIND_SERVICE, AUDIT_WRITE as numbers, sorted');
  t.same(p.process.capabilities.ambient, [], 'ambient caps not in inheritable are dropped, as runc warns and goes on');
  t.same(p.process.rlimits, [{ resource: 7, soft: '1024', hard: '1024' }]);
  t.equal(p.process.preserveFds, 0);
  t.notOk(p.process.seccomp, 'no seccomp section, no filter');
  t.end();
});

t.test('mount options become flags, propagation and data like runc', (t) => {
  t.same(parseMountOptions(['ro', 'nosuid', 'rw']), { flags: MS.NOSUID, propagation: [], data: [], attrSet: 0, attrClr: 0 }, 'rw clears ro');
  t.same(parseMountOptions(['rbind', 'rprivate', 'size=10m', 'mode=700']), { flags: MS.BIND | MS.REC, propagation: [MS.PRIVATE | MS.REC], data: ['size=10m', 'mode=700'], attrSet: 0, attrClr: 0 });
  t.same(parseMountOptions(['noatime', 'atime']).flags, 0);
  t.same(parseMountOptions(['shared', 'slave', 'runbindable']).propagation, [MS.SHARED, MS.SLAVE, MS.UNBINDABLE | MS.REC]);
  // Recursive attributes as runc's recAttrFlags: an atime mode also clears MOUNT_ATTR__ATIME (mount_setattr(2)).
  const rec = parseMountOptions(['rbind', 'rro', 'rnosuid', 'rexec', 'rnoatime']);
  t.same([rec.flags, rec.attrSet, rec.attrClr], [MS.BIND | MS.REC, MOUNT_ATTR.RDONLY | MOUNT_ATTR.NOSUID | MOUNT_ATTR.NOATIME, MOUNT_ATTR.NOEXEC | MOUNT_ATTR._ATIME]);
  t.same([parseMountOptions(['rrelatime']).attrSet, parseMountOptions(['rrelatime']).attrClr], [0, MOUNT_ATTR._ATIME], 'rrelatime is the 0 mode');
  t.same(parseMountOptions(['nosuid', 'tmpcopyup', 'size=1m']), { flags: MS.NOSUID, propagation: [], data: ['size=1m'], attrSet: 0, attrClr: 0, copyUp: 1 }, 'tmpcopyup is not tmpfs data');
  t.end();
});

t.test('tmpcopyup: a copyUp tmpfs, refused on anything else with its pointer', (t) => {
  const s = base();
  s.mounts = [{ destination: '/etc', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'tmpcopyup', 'mode=755'] }];
  const m = compile(s).mounts[0];
  t.same([m.fstype, m.copyUp, m.data, m.flags], ['tmpfs', true, 'mode=755', MS.NOSUID]);
  s.mounts = [{ destination: '/t', type: 'tmpfs', source: 'tmpfs' }];
  t.notOk('copyUp' in compile(s).mounts[0], 'absent without the option');
  s.mounts = [{ destination: '/proc', type: 'proc', source: 'proc' }, { destination: '/d', type: 'bind', source: '/s', options: ['rbind', 'tmpcopyup'] }];
  throwsAt(t, () => compile(s), '/mounts/1/options/1');
  s.mounts = [{ destination: '/d', type: 'proc', source: 'proc', options: ['tmpcopyup'] }];
  throwsAt(t, () => compile(s), '/mounts/0/options/0');
  t.end();
});

t.test('idmap/ridmap: parsed as options, never as filesystem data', (t) => {
  t.same(parseMountOptions(['rbind', 'idmap']).idmap, { kind: 'idmap', index: 1 });
  t.same(parseMountOptions(['ridmap', 'bind']).idmap, { kind: 'ridmap', index: 0 });
  t.same(parseMountOptions(['bind', 'ridmap']).data, [], 'not passed to mount(2)');
  t.notOk('idmap' in parseMountOptions(['bind']), 'absent without the option');
  t.same(parseMountOptions(['bind', 'ridmap=uids=0-1-10;gids=0-1-10']).idmap, { kind: 'ridmap', index: 1, mapping: 'uids=0-1-10;gids=0-1-10' }, 'crun\'s form keeps its mapping');
  t.end();
});

t.test('id-mapped mounts compile to the mapping the executor sets (runc 1.2 semantics)', (t) => {
  const userns = (s: Spec) => {
    s.linux!.namespaces!.push({ type: 'user' });
    s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
    return s;
  };
  const one = (s: Spec, m: Spec['mounts'] extends (infer M)[] | undefined ? M : never) => {
    s.mounts = [m];
    return compile(s).mounts[0];
  };
  const own = one(userns(base()), { destination: '/d', type: 'bind', source: '/src', options: ['rbind', 'idmap'] });
  t.same(own.idmap, { uidMap: '0 100000 65536\n', gidMap: '0 200000 65536\n', recursive: false }, 'idmap alone: the container\'s mapping');
  t.equal(own.flags, MS.BIND | MS.REC, 'rbind still clones the whole tree');
  t.same(one(userns(base()), { destination: '/d', type: 'bind', source: '/src', options: ['rbind', 'ridmap'], uidMappings: [], gidMappings: [] }).idmap,
    { uidMap: '0 100000 65536\n', gidMap: '0 200000 65536\n', recursive: true }, 'ridmap with empty mappings (runtime-spec #1224): the container\'s, recursive');
  const own2 = one(userns(base()), {
    destination: '/d', type: 'none', source: 'rel', options: ['bind', 'ro', 'idmap'],
    uidMappings: [{ containerID: 1000, hostID: 100000, size: 1 }, { containerID: 0, hostID: 100001, size: 1 }],
    gidMappings: [{ containerID: 1000, hostID: 200000, size: 2 }],
  });
  t.same(own2.idmap, { uidMap: '1000 100000 1\n0 100001 1\n', gidMap: '1000 200000 2\n', recursive: false }, 'the mount\'s own mappings win');
  t.equal(own2.source, '/b/rel', 'relative source resolved against the bundle, as any bind');
  t.equal(own2.remountFlags, MS.BIND | MS.REMOUNT | MS.RDONLY, 'ro still needs the remount');
  const joined = base();
  joined.linux!.namespaces!.push({ type: 'user', path: '/proc/42/ns/user' });
  t.same(one(joined, { destination: '/d', type: 'bind', source: '/src', options: ['bind', 'idmap'] }).idmap,
    { usernsPath: '/proc/42/ns/user', recursive: false }, 'a joined user namespace lends its mapping by path');
  // runc accepts mappings without the option (config.md: the option SHOULD be there): not recursive.
  t.same(one(base(), { destination: '/d', type: 'bind', source: '/src', options: ['rbind'], uidMappings: [{ containerID: 0, hostID: 1, size: 1 }], gidMappings: [{ containerID: 0, hostID: 1, size: 1 }] }).idmap,
    { uidMap: '0 1 1\n', gidMap: '0 1 1\n', recursive: false }, 'mappings without idmap/ridmap: idmap, as runc; no user namespace needed');
  t.notOk('idmap' in one(base(), { destination: '/d', type: 'bind', source: '/src', options: ['bind'], uidMappings: [], gidMappings: [] }), 'empty mappings, no option: a plain bind');
  // crun's/podman's option form: fsid-hostid-size triplets, "@" = a container id mapped through linux.*Mappings.
  t.same(one(userns(base()), { destination: '/d', type: 'bind', source: '/src', options: ['rbind', 'ridmap=uids=0-1-10#@10-5-2;gids=0-100-10'] }).idmap,
    { uidMap: '0 1 10\n10 100005 2\n', gidMap: '0 100 10\n', recursive: true }, 'crun\'s idmap=uids=...;gids=... form');
  t.same(one(userns(base()), { destination: '/d', type: 'bind', source: '/src', options: ['bind', 'idmap=uids=0-1-1;gids=0-1-1'], uidMappings: [{ containerID: 7, hostID: 8, size: 9 }], gidMappings: [{ containerID: 7, hostID: 8, size: 9 }] }).idmap?.uidMap,
    '7 8 9\n', 'the JSON mappings win over the option (as crun)');
  t.end();
});

t.test('id-mapped mount mistakes name their field', (t) => {
  const at = (m: NonNullable<Spec['mounts']>[number], pointer: string, withUserns = false) => {
    const s = base();
    if (withUserns) {
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    }
    s.mounts = [{ destination: '/proc', type: 'proc', source: 'proc' }, m];
    throwsAt(t, () => compile(s), pointer);
  };
  const map = [{ containerID: 0, hostID: 100000, size: 10 }];
  at({ destination: '/t', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'idmap'] }, '/mounts/1/options/1', true);
  at({ destination: '/t', type: 'tmpfs', source: 'tmpfs', uidMappings: map, gidMappings: map }, '/mounts/1/uidMappings');
  at({ destination: '/d', type: 'bind', source: '/s', options: ['bind', 'idmap'], uidMappings: map }, '/mounts/1/gidMappings');
  at({ destination: '/d', type: 'bind', source: '/s', options: ['bind', 'idmap'], gidMappings: map }, '/mounts/1/uidMappings');
  at({ destination: '/d', type: 'bind', source: '/s', options: ['bind', 'idmap'], uidMappings: [{ containerID: 0, hostID: 100000, size: 0 }], gidMappings: map }, '/mounts/1/uidMappings/0/size');
  at({ destination: '/d', type: 'bind', source: '/s', options: ['bind', 'idmap'], uidMappings: map, gidMappings: [map[0], { containerID: 10, hostID: -1, size: 1 }] }, '/mounts/1/gidMappings/1/hostID');
  at({ destination: '/d', type: 'bind', source: '/s', options: ['rbind', 'ridmap'] }, '/mounts/1/options/1');
  at({ destination: '/d', type: 'bind', source: '/s', options: ['rbind', 'idmap=uids=0-1-10'] }, '/mounts/1/options/1');
  at({ destination: '/d', type: 'bind', source: '/s', options: ['rbind', 'idmap=uids=0-1;gids=0-1-1'] }, '/mounts/1/options/1');
  at({ destination: '/d', type: 'bind', source: '/s', options: ['rbind', 'idmap=users=0-1-1'] }, '/mounts/1/options/1');
  at({ destination: '/d', type: 'bind', source: '/s', options: ['rbind', 'idmap=uids=@0-70000-1;gids=0-1-1'] }, '/mounts/1/options/1', true);
  at({ destination: '/d', type: 'bind', source: '/s', options: ['rbind', 'idmap=uids=0-1-0;gids=0-1-1'] }, '/mounts/1/options/1');
  t.end();
});

t.test('bind mounts: relative sources, file targets, read-only remount', (t) => {
  const s = base();
  s.mounts = [
    { destination: '/data', type: 'bind', source: 'data', options: ['rbind', 'ro', 'nosuid'] },
    { destination: '/etc/x.conf', type: 'none', source: '/host/x.conf', options: ['bind'] },
  ];
  const [a, b] = compile(s).mounts;
  t.equal(a.source, '/b/data', 'relative to the bundle');
  t.equal(a.fstype, 'bind');
  t.equal(a.flags, MS.BIND | MS.REC, 'the first mount only binds');
  t.equal(a.remountFlags, MS.BIND | MS.REMOUNT | MS.RDONLY | MS.NOSUID, 'ro and nosuid need a remount');
  t.equal(a.createAs, 'dir');
  t.equal(b.flags, MS.BIND);
  t.equal(b.remountFlags, 0, 'a plain bind needs no remount');
  t.equal(b.createAs, 'file', 'a file source gets a file mount point');
  t.end();
});

t.test('mount destinations are normalised and must be absolute', (t) => {
  const s = base();
  s.mounts = [{ destination: '/a/../b//c/', type: 'tmpfs', source: 'tmpfs' }];
  t.equal(compile(s).mounts[0].destination, '/b/c/');
  s.mounts = [{ destination: 'relative', type: 'tmpfs', source: 'tmpfs' }];
  throwsAt(t, () => compile(s), '/mounts/0/destination');
  t.end();
});

t.test('user namespace: first, with maps for the parent; devices bound from the host', (t) => {
  const s = base();
  s.linux!.namespaces!.push({ type: 'user' });
  s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }, { containerID: 65536, hostID: 5, size: 1 }];
  const p = compile(s);
  t.equal(p.namespaces[0].type, 'user', 'user namespace goes first');
  t.equal(p.idMapping!.uidMap, '0 100000 65536\n');
  t.equal(p.idMapping!.gidMap, '0 100000 65536\n65536 5 1\n');
  t.ok(p.devices.every((d) => d.bindFromHost), 'mknod is not allowed in a user namespace');
  delete s.linux!.uidMappings;
  throwsAt(t, () => compile(s), '/linux/uidMappings');
  t.end();
});

t.test('joined namespaces keep their path; duplicates and unknown types are rejected', (t) => {
  const s = base();
  delete s.hostname;
  s.linux!.namespaces = [{ type: 'network', path: '/proc/1/ns/net' }, { type: 'mount' }];
  t.same(compile(s).namespaces, [{ type: 'network', path: '/proc/1/ns/net' }, { type: 'mount' }]);
  s.linux!.namespaces = [{ type: 'mount' }, { type: 'mount' }];
  throwsAt(t, () => compile(s), '/linux/namespaces/1/type');
  s.linux!.namespaces = [{ type: 'mount' }, { type: 'net' }];
  throwsAt(t, () => compile(s), '/linux/namespaces/1/type');
  s.linux!.namespaces = [{ type: 'mount' }, { type: 'uts', path: 'relative' }];
  throwsAt(t, () => compile(s), '/linux/namespaces/1/path');
  t.end();
});

t.test('a hostname needs a uts namespace (new or joined); mounts go into an inherited mount namespace', (t) => {
  const s = base();
  s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'uts');
  throwsAt(t, () => compile(s), '/hostname');
  s.linux!.namespaces.push({ type: 'uts', path: '/proc/1/ns/uts' });
  t.equal(compile(s).hostname, s.hostname);
  const s2 = base();
  s2.linux!.namespaces = s2.linux!.namespaces!.filter((n) => n.type !== 'mount');
  const p = compile(s2);
  t.ok(p.mounts.length && p.rootfs.setup, 'mounts and rootfs setup kept without a mount namespace');
  t.end();
});

t.test('capabilities: all five sets as numbers, unknown names ignored with a warning', (t) => {
  const s = base();
  s.process!.capabilities = { bounding: ['CAP_SYS_ADMIN', 'CAP_CHOWN'], effective: ['CAP_CHOWN'], permitted: ['CAP_CHOWN'], inheritable: [], ambient: ['CAP_CHOWN', 'CAP_SYS_ADMIN'] };
  const c = compile(s).process.capabilities;
  t.same(c, { bounding: [0, 21], effective: [0], inheritable: [], permitted: [0], ambient: [] });
  s.process!.capabilities.effective = ['CAP_CHOWN', 'CAP_FLY'];
  const warnings: string[] = [];
  const w = compile(s, { warn: (m: string) => warnings.push(m) }).process.capabilities;
  t.same(w.effective, [0], 'the unknown name is not granted');
  t.same(warnings, ['ignoring unknown or unavailable capabilities: [CAP_FLY]'], "runc's warning");
  t.end();
});

t.test('rlimits: numbers and exact 64-bit strings', (t) => {
  const s = base();
  s.process!.rlimits = [
    { type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 },
    { type: 'RLIMIT_CORE', soft: 18446744073709551615n, hard: 18446744073709551615n },
    // JSON.parse rounds 2^64-1 to 18446744073709552000: still unlimited.
    { type: 'RLIMIT_MEMLOCK', soft: 18446744073709552000, hard: 18446744073709552000 },
  ];
  t.same(compile(s).process.rlimits, [
    { resource: 7, soft: '1024', hard: '4096' },
    { resource: 4, soft: '18446744073709551615', hard: '18446744073709551615' },
    { resource: 8, soft: '18446744073709551615', hard: '18446744073709551615' },
  ]);
  s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 10, hard: 5 }];
  throwsAt(t, () => compile(s), '/process/rlimits/0/soft');
  s.process!.rlimits = [{ type: 'RLIMIT_BOGUS', soft: 1, hard: 1 }];
  throwsAt(t, () => compile(s), '/process/rlimits/0/type');
  t.end();
});

t.test('process: user, env, cwd, terminal, umask, oom, io priority, scheduler, personality', (t) => {
  const s = base();
  Object.assign(s.process!, {
    user: { uid: 1000, gid: 1000, umask: 0o077, additionalGids: [5, 6] },
    env: ['A=1', 'B='], cwd: '/tmp', terminal: true, consoleSize: { height: 24, width: 80 }, oomScoreAdj: 500,
    ioPriority: { class: 'IOPRIO_CLASS_IDLE', priority: 7 },
    scheduler: { policy: 'SCHED_DEADLINE', runtime: 10000000, deadline: 20000000, period: 30000000, flags: ['SCHED_FLAG_RESET_ON_FORK'] },
  });
  s.linux!.personality = { domain: 'LINUX32' };
  const p = compile(s, { preserveFds: 2 }).process;
  t.equal(p.uid, 1000); t.equal(p.gid, 1000); t.same(p.additionalGids, [5, 6]);
  t.equal(p.umask, 0o077);
  t.same(p.env, ['A=1', 'B=']);
  t.equal(p.cwd, '/tmp');
  t.equal(p.terminal, true);
  t.same(p.consoleSize, { height: 24, width: 80 });
  t.equal(p.oomScoreAdj, 500);
  t.equal(p.ioPriority, (3 << 13) | 7);
  t.same(p.scheduler, { policy: 6, nice: 0, priority: 0, flags: 1, runtime: '10000000', deadline: '20000000', period: '30000000' });
  t.equal(p.personality, 8);
  t.equal(p.preserveFds, 2);
  s.process!.cwd = 'tmp';
  throwsAt(t, () => compile(s), '/process/cwd');
  s.process!.cwd = '/';
  s.process!.env = ['NOEQUALS'];
  throwsAt(t, () => compile(s), '/process/env/0');
  s.process!.env = [];
  s.process!.args = [];
  throwsAt(t, () => compile(s), '/process/args');
  t.end();
});

t.test('an LSM profile on a host without that LSM is an error, never ignored', (t) => {
  const s = base();
  s.process!.apparmorProfile = 'docker-default';
  throwsAt(t, () => compile(s), '/process/apparmorProfile', 'ELSMUNAVAILABLE');
  t.equal(compile(s, { lsm: { apparmor: true, selinux: false } }).process.apparmorProfile, 'docker-default');
  const s2 = base();
  s2.process!.selinuxLabel = 'system_u:system_r:container_t:s0';
  throwsAt(t, () => compile(s2), '/process/selinuxLabel', 'ELSMUNAVAILABLE');
  t.throws(() => compile(s2), /selinux label is specified in config, but selinux is disabled or not supported/, 'runc\'s text');
  t.equal(compile(s2, { lsm: { apparmor: false, selinux: true } }).process.selinuxLabel, 'system_u:system_r:container_t:s0');
  t.end();
});

t.test('linux.mountLabel: context= on the mounts the runtime makes, as runc formats it; ignored without SELinux', (t) => {
  const label = 'system_u:object_r:svirt_sandbox_file_t:s0:c1,c2';
  const s = base();
  s.linux!.mountLabel = label;
  s.process!.selinuxLabel = 'system_u:system_r:svirt_t:s0:c1,c2';
  s.mounts!.push({ destination: '/data', type: 'bind', source: '/srv', options: ['rbind', 'ro'] });
  const p = compile(s, { lsm: { apparmor: false, selinux: true } });
  const data = (dest: string) => p.mounts.find((m) => m.destination === dest)!.data;
  // go-selinux FormatMountLabel: after the other options, quoted (the MCS range has a comma).
  t.equal(data('/dev'), `mode=755,size=65536k,context="${label}"`);
  t.equal(data('/dev/pts'), `newinstance,ptmxmode=0666,mode=0620,gid=5,context="${label}"`);
  t.equal(data('/dev/shm'), `mode=1777,size=65536k,context="${label}"`);
  t.equal(data('/proc'), '', 'proc keeps its own labels');
  t.equal(data('/sys'), '', 'sysfs keeps its own labels');
  t.equal(data('/data'), '', 'a bind shows existing files: no context=');
  const mq = p.mounts.find((m) => m.destination === '/dev/mqueue')!;
  t.equal(mq.data, '', 'mqueue takes no context= (its superblock exists already)');
  t.equal(mq.fileLabel, label, 'mqueue\'s root gets the label as a file label (runc label.SetFileLabel)');
  t.equal(p.maskTmpfsData, `context="${label}"`, 'the tmpfs over masked directories (runc maskPath)');
  t.equal(p.sessionKeyringLabel, 'system_u:system_r:svirt_t:s0:c1,c2', 'the session keyring gets the process label');
  t.notOk(compile(s, { lsm: { apparmor: false, selinux: true }, noNewKeyring: true }).sessionKeyringLabel, 'no keyring, no keyring label');

  const off = base();
  off.linux!.mountLabel = label;
  const q = compile(off);
  t.notOk(q.mounts.some((m) => m.data.includes('context=') || m.fileLabel), 'SELinux off: the mount label is ignored');
  t.notOk(q.maskTmpfsData);
  t.notOk(q.sessionKeyringLabel);
  t.end();
});

t.test('seccomp: compiled bytes go in the program; no compiler means no container', (t) => {
  const s = base();
  s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW' };
  throwsAt(t, () => compile(s), '/linux/seccomp', 'ESECCOMPUNAVAILABLE');
  const bpf = new Uint8Array([6, 0, 0, 0, 0, 0, 0xff, 0x7f]); // ret ALLOW
  const p = compile(s, { seccompCompiler: () => ({ bpf, instructions: 1, flags: 2, listener: false }) });
  t.same(p.process.seccomp, { bpf: Buffer.from(bpf).toString('base64'), flags: 2, notify: false });
  const notify = () => ({ bpf, instructions: 1, flags: 8, listener: true });
  throwsAt(t, () => compile(s, { seccompCompiler: notify }), '/linux/seccomp/listenerPath', 'EINVALIDCONFIG');
  s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/agent.sock', listenerMetadata: 'm' };
  t.same(compile(s, { seccompCompiler: notify }).process.seccomp, { bpf: Buffer.from(bpf).toString('base64'), flags: 8, notify: true, listenerPath: '/run/agent.sock', listenerMetadata: 'm' }, 'a listener: loaded before start, with the agent\'s path and metadata');
  const failing = () => { throw Object.assign(new Error('unknown syscall "nope"'), { code: 'EUNKNOWNSYSCALL' }); };
  throwsAt(t, () => compile(s, { seccompCompiler: failing }), '/linux/seccomp');
  t.end();
});

t.test('devices: linux.devices override defaults and are validated', (t) => {
  const s = base();
  s.linux!.devices = [
    { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o600, uid: 0, gid: 0 },
    { path: '/dev/null', type: 'c', major: 1, minor: 3, fileMode: 0o600 },
  ];
  const d = compile(s).devices;
  t.same(d.find((x) => x.path === '/dev/fuse'), { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o600, uid: 0, gid: 0, bindFromHost: false });
  t.equal(d.filter((x) => x.path === '/dev/null').length, 1);
  t.equal(d.find((x) => x.path === '/dev/null')!.fileMode, 0o600);
  s.linux!.devices = [{ path: '/etc/evil', type: 'c', major: 1, minor: 1 }];
  throwsAt(t, () => compile(s), '/linux/devices/0/path');
  s.linux!.devices = [{ path: '/dev/x', type: 'q', major: 1, minor: 1 }];
  throwsAt(t, () => compile(s), '/linux/devices/0/type');
  t.end();
});

t.test('hooks for the init, rootfs options, sysctl, time offsets, flags from the command line', (t) => {
  const s = base();
  s.hooks = { createContainer: [{ path: '/bin/true', timeout: 5 }], startContainer: [{ path: '/bin/echo', args: ['echo', 'hi'], env: ['X=1'] }] };
  s.linux!.rootfsPropagation = 'rshared';
  s.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
  s.root = { path: '/abs/root' };
  const p = compile(s, { noPivot: true, noNewKeyring: true });
  t.same(p.createContainerHooks, [{ path: '/bin/true', args: ['/bin/true'], env: [], timeout: 5 }]);
  t.same(p.startContainerHooks, [{ path: '/bin/echo', args: ['echo', 'hi'], env: ['X=1'] }]);
  t.same(p.rootfs, { path: '/abs/root', propagation: MS.SHARED | MS.REC, readonly: false, pivotRoot: false, setup: true });
  t.same(p.sysctl, [{ key: 'net.ipv4.ip_forward', value: '1' }]);
  t.equal(p.sessionKeyring, false);
  s.hooks = { createContainer: [{ path: 'relative' }] };
  throwsAt(t, () => compile(s), '/hooks/createContainer/0/path');
  const s2 = base();
  s2.linux!.timeOffsets = { monotonic: { secs: 10 } };
  throwsAt(t, () => compile(s2), '/linux/timeOffsets');
  s2.linux!.namespaces!.push({ type: 'time' });
  t.same(compile(s2).timeOffsets, { monotonic: { secs: 10, nanosecs: 0 } });
  t.end();
});

t.test('the cgroup mount becomes a tmpfs with the container\'s own cgroup dirs bound read-only (v1/hybrid)', (t) => {
  const s = base();
  const cgroup = {
    mode: 'hybrid' as const,
    paths: { memory: '/sys/fs/cgroup/memory/x/c1', pids: '/sys/fs/cgroup/pids/c1', '': '/sys/fs/cgroup/unified/c1' },
    mountpoints: ['/sys/fs/cgroup/memory', '/sys/fs/cgroup/pids', '/sys/fs/cgroup/unified'],
  };
  const m = compile(s, { cgroup }).mounts;
  const i = m.findIndex((x) => x.destination === '/sys/fs/cgroup');
  t.equal(m[i].fstype, 'tmpfs');
  t.equal(m[i].flags & MS.RDONLY, 0, 'writable while the mount points are made');
  const binds = m.filter((x) => x.destination.startsWith('/sys/fs/cgroup/'));
  t.same(binds.map((b) => [b.destination, b.source]), [
    ['/sys/fs/cgroup/unified', '/sys/fs/cgroup/unified/c1'],
    ['/sys/fs/cgroup/memory', '/sys/fs/cgroup/memory/x/c1'],
    ['/sys/fs/cgroup/pids', '/sys/fs/cgroup/pids/c1'],
  ]);
  t.ok(binds.every((b) => b.fstype === 'bind' && (b.remountFlags & MS.RDONLY) !== 0), 'each hierarchy read-only');
  const last = m.filter((x) => x.destination === '/sys/fs/cgroup').pop()!;
  t.equal(last.flags & (MS.REMOUNT | MS.RDONLY | MS.BIND), MS.REMOUNT | MS.RDONLY | MS.BIND, 'the tmpfs is remounted read-only last');
  t.ok(m.indexOf(last) > m.indexOf(binds[2]));
  const v2 = compile(s, { cgroup: { mode: 'v2', paths: { '': '/sys/fs/cgroup/c1' }, mountpoints: ['/sys/fs/cgroup'] } }).mounts;
  t.same(v2.filter((x) => x.destination.startsWith('/sys/fs/cgroup')).map((x) => [x.fstype, x.source]), [['bind', '/sys/fs/cgroup/c1']], 'v2 without a cgroup namespace: a bind of its own cgroup');
  t.end();
});
