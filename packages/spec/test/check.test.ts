// Semantic checks (checkConfig): each rule with a config it refuses (exact
// pointer, code, message) and a close config it accepts.
import t from 'tap';
import { checkConfig, defaultConfig, MOUNT_OPTIONS, type Spec } from '../src/index.ts';

const base = (): Spec => ({
  ociVersion: '1.2.0',
  root: { path: 'rootfs' },
  process: { cwd: '/', args: ['sh'], user: { uid: 0, gid: 0 } },
  linux: { namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'ipc' }, { type: 'uts' }, { type: 'network' }] },
});
const mk = (f: (s: Spec) => void): Spec => { const s = base(); f(s); return s; };
const codes = (s: Spec, o = {}) => checkConfig(s, o).map((p) => p.code);

interface Rule { name: string; bad: Spec; good: Spec; opts?: { forStart?: boolean; systemdCgroup?: boolean }; pointer: string; code: string; message?: string | RegExp }
const rules: Rule[] = [
  { name: 'ociVersion major 2 is refused', bad: mk((s) => { s.ociVersion = '2.0.0'; }), good: mk((s) => { s.ociVersion = '1.0.2-dev'; }), pointer: '/ociVersion', code: 'OCI_VERSION_UNSUPPORTED' },
  { name: 'ociVersion must be SemVer', bad: mk((s) => { s.ociVersion = '1.2'; }), good: mk((s) => { s.ociVersion = '1.3.0+build.5'; }), pointer: '/ociVersion', code: 'OCI_VERSION_INVALID' },
  { name: 'root is required', bad: mk((s) => { delete s.root; }), good: base(), pointer: '/root', code: 'ROOT_REQUIRED', message: "root is required on Linux (the container's root filesystem)" },
  { name: 'root.path must not be empty', bad: mk((s) => { s.root!.path = ''; }), good: base(), pointer: '/root/path', code: 'ROOT_PATH_EMPTY' },
  { name: 'process is required for start', bad: mk((s) => { delete s.process; }), good: base(), opts: { forStart: true }, pointer: '/process', code: 'PROCESS_REQUIRED', message: 'process is required to start the container (runtime-spec: process is REQUIRED when start is called)' },
  { name: 'process.args must not be empty for start', bad: mk((s) => { s.process!.args = []; }), good: base(), opts: { forStart: true }, pointer: '/process/args', code: 'PROCESS_ARGS_EMPTY' },
  { name: 'process.cwd must be absolute', bad: mk((s) => { s.process!.cwd = 'home'; }), good: mk((s) => { s.process!.cwd = '/home'; }), pointer: '/process/cwd', code: 'PROCESS_CWD_RELATIVE', message: 'process.cwd must be an absolute path, found string "home"' },
  { name: 'env entries are KEY=value', bad: mk((s) => { s.process!.env = ['PATH=/bin', 'JUSTAKEY']; }), good: mk((s) => { s.process!.env = ['PATH=/bin', 'EMPTY=']; }), pointer: '/process/env/1', code: 'ENV_INVALID', message: 'process.env[1] must be "KEY=value" with a non-empty KEY, found string "JUSTAKEY"' },
  { name: 'unknown rlimit type', bad: mk((s) => { s.process!.rlimits = [{ type: 'RLIMIT_FILES', soft: 1, hard: 1 }]; }), good: mk((s) => { s.process!.rlimits = [{ type: 'RLIMIT_RTTIME', soft: 1, hard: 1 }]; }), pointer: '/process/rlimits/0/type', code: 'RLIMIT_UNKNOWN' },
  { name: 'duplicate rlimit type', bad: mk((s) => { s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }, { type: 'RLIMIT_NOFILE', soft: 2, hard: 2 }]; }), good: mk((s) => { s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }, { type: 'RLIMIT_NPROC', soft: 2, hard: 2 }]; }), pointer: '/process/rlimits/1/type', code: 'RLIMIT_DUPLICATE' },
  { name: 'rlimit soft above hard (bigint aware)', bad: mk((s) => { s.process!.rlimits = [{ type: 'RLIMIT_MEMLOCK', soft: 18446744073709551615n, hard: 1024 }]; }), good: mk((s) => { s.process!.rlimits = [{ type: 'RLIMIT_MEMLOCK', soft: 1024, hard: 18446744073709551615n }]; }), pointer: '/process/rlimits/0/soft', code: 'RLIMIT_SOFT_ABOVE_HARD', message: 'process.rlimits[0].soft (18446744073709551615) must not exceed hard (1024): setrlimit(2) fails with EINVAL' },
  { name: 'scheduler nice range', bad: mk((s) => { s.process!.scheduler = { policy: 'SCHED_OTHER', nice: 20 }; }), good: mk((s) => { s.process!.scheduler = { policy: 'SCHED_OTHER', nice: 19 }; }), pointer: '/process/scheduler/nice', code: 'SCHEDULER_NICE_RANGE' },
  { name: 'scheduler priority only for FIFO/RR', bad: mk((s) => { s.process!.scheduler = { policy: 'SCHED_BATCH', priority: 5 }; }), good: mk((s) => { s.process!.scheduler = { policy: 'SCHED_RR', priority: 5 }; }), pointer: '/process/scheduler/priority', code: 'SCHEDULER_PRIORITY_POLICY' },
  { name: 'scheduler runtime only for DEADLINE', bad: mk((s) => { s.process!.scheduler = { policy: 'SCHED_FIFO', runtime: 1000 }; }), good: mk((s) => { s.process!.scheduler = { policy: 'SCHED_DEADLINE', runtime: 1000 }; }), pointer: '/process/scheduler/runtime', code: 'SCHEDULER_DEADLINE_ONLY' },
  { name: 'ioPriority range', bad: mk((s) => { s.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 8 }; }), good: mk((s) => { s.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 7 }; }), pointer: '/process/ioPriority/priority', code: 'IOPRIORITY_RANGE' },
  { name: 'hook path must be absolute', bad: mk((s) => { s.hooks = { createRuntime: [{ path: 'hook.sh' }] }; }), good: mk((s) => { s.hooks = { createRuntime: [{ path: '/usr/bin/hook.sh' }] }; }), pointer: '/hooks/createRuntime/0/path', code: 'HOOK_PATH_RELATIVE' },
  { name: 'duplicate namespace types', bad: mk((s) => { s.linux!.namespaces!.push({ type: 'network', path: '/run/netns/x' }); }), good: mk((s) => { s.linux!.namespaces![4] = { type: 'network', path: '/run/netns/x' }; }), pointer: '/linux/namespaces/5/type', code: 'NAMESPACE_DUPLICATE' },
  { name: 'namespace path must be absolute', bad: mk((s) => { s.linux!.namespaces![4] = { type: 'network', path: 'netns' }; }), good: mk((s) => { s.linux!.namespaces![4] = { type: 'network', path: '/proc/1/ns/net' }; }), pointer: '/linux/namespaces/4/path', code: 'NAMESPACE_PATH_RELATIVE', message: 'linux.namespaces[4].path must be an absolute path to a namespace file like /proc/<pid>/ns/net, found string "netns"' },
  { name: 'uid mappings without a user namespace', bad: mk((s) => { s.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]; }), good: mk((s) => { s.linux!.namespaces!.push({ type: 'user' }); s.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]; s.linux!.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]; }), pointer: '/linux/uidMappings', code: 'USERNS_MAPPINGS_WITHOUT_USERNS', message: 'linux.uidMappings is set but linux.namespaces has no "user" namespace' },
  { name: 'gid mappings without a user namespace', bad: mk((s) => { s.linux!.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]; }), good: base(), pointer: '/linux/gidMappings', code: 'USERNS_MAPPINGS_WITHOUT_USERNS' },
  { name: 'new user namespace without gid mappings', bad: mk((s) => { s.linux!.namespaces!.push({ type: 'user' }); s.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]; }), good: mk((s) => { s.linux!.namespaces!.push({ type: 'user', path: '/proc/1/ns/user' }); }), pointer: '/linux/gidMappings', code: 'USERNS_WITHOUT_MAPPINGS' },
  { name: 'user namespace without a root mapping', bad: mk((s) => { s.process!.user = { uid: 1, gid: 0 }; s.linux!.namespaces!.push({ type: 'user' }); s.linux!.uidMappings = [{ containerID: 1, hostID: 1000, size: 10 }]; s.linux!.gidMappings = [{ containerID: 0, hostID: 1000, size: 10 }]; }), good: mk((s) => { s.linux!.namespaces!.push({ type: 'user' }); s.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 10 }]; s.linux!.gidMappings = [{ containerID: 0, hostID: 1000, size: 10 }]; }), pointer: '/linux/uidMappings', code: 'USERNS_NO_ROOT_MAPPING' },
  { name: 'process user not mapped in the user namespace', bad: mk((s) => { s.linux!.namespaces!.push({ type: 'user' }); s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 1000 }]; s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }]; s.process!.user = { uid: 1000, gid: 1000 }; }), good: mk((s) => { s.linux!.namespaces!.push({ type: 'user' }); s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 1001 }]; s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }]; s.process!.user = { uid: 1000, gid: 1000, additionalGids: [65535] }; }), pointer: '/process/user/uid', code: 'USER_NOT_MAPPED', message: 'process.user.uid 1000 is not mapped by linux.uidMappings' },
  { name: 'additional gid not mapped', bad: mk((s) => { s.linux!.namespaces!.push({ type: 'user' }); s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }]; s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 10 }]; s.process!.user = { uid: 0, gid: 0, additionalGids: [5, 10] }; }), good: mk((s) => { s.linux!.namespaces!.push({ type: 'user' }); s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }]; s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 11 }]; s.process!.user = { uid: 0, gid: 0, additionalGids: [5, 10] }; }), pointer: '/process/user/additionalGids/1', code: 'USER_NOT_MAPPED' },
  { name: 'overlapping id mappings', bad: mk((s) => { s.linux!.namespaces!.push({ type: 'user' }); s.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 10 }, { containerID: 5, hostID: 5000, size: 10 }]; s.linux!.gidMappings = [{ containerID: 0, hostID: 1000, size: 10 }]; }), good: mk((s) => { s.linux!.namespaces!.push({ type: 'user' }); s.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 10 }, { containerID: 10, hostID: 5000, size: 10 }]; s.linux!.gidMappings = [{ containerID: 0, hostID: 1000, size: 10 }]; }), pointer: '/linux/uidMappings/1', code: 'IDMAP_OVERLAP' },
  { name: 'hostname needs a uts namespace', bad: mk((s) => { s.hostname = 'box'; s.linux!.namespaces!.splice(3, 1); }), good: mk((s) => { s.hostname = 'box'; }), pointer: '/hostname', code: 'HOSTNAME_WITHOUT_UTS', message: 'hostname is set but linux.namespaces has no "uts" namespace: it would rename the host' },
  { name: 'domainname needs a uts namespace', bad: mk((s) => { s.domainname = 'example.org'; s.linux!.namespaces!.splice(3, 1); }), good: mk((s) => { s.domainname = 'example.org'; }), pointer: '/domainname', code: 'DOMAINNAME_WITHOUT_UTS' },
  { name: 'maskedPaths need a mount namespace', bad: mk((s) => { s.linux!.maskedPaths = ['/proc/kcore']; s.linux!.namespaces!.splice(1, 1); }), good: mk((s) => { s.linux!.maskedPaths = ['/proc/kcore']; }), pointer: '/linux/maskedPaths', code: 'PATHS_WITHOUT_MOUNTNS' },
  { name: 'readonlyPaths need a mount namespace', bad: mk((s) => { s.linux!.readonlyPaths = ['/proc/sys']; s.linux!.namespaces!.splice(1, 1); }), good: mk((s) => { s.linux!.readonlyPaths = ['/proc/sys']; }), pointer: '/linux/readonlyPaths', code: 'PATHS_WITHOUT_MOUNTNS' },
  { name: 'timeOffsets need a new time namespace', bad: mk((s) => { s.linux!.timeOffsets = { monotonic: { secs: 10 } }; s.linux!.namespaces!.push({ type: 'time', path: '/proc/1/ns/time' }); }), good: mk((s) => { s.linux!.timeOffsets = { monotonic: { secs: 10 } }; s.linux!.namespaces!.push({ type: 'time' }); }), pointer: '/linux/timeOffsets', code: 'TIMEOFFSETS_WITHOUT_TIMENS' },
  { name: 'IPC sysctl needs an ipc namespace', bad: mk((s) => { s.linux!.sysctl = { 'kernel.shmmax': '1000' }; s.linux!.namespaces!.splice(2, 1); }), good: mk((s) => { s.linux!.sysctl = { 'kernel.shmmax': '1000', 'fs.mqueue.msg_max': '10' }; }), pointer: '/linux/sysctl/kernel.shmmax', code: 'SYSCTL_NEEDS_IPC_NS', message: 'linux.sysctl "kernel.shmmax" is only allowed with an "ipc" namespace: without one it would change the host' },
  { name: 'fs.mqueue sysctl needs an ipc namespace', bad: mk((s) => { s.linux!.sysctl = { 'fs/mqueue/msg_max': '10' }; s.linux!.namespaces!.splice(2, 1); }), good: mk((s) => { s.linux!.sysctl = { 'fs/mqueue/msg_max': '10' }; }), pointer: '/linux/sysctl/fs~1mqueue~1msg_max', code: 'SYSCTL_NEEDS_IPC_NS' },
  { name: 'net sysctl needs a network namespace', bad: mk((s) => { s.linux!.sysctl = { 'net.ipv4.ip_forward': '1' }; s.linux!.namespaces!.splice(4, 1); }), good: mk((s) => { s.linux!.sysctl = { 'net.ipv4.ip_forward': '1', 'net/ipv4/conf/eth0.100/rp_filter': '0' }; }), pointer: '/linux/sysctl/net.ipv4.ip_forward', code: 'SYSCTL_NEEDS_NET_NS' },
  { name: 'kernel.hostname sysctl conflicts with hostname', bad: mk((s) => { s.linux!.sysctl = { 'kernel.hostname': 'x' }; }), good: mk((s) => { s.linux!.sysctl = { 'kernel.domainname': 'x' }; }), pointer: '/linux/sysctl/kernel.hostname', code: 'SYSCTL_HOSTNAME_CONFLICT' },
  { name: 'non-namespaced sysctl', bad: mk((s) => { s.linux!.sysctl = { 'vm.swappiness': '10' }; }), good: base(), pointer: '/linux/sysctl/vm.swappiness', code: 'SYSCTL_NOT_NAMESPACED' },
  { name: 'kernel.domainname needs a uts namespace', bad: mk((s) => { s.linux!.sysctl = { 'kernel.domainname': 'x' }; s.linux!.namespaces!.splice(3, 1); }), good: mk((s) => { s.linux!.sysctl = { 'kernel.domainname': 'x' }; }), pointer: '/linux/sysctl/kernel.domainname', code: 'SYSCTL_NOT_NAMESPACED' },
  { name: 'relative mount destination', bad: mk((s) => { s.mounts = [{ destination: 'tmp', type: 'tmpfs', source: 'tmpfs' }]; }), good: mk((s) => { s.mounts = [{ destination: '/tmp', type: 'tmpfs', source: 'tmpfs' }]; }), pointer: '/mounts/0/destination', code: 'MOUNT_DESTINATION_RELATIVE' },
  { name: 'NUL byte in a mount source', bad: mk((s) => { s.mounts = [{ destination: '/data', source: '/srv\0/x', options: ['rbind'] }]; }), good: mk((s) => { s.mounts = [{ destination: '/data', source: '/srv/x', options: ['rbind'] }]; }), pointer: '/mounts/0/source', code: 'MOUNT_NUL_BYTE' },
  { name: 'bind mount without source', bad: mk((s) => { s.mounts = [{ destination: '/data', options: ['bind'] }]; }), good: mk((s) => { s.mounts = [{ destination: '/data', source: '/srv', options: ['bind'] }]; }), pointer: '/mounts/0/source', code: 'MOUNT_BIND_SOURCE' },
  { name: 'unknown option on a bind mount', bad: mk((s) => { s.mounts = [{ destination: '/data', source: '/srv', options: ['rbind', 'readonly'] }]; }), good: mk((s) => { s.mounts = [{ destination: '/data', source: '/srv', options: ['rbind', 'ro', 'rprivate', 'idmap=uids=0-1000-10;gids=0-1000-10', 'z'] }, { destination: '/t', type: 'tmpfs', source: 'tmpfs', options: ['size=64k', 'mode=1777', 'uid=0'] }]; }), pointer: '/mounts/0/options/1', code: 'MOUNT_OPTION_UNKNOWN', message: 'mounts[0].options[1] "readonly" is not a mount flag, and a bind mount ignores filesystem options (known flags: ro, rw, nosuid, nodev, noexec, rbind, rprivate, rro, ...)' },
  { name: 'idmapped mount must be a bind mount', bad: mk((s) => { s.linux!.namespaces!.push({ type: 'user', path: '/proc/1/ns/user' }); s.mounts = [{ destination: '/data', type: 'tmpfs', source: 'tmpfs', options: ['idmap'] }]; }), good: mk((s) => { s.linux!.namespaces!.push({ type: 'user', path: '/proc/1/ns/user' }); s.mounts = [{ destination: '/data', source: '/srv', options: ['rbind', 'idmap'] }]; }), pointer: '/mounts/0', code: 'MOUNT_IDMAP_NOT_BIND' },
  { name: 'idmapped mount without mappings of its own needs a user namespace', bad: mk((s) => { s.mounts = [{ destination: '/data', source: '/srv', options: ['bind', 'idmap'] }]; }), good: mk((s) => { s.mounts = [{ destination: '/data', source: '/srv', options: ['bind', 'idmap'], uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }], gidMappings: [{ containerID: 0, hostID: 1000, size: 1 }] }]; }), pointer: '/mounts/0', code: 'MOUNT_IDMAP_WITHOUT_USERNS' },
  { name: 'device path must be absolute', bad: mk((s) => { s.linux!.devices = [{ type: 'c', path: 'dev/fuse', major: 10, minor: 229 }]; }), good: mk((s) => { s.linux!.devices = [{ type: 'c', path: '/dev/fuse', major: 10, minor: 229 }]; }), pointer: '/linux/devices/0/path', code: 'DEVICE_PATH_RELATIVE' },
  { name: 'char device needs major/minor', bad: mk((s) => { s.linux!.devices = [{ type: 'c', path: '/dev/fuse' }]; }), good: mk((s) => { s.linux!.devices = [{ type: 'p', path: '/dev/fifo' }]; }), pointer: '/linux/devices/0', code: 'DEVICE_NUMBERS_REQUIRED', message: 'linux.devices[0] of type "c" needs major and minor numbers' },
  { name: 'device cgroup type', bad: mk((s) => { s.linux!.resources = { devices: [{ allow: true, type: 'u', access: 'rwm' }] }; }), good: mk((s) => { s.linux!.resources = { devices: [{ allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }] }; }), pointer: '/linux/resources/devices/0/type', code: 'DEVICE_CGROUP_TYPE' },
  { name: 'device cgroup access', bad: mk((s) => { s.linux!.resources = { devices: [{ allow: false, access: 'x' }] }; }), good: mk((s) => { s.linux!.resources = { devices: [{ allow: false, access: 'rwa' }] }; }), pointer: '/linux/resources/devices/0/access', code: 'DEVICE_CGROUP_ACCESS' },
  { name: 'memory+swap below memory', bad: mk((s) => { s.linux!.resources = { memory: { limit: 200 << 20, swap: 100 << 20 } }; }), good: mk((s) => { s.linux!.resources = { memory: { limit: 200 << 20, swap: -1 } }; }), pointer: '/linux/resources/memory/swap', code: 'MEMORY_SWAP_BELOW_LIMIT' },
  { name: 'systemd cgroupsPath format', opts: { systemdCgroup: true }, bad: mk((s) => { s.linux!.cgroupsPath = '/machine/abc'; }), good: mk((s) => { s.linux!.cgroupsPath = 'system.slice:docker:abc'; }), pointer: '/linux/cgroupsPath', code: 'CGROUPS_PATH_SYSTEMD', message: 'linux.cgroupsPath must be "slice:prefix:name" for the systemd cgroup driver, found string "/machine/abc"' },
  { name: 'cgroupfs cgroupsPath without ..', bad: mk((s) => { s.linux!.cgroupsPath = '/oci/../../escape'; }), good: mk((s) => { s.linux!.cgroupsPath = '/oci/abc'; }), pointer: '/linux/cgroupsPath', code: 'CGROUPS_PATH_DOTDOT' },
  { name: 'intelRdt closID is a plain name', bad: mk((s) => { s.linux!.intelRdt = { closID: '../info' }; }), good: mk((s) => { s.linux!.intelRdt = { closID: 'guaranteed' }; }), pointer: '/linux/intelRdt/closID', code: 'INTELRDT_CLOSID' },
  { name: 'netDevices need a network namespace', bad: mk((s) => { s.linux!.netDevices = { eth1: {} }; s.linux!.namespaces!.splice(4, 1); }), good: mk((s) => { s.linux!.netDevices = { eth1: { name: 'ctr0' } }; }), pointer: '/linux/netDevices/eth1', code: 'NETDEVICE_WITHOUT_NETNS' },
  { name: 'netDevices name is an interface name', bad: mk((s) => { s.linux!.netDevices = { eth1: { name: 'a-very-long-interface-name' } }; }), good: mk((s) => { s.linux!.netDevices = { eth1: { name: 'veth-ok' } }; }), pointer: '/linux/netDevices/eth1/name', code: 'NETDEVICE_NAME' },
  { name: 'seccomp notify as default action', bad: mk((s) => { s.linux!.seccomp = { defaultAction: 'SCMP_ACT_NOTIFY', listenerPath: '/run/agent.sock' }; }), good: mk((s) => { s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/agent.sock', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] }; }), pointer: '/linux/seccomp/defaultAction', code: 'SECCOMP_NOTIFY_DEFAULT' },
  { name: 'seccomp notify needs listenerPath', bad: mk((s) => { s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] }; }), good: mk((s) => { s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] }; }), pointer: '/linux/seccomp/listenerPath', code: 'SECCOMP_LISTENER_REQUIRED' },
  { name: 'seccomp notify on write', bad: mk((s) => { s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/a.sock', syscalls: [{ names: ['write'], action: 'SCMP_ACT_NOTIFY' }] }; }), good: mk((s) => { s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/a.sock', syscalls: [{ names: ['writev'], action: 'SCMP_ACT_NOTIFY' }] }; }), pointer: '/linux/seccomp/syscalls/0/names', code: 'SECCOMP_NOTIFY_WRITE' },
  { name: 'seccomp errnoRet needs an errno action', bad: mk((s) => { s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_KILL', errnoRet: 1 }] }; }), good: mk((s) => { s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] }; }), pointer: '/linux/seccomp/syscalls/0/errnoRet', code: 'SECCOMP_ERRNORET_ACTION' },
  { name: 'seccomp defaultErrnoRet needs an errno default', bad: mk((s) => { s.linux!.seccomp = { defaultAction: 'SCMP_ACT_KILL', defaultErrnoRet: 1 }; }), good: mk((s) => { s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1 }; }), pointer: '/linux/seccomp/defaultErrnoRet', code: 'SECCOMP_ERRNORET_ACTION' },
  { name: 'seccomp arg index 0-5', bad: mk((s) => { s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['ioctl'], action: 'SCMP_ACT_ERRNO', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }] }; }), good: mk((s) => { s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['ioctl'], action: 'SCMP_ACT_ERRNO', args: [{ index: 5, value: 1, op: 'SCMP_CMP_EQ' }] }] }; }), pointer: '/linux/seccomp/syscalls/0/args/0/index', code: 'SECCOMP_ARG_INDEX' },
];

