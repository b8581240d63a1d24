// A corpus of invalid config.json texts: each must be rejected by parseConfig
// with the precise pointer, code and message a user would read.
import t from 'tap';
import { parseConfig, SpecError, type Problem } from '../src/index.ts';

const base = () => ({
  ociVersion: '1.2.0',
  root: { path: 'rootfs' },
  process: { cwd: '/', args: ['sh'], user: { uid: 0, gid: 0 } } as Record<string, any>,
  linux: { namespaces: [{ type: 'pid' }, { type: 'mount' }] } as Record<string, any>,
});
type Doc = ReturnType<typeof base> & Record<string, any>;
const edit = (f: (d: Doc) => void) => { const d = base() as Doc; f(d); return JSON.stringify(d, null, 2); };

interface Case { name: string; text: string; code: string; problems: Partial<Problem>[] }
const cases: Case[] = [
  // ---- not JSON
  { name: 'empty file', text: '', code: 'EJSON', problems: [{ pointer: '', code: 'JSON_EMPTY', message: 'config.json is empty: expected a JSON object' }] },
  { name: 'only whitespace', text: ' \n\t\n', code: 'EJSON', problems: [{ pointer: '', code: 'JSON_EMPTY', message: 'config.json is empty: expected a JSON object' }] },
  { name: 'truncated object', text: '{"ociVersion": "1.2.0",', code: 'EJSON', problems: [{ pointer: '', code: 'JSON_SYNTAX', message: 'config.json is not valid JSON: at line 1, column 24: expected a property name in double quotes, found the end of the text' }] },
  { name: 'trailing comma', text: '{\n  "ociVersion": "1.2.0",\n}', code: 'EJSON', problems: [{ code: 'JSON_SYNTAX', message: 'config.json is not valid JSON: at line 3, column 1: expected a property name in double quotes, found "}"' }] },
  { name: 'single quotes', text: "{'ociVersion': '1.2.0'}", code: 'EJSON', problems: [{ code: 'JSON_SYNTAX', message: 'config.json is not valid JSON: at line 1, column 2: expected a property name in double quotes, found "\'"' }] },
  { name: 'missing comma between members', text: '{"a": 1\n "b": 2}', code: 'EJSON', problems: [{ code: 'JSON_SYNTAX', message: 'config.json is not valid JSON: at line 2, column 2: expected "," or "}" after a property value, found "\\""' }] },
  { name: 'garbage after the object', text: '{"ociVersion":"1.2.0"} x', code: 'EJSON', problems: [{ code: 'JSON_SYNTAX', message: 'config.json is not valid JSON: at line 1, column 24: expected the end of the text after the top-level value, found "x"' }] },
  { name: 'leading zero number', text: '{"a": 01}', code: 'EJSON', problems: [{ code: 'JSON_SYNTAX', message: 'config.json is not valid JSON: at line 1, column 8: expected a valid number (no leading zeros, digits after "." and "e"), found "1"' }] },
  { name: 'raw newline in a string', text: '{"a": "x\ny"}', code: 'EJSON', problems: [{ code: 'JSON_SYNTAX', message: 'config.json is not valid JSON: at line 1, column 9: expected a valid string character or escape (control characters must be escaped), found character U+000A' }] },
  { name: 'byte order mark', text: '\ufeff{"ociVersion":"1.2.0"}', code: 'EJSON', problems: [{ code: 'JSON_SYNTAX', message: 'config.json is not valid JSON: it starts with a byte order mark (U+FEFF); save it as UTF-8 without BOM' }] },
  { name: 'NaN literal', text: '{"a": NaN}', code: 'EJSON', problems: [{ code: 'JSON_SYNTAX', message: 'config.json is not valid JSON: at line 1, column 7: expected a value (string, number, object, array, true, false or null), found "N"' }] },
  // ---- wrong types
  { name: 'top level is an array', text: '[]', code: 'EINVALIDCONFIG', problems: [{ pointer: '', code: 'SCHEMA_TYPE', message: 'config must be an object, found an array (0 items)' }] },
  { name: 'top level is null', text: 'null', code: 'EINVALIDCONFIG', problems: [{ pointer: '', code: 'SCHEMA_TYPE', message: 'config must be an object, found null' }] },
  { name: 'ociVersion missing', text: '{"root":{"path":"rootfs"}}', code: 'EINVALIDCONFIG', problems: [{ pointer: '/ociVersion', code: 'SCHEMA_REQUIRED', message: 'ociVersion is required but missing' }] },
  { name: 'ociVersion a number', text: edit((d) => { (d as any).ociVersion = 1.2; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/ociVersion', code: 'SCHEMA_TYPE', value: 1.2, message: 'ociVersion must be a string, found number 1.2' }] },
  { name: 'process.args a string', text: edit((d) => { d.process.args = 'sh -c true'; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/process/args', code: 'SCHEMA_TYPE', message: 'process.args must be an array, found string "sh -c true"' }] },
  { name: 'process.args item a number', text: edit((d) => { d.process.args = ['sleep', 5]; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/process/args/1', code: 'SCHEMA_TYPE', value: 5, message: 'process.args[1] must be a string, found integer 5' }] },
  { name: 'uid as a string', text: edit((d) => { d.process.user.uid = '1000'; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/process/user/uid', code: 'SCHEMA_TYPE', message: 'process.user.uid must be an integer (uint32), found string "1000"' }] },
  { name: 'terminal as a string', text: edit((d) => { d.process.terminal = 'yes'; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/process/terminal', code: 'SCHEMA_TYPE', message: 'process.terminal must be a boolean, found string "yes"' }] },
  { name: 'root.readonly as a number', text: edit((d) => { (d.root as any).readonly = 1; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/root/readonly', code: 'SCHEMA_TYPE', message: 'root.readonly must be a boolean, found integer 1' }] },
  { name: 'mounts an object', text: edit((d) => { d.mounts = { '/proc': { type: 'proc' } }; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/mounts', code: 'SCHEMA_TYPE', message: 'mounts must be an array, found an object' }] },
  { name: 'mount without destination', text: edit((d) => { d.mounts = [{ type: 'proc', source: 'proc' }]; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/mounts/0/destination', code: 'SCHEMA_REQUIRED', message: 'mounts[0].destination is required but missing' }] },
  { name: 'annotation value not a string', text: edit((d) => { d.annotations = { 'org.example.count': 3 }; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/annotations/org.example.count', code: 'SCHEMA_TYPE', message: 'annotations["org.example.count"] must be a string, found integer 3' }] },
  { name: 'env item an object', text: edit((d) => { d.process.env = [{ PATH: '/bin' }]; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/process/env/0', code: 'SCHEMA_TYPE', message: 'process.env[0] must be a string, found an object' }] },
  { name: 'hook without path', text: edit((d) => { d.hooks = { prestart: [{ args: ['x'] }] }; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/hooks/prestart/0/path', code: 'SCHEMA_REQUIRED', message: 'hooks.prestart[0].path is required but missing' }] },
  { name: 'seccomp without defaultAction', text: edit((d) => { d.linux.seccomp = { syscalls: [] }; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/linux/seccomp/defaultAction', code: 'SCHEMA_REQUIRED', message: 'linux.seccomp.defaultAction is required but missing' }] },
  { name: 'rlimit without soft', text: edit((d) => { d.process.rlimits = [{ type: 'RLIMIT_NOFILE', hard: 10 }]; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/process/rlimits/0/soft', code: 'SCHEMA_REQUIRED', message: 'process.rlimits[0].soft is required but missing' }] },
  // ---- unknown enum values
  { name: 'unknown namespace type', text: edit((d) => { d.linux.namespaces.push({ type: 'net' }); }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/linux/namespaces/2/type', code: 'SCHEMA_ENUM', value: 'net', message: 'linux.namespaces[2].type must be one of "mount", "pid", "network", "uts", "ipc", "user", "cgroup", "time"; found string "net"' }] },
  { name: 'unknown seccomp action', text: edit((d) => { d.linux.seccomp = { defaultAction: 'SCMP_ACT_DENY' }; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/linux/seccomp/defaultAction', code: 'SCHEMA_ENUM', value: 'SCMP_ACT_DENY', message: 'linux.seccomp.defaultAction must be one of "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"; found string "SCMP_ACT_DENY"' }] },
  { name: 'unknown seccomp arch', text: edit((d) => { d.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_AMD64'] }; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/linux/seccomp/architectures/0', code: 'SCHEMA_ENUM', value: 'SCMP_ARCH_AMD64' }] },
  { name: 'unknown seccomp operator', text: edit((d) => { d.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQUAL' }] }] }; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/linux/seccomp/syscalls/0/args/0/op', code: 'SCHEMA_ENUM', value: 'SCMP_CMP_EQUAL' }] },
  { name: 'unknown rootfsPropagation', text: edit((d) => { d.linux.rootfsPropagation = 'recursive'; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/linux/rootfsPropagation', code: 'SCHEMA_ENUM', message: 'linux.rootfsPropagation must be one of "private", "shared", "slave", "unbindable", "rprivate", "rshared", "rslave", "runbindable"; found string "recursive"' }] },
  { name: 'unknown personality domain', text: edit((d) => { d.linux.personality = { domain: 'LINUX64' }; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/linux/personality/domain', code: 'SCHEMA_ENUM', message: 'linux.personality.domain must be one of "LINUX", "LINUX32"; found string "LINUX64"' }] },
  { name: 'unknown ioPriority class', text: edit((d) => { d.process.ioPriority = { class: 'IOPRIO_CLASS_NONE' }; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/process/ioPriority/class', code: 'SCHEMA_ENUM', value: 'IOPRIO_CLASS_NONE' }] },
  { name: 'unknown scheduler policy', text: edit((d) => { d.process.scheduler = { policy: 'SCHED_FAIR' }; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/process/scheduler/policy', code: 'SCHEMA_ENUM', value: 'SCHED_FAIR' }] },
  { name: 'device type not c/b/u/p', text: edit((d) => { d.linux.devices = [{ type: 'x', path: '/dev/x', major: 1, minor: 1 }]; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/linux/devices/0/type', code: 'SCHEMA_ENUM', message: 'linux.devices[0].type must be one of "c", "b", "u", "p"; found string "x"' }] },
  { name: 'rlimit type pattern', text: edit((d) => { d.process.rlimits = [{ type: 'nofile', hard: 1, soft: 1 }]; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/process/rlimits/0/type', code: 'SCHEMA_PATTERN', message: 'process.rlimits[0].type must match /^RLIMIT_[A-Z]+$/, found string "nofile"' }] },
  { name: 'hugepage size pattern', text: edit((d) => { d.linux.resources = { hugepageLimits: [{ pageSize: '2mb', limit: 1 }] }; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/linux/resources/hugepageLimits/0/pageSize', code: 'SCHEMA_PATTERN', value: '2mb' }] },
  { name: 'seccomp syscall with no names', text: edit((d) => { d.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_ERRNO' }] }; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/linux/seccomp/syscalls/0/names', code: 'SCHEMA_MIN_ITEMS', message: 'linux.seccomp.syscalls[0].names must have at least 1 item, found 0' }] },
  // ---- out-of-range numbers
  { name: 'negative uid', text: edit((d) => { d.process.user.uid = -1; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/process/user/uid', code: 'SCHEMA_MINIMUM', value: -1, message: 'process.user.uid must be >= 0 (uint32), found integer -1' }] },
  { name: 'gid above uint32', text: edit((d) => { d.process.user.gid = 4294967296; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/process/user/gid', code: 'SCHEMA_MAXIMUM', message: 'process.user.gid must be <= 4294967295 (uint32), found integer 4294967296' }] },
  { name: 'fractional uid', text: edit((d) => { d.process.user.uid = 0.5; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/process/user/uid', code: 'SCHEMA_TYPE', message: 'process.user.uid must be an integer (uint32), found number 0.5' }] },
  { name: 'fileMode above 0777', text: edit((d) => { d.linux.devices = [{ type: 'c', path: '/dev/null', major: 1, minor: 3, fileMode: 4096 }]; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/linux/devices/0/fileMode', code: 'SCHEMA_MAXIMUM', message: 'linux.devices[0].fileMode must be <= 511 (FileMode), found integer 4096' }] },
  { name: 'blkio weight above uint16', text: edit((d) => { d.linux.resources = { blockIO: { weight: 70000 } }; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/linux/resources/blockIO/weight', code: 'SCHEMA_MAXIMUM', message: 'linux.resources.blockIO.weight must be <= 65535 (uint16), found integer 70000' }] },
  { name: 'hook timeout zero', text: edit((d) => { d.hooks = { poststop: [{ path: '/bin/true', timeout: 0 }] }; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/hooks/poststop/0/timeout', code: 'SCHEMA_MINIMUM', message: 'hooks.poststop[0].timeout must be >= 1, found integer 0' }] },
  { name: 'negative rlimit', text: edit((d) => { d.process.rlimits = [{ type: 'RLIMIT_NOFILE', hard: -1, soft: 1 }]; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/process/rlimits/0/hard', code: 'SCHEMA_MINIMUM', message: 'process.rlimits[0].hard must be >= 0 (uint64), found integer -1' }] },
  // ---- 64-bit integers beyond 2^53
  { name: 'rlimit 2^64 (one above uint64)', text: edit((d) => { d.process.rlimits = [{ type: 'RLIMIT_MEMLOCK', hard: 0, soft: 0 }]; }).replace('"hard": 0', '"hard": 18446744073709551616'), code: 'EINVALIDCONFIG', problems: [{ pointer: '/process/rlimits/0/hard', code: 'SCHEMA_MAXIMUM', value: 18446744073709551616n, message: 'process.rlimits[0].hard must be <= 18446744073709551615 (uint64), found integer 18446744073709551616' }] },
  { name: 'memory limit 2^63 (one above int64)', text: edit((d) => { d.linux.resources = { memory: { limit: 0 } }; }).replace('"limit": 0', '"limit": 9223372036854775808'), code: 'EINVALIDCONFIG', problems: [{ pointer: '/linux/resources/memory/limit', code: 'SCHEMA_MAXIMUM', message: 'linux.resources.memory.limit must be <= 9223372036854775807 (int64), found integer 9223372036854775808' }] },
  { name: 'cpu quota below int64', text: edit((d) => { d.linux.resources = { cpu: { quota: 0 } }; }).replace('"quota": 0', '"quota": -9223372036854775809'), code: 'EINVALIDCONFIG', problems: [{ pointer: '/linux/resources/cpu/quota', code: 'SCHEMA_MINIMUM', message: 'linux.resources.cpu.quota must be >= -9223372036854775808 (int64), found integer -9223372036854775809' }] },
  { name: 'uint64 in exponent form', text: edit((d) => { d.process.rlimits = [{ type: 'RLIMIT_CORE', hard: 0, soft: 0 }]; }).replace('"hard": 0', '"hard": 1.8446744073709551615e19'), code: 'EINVALIDCONFIG', problems: [{ pointer: '/process/rlimits/0/hard', code: 'NUMBER_NOT_EXACT', message: 'process.rlimits[0].hard must be written as a plain integer (uint64): 1.8446744073709551615e19 is above 2^53 and cannot be read exactly in fraction or exponent form' }] },
  { name: 'seccomp arg value above uint64', text: edit((d) => { d.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['ioctl'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 7, op: 'SCMP_CMP_EQ' }] }] }; }).replace('"value": 7', '"value": 99999999999999999999'), code: 'EINVALIDCONFIG', problems: [{ pointer: '/linux/seccomp/syscalls/0/args/0/value', code: 'SCHEMA_MAXIMUM', message: 'linux.seccomp.syscalls[0].args[0].value must be <= 18446744073709551615 (uint64), found integer 99999999999999999999' }] },
  { name: 'big integer in a uint32 field', text: edit((d) => { d.process.user.uid = 0; }).replace('"uid": 0', '"uid": 18446744073709551615'), code: 'EINVALIDCONFIG', problems: [{ pointer: '/process/user/uid', code: 'SCHEMA_MAXIMUM', message: 'process.user.uid must be <= 4294967295 (uint32), found integer 18446744073709551615' }] },
  // ---- non-Linux sections (validated by the separate platforms script)
  { name: 'freebsd vnet "disable"', text: edit((d) => { d.freebsd = { jail: { vnet: 'disable' } }; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/freebsd/jail/vnet', code: 'SCHEMA_ENUM', message: 'freebsd.jail.vnet must be one of "new", "inherit"; found string "disable"' }] },
  { name: 'windows without layer folders', text: edit((d) => { d.windows = { layerFolders: [] }; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/windows/layerFolders', code: 'SCHEMA_MIN_ITEMS', message: 'windows.layerFolders must have at least 1 item, found 0' }] },
  { name: 'windows not an object (reported once)', text: edit((d) => { d.windows = 5; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/windows', code: 'SCHEMA_TYPE', message: 'windows must be an object, found integer 5' }] },
  // ---- semantic
  { name: 'ociVersion 2.0.0', text: edit((d) => { d.ociVersion = '2.0.0'; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/ociVersion', code: 'OCI_VERSION_UNSUPPORTED', message: 'ociVersion 2.0.0 is not supported: this runtime implements runtime-spec 1.x' }] },
  { name: 'ociVersion not SemVer', text: edit((d) => { d.ociVersion = 'v1'; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/ociVersion', code: 'OCI_VERSION_INVALID', message: 'ociVersion must be a SemVer 2.0 version like "1.2.0", found string "v1"' }] },
  { name: 'duplicate namespace', text: edit((d) => { d.linux.namespaces.push({ type: 'pid', path: '/proc/1/ns/pid' }); }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/linux/namespaces/2/type', code: 'NAMESPACE_DUPLICATE', message: 'linux.namespaces[2]: namespace type "pid" is already listed at linux.namespaces[0] (a namespace is either created or joined by path, once)' }] },
  { name: 'relative mount destination', text: edit((d) => { d.mounts = [{ destination: 'proc', type: 'proc', source: 'proc' }]; }), code: 'EINVALIDCONFIG', problems: [{ pointer: '/mounts/0/destination', code: 'MOUNT_DESTINATION_RELATIVE', message: 'mounts[0].destination must be an absolute path inside the container, found string "proc"' }] },
];

t.ok(cases.length >= 40, `at least 40 invalid configs (${cases.length})`);

for (const c of cases) {
  t.test(c.name, async (t) => {
    const err = t.throws(() => parseConfig(c.text), SpecError) as unknown as SpecError;
    if (!(err instanceof SpecError)) return;
    t.equal(err.code, c.code, 'error code');
    t.match(err.problems, c.problems, 'problems');
    t.equal(err.problems.length, c.problems.length, 'no extra problems: ' + err.problems.map((p) => p.message).join(' | '));
    t.ok(err.message.includes(err.problems[0].message), 'the error message carries the first problem');
  });
}

t.test('a 10 MB file is refused before parsing, with its size', async (t) => {
  const text = '{"ociVersion":"1.2.0","annotations":{"x":"' + 'a'.repeat(10 * 1024 * 1024) + '"}}';
  const err = t.throws(() => parseConfig(text), { code: 'ETOOLARGE' }) as unknown as SpecError;
  t.same(err.problems, [{ pointer: '', code: 'DOCUMENT_TOO_LARGE', message: `config.json is ${text.length} bytes, larger than the 4194304-byte limit` }]);
  // With a raised limit it is read, and a problem deep inside is still found exactly.
  const err2 = t.throws(() => parseConfig(text.replace('"1.2.0"', '"1.2.0","hostname":7'), { maxBytes: 16 << 20 }), { code: 'EINVALIDCONFIG' }) as unknown as SpecError;
  t.match(err2.problems, [{ pointer: '/hostname', code: 'SCHEMA_TYPE', message: 'hostname must be a string, found integer 7' }]);
});

t.test('invalid UTF-8 is refused', async (t) => {
  const bytes = Buffer.concat([Buffer.from('{"ociVersion":"1.2.0","hostname":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
  t.throws(() => parseConfig(bytes), { code: 'EJSON', problems: [{ pointer: '', code: 'JSON_ENCODING', message: 'config.json is not valid UTF-8' }] });
});

t.test('every problem is reported at once', async (t) => {
  const text = edit((d) => { d.process.user.uid = 'root'; d.process.terminal = 'no'; d.linux.namespaces.push({ type: 'bogus' }); });
  const err = t.throws(() => parseConfig(text)) as unknown as SpecError;
  t.same(err.problems.map((p) => p.pointer).sort(), ['/linux/namespaces/2/type', '/process/terminal', '/process/user/uid']);
  t.match(err.message, /^invalid config\.json: /);
});