t.same(checkConfig(base(), { forStart: true }), [], 'the base config has no problems');

for (const r of rules) {
  t.test(r.name, async (t) => {
    const problems = checkConfig(r.bad, r.opts);
    const hit = problems.filter((p) => p.code === r.code);
    t.equal(hit.length, 1, `exactly one ${r.code}: ${problems.map((p) => p.message).join(' | ')}`);
    t.equal(hit[0]?.pointer, r.pointer, 'pointer');
    t.ok(hit[0]?.message.length > 20, 'a message');
    if (r.message !== undefined) t.match(hit[0]?.message, r.message, 'message');
    t.same(problems.filter((p) => p.code !== r.code), [], 'no other problem');
    t.same(codes(r.good, r.opts), [], 'the corrected config passes');
  });
}

t.test('joining a user namespace by path needs no mappings', async (t) => {
  t.same(codes(mk((s) => { s.linux!.namespaces!.push({ type: 'user', path: '/proc/1/ns/user' }); })), []);
});

t.test('without forStart, a config without process is fine (create-only use)', async (t) => {
  t.same(codes(mk((s) => { delete s.process; })), []);
});

t.test('defaultConfig passes every check, rootful and rootless', async (t) => {
  t.same(checkConfig(defaultConfig(), { forStart: true }), []);
  t.same(checkConfig(defaultConfig({ rootless: true, uid: 1000, gid: 1000 }), { forStart: true }), []);
});

t.test('MOUNT_OPTIONS knows every option `runc features` lists', async (t) => {
  const { readFileSync } = await import('node:fs');
  const features = JSON.parse(readFileSync(new URL('./samples/features/runc-1.1.5.json', import.meta.url), 'utf8'));
  t.same(features.mountOptions.filter((o: string) => !MOUNT_OPTIONS.has(o)), []);
});

t.test('the sample using every Linux field parses with every check', async (t) => {
  const { readFileSync } = await import('node:fs');
  const { parseConfig } = await import('../src/index.ts');
  const spec = parseConfig(readFileSync(new URL('./samples/config/full.json', import.meta.url)), { forStart: true });
  t.equal(spec.linux?.seccomp?.syscalls?.length, 5);
  t.equal(spec.linux?.timeOffsets?.boottime?.secs, -5);
});

t.test('unknown capability names are warnings, not problems (config.md: logged, the container still runs)', async (t) => {
  const { checkWarnings } = await import('../src/check.ts');
  const bad = mk((s) => { s.process!.capabilities = { bounding: ['CAP_KILL', 'CAP_NET_BIND'] }; });
  t.same(checkConfig(bad).filter((p) => p.code === 'CAPABILITY_UNKNOWN'), [], 'not a problem of the config');
  t.same(checkWarnings(bad), [{ pointer: '/process/capabilities/bounding/1', code: 'CAPABILITY_UNKNOWN', message: 'process.capabilities.bounding[1] is not a known Linux capability (CAP_CHOWN ... CAP_CHECKPOINT_RESTORE), found string "CAP_NET_BIND"', value: 'CAP_NET_BIND' }]);
  t.same(checkWarnings(mk((s) => { s.process!.capabilities = { bounding: ['CAP_KILL', 'CAP_CHECKPOINT_RESTORE'] }; })), []);
});
