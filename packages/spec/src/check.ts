// Semantic checks the schema cannot express: relations between fields and
// the rules runc applies in libcontainer/configs/validate and specconv.
// Each check returns Problems (never throws) so a user sees everything at once.
// They assume a schema-valid Spec (parseConfig only runs them then).
import type { Hook, LinuxNamespaceType, Mount, Spec } from './generated/types.ts';
import { CAPABILITIES } from './capabilities.ts';
import { RLIMITS } from './rlimits.ts';
import type { Problem } from './problem.ts';
import { describe } from './problem.ts';
import { join } from './pointer.ts';

export interface CheckOptions {
  /** Also require what `start`/`run` need: process with args (runtime-spec: process is REQUIRED when start is called). */
  forStart?: boolean;
  /** The systemd cgroup driver is used: cgroupsPath must be "slice:prefix:name" (runc --systemd-cgroup). */
  systemdCgroup?: boolean;
}

/** Major versions of the runtime-spec this package understands. */
export const SUPPORTED_MAJOR = 1;

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

type Add = (pointer: string, code: string, message: string, value?: unknown) => void;

/** Semantic checks of a schema-valid config; returns every problem found. */
export function checkConfig(config: Spec, opts: CheckOptions = {}): Problem[] {
  const problems: Problem[] = [];
  const add: Add = (pointer, code, message, value) => {
    const p: Problem = { pointer, code, message };
    if (value !== undefined) p.value = value;
    problems.push(p);
  };

  // ociVersion: SemVer, same major (runtime-spec "Specification version": compatible within a major).
  const m = SEMVER.exec(config.ociVersion);
  if (!m) add('/ociVersion', 'OCI_VERSION_INVALID', `ociVersion must be a SemVer 2.0 version like "1.2.0", found ${describe(config.ociVersion)}`, config.ociVersion);
  else if (Number(m[1]) !== SUPPORTED_MAJOR) add('/ociVersion', 'OCI_VERSION_UNSUPPORTED', `ociVersion ${config.ociVersion} is not supported: this runtime implements runtime-spec ${SUPPORTED_MAJOR}.x`, config.ociVersion);

  // root (config.md "Root": REQUIRED on Linux; runc: "root must be specified").
  if (!config.root) add('/root', 'ROOT_REQUIRED', 'root is required on Linux (the container\'s root filesystem)');
  else if (config.root.path === '') add('/root/path', 'ROOT_PATH_EMPTY', 'root.path must name the rootfs directory, found an empty string', '');

  checkProcess(config, opts, add);
  checkHooks(config, add);
  const ns = checkNamespaces(config, add);
  checkIdMappings(config, ns, add);
  checkMounts(config, ns, add);
  checkLinux(config, ns, opts, add);
  return problems;
}

/**
 * What a runtime must warn about but not refuse: today capability names it
 * does not know (config.md "process.capabilities": logged as a warning, the
 * container still runs). Linters may treat these as findings.
 */
export function checkWarnings(config: Spec): Problem[] {
  const problems: Problem[] = [];
  const caps = config.process?.capabilities;
  if (caps) {
    for (const set of ['bounding', 'effective', 'inheritable', 'permitted', 'ambient'] as const) {
      caps[set]?.forEach((c, i) => {
        if (!Object.hasOwn(CAPABILITIES, c)) problems.push({ pointer: `/process/capabilities/${set}/${i}`, code: 'CAPABILITY_UNKNOWN', message: `process.capabilities.${set}[${i}] is not a known Linux capability (CAP_CHOWN ... CAP_CHECKPOINT_RESTORE), found ${describe(c)}`, value: c });
      });
    }
  }
  return problems;
}

function checkProcess(config: Spec, opts: CheckOptions, add: Add): void {
  const p = config.process;
  if (!p) {
    if (opts.forStart) add('/process', 'PROCESS_REQUIRED', 'process is required to start the container (runtime-spec: process is REQUIRED when start is called)');
    return;
  }
  if (opts.forStart && (!p.args || p.args.length === 0)) add('/process/args', 'PROCESS_ARGS_EMPTY', 'process.args must name the program to run, found ' + (p.args ? 'an empty array' : 'nothing'), p.args);
  // execve(2) takes NUL-terminated strings: "a\0b" would run as "a" (or,
  // worse, be joined to "ab"). runc refuses it (Go's exec: invalid argument).
  p.args?.forEach((a, i) => { if (typeof a === 'string' && a.includes('\0')) add(`/process/args/${i}`, 'ARGS_NUL_BYTE', `process.args[${i}] must not contain a NUL byte`, a); });
  // config.md "Process": cwd "MUST be an absolute path".
  if (!p.cwd.startsWith('/')) add('/process/cwd', 'PROCESS_CWD_RELATIVE', `process.cwd must be an absolute path, found ${describe(p.cwd)}`, p.cwd);
  // config.md: env entries are KEY=value; runc's prepareEnv rejects others.
  p.env?.forEach((e, i) => {
    const eq = e.indexOf('=');
    if (eq <= 0) add(`/process/env/${i}`, 'ENV_INVALID', `process.env[${i}] must be "KEY=value" with a non-empty KEY, found ${describe(e)}`, e);
    else if (e.includes('\0')) add(`/process/env/${i}`, 'ENV_INVALID', `process.env[${i}] must not contain a NUL byte`, e);
  });
  // Unknown capability names are not an error: config.md "process.capabilities"
  // says a value that cannot be mapped to a kernel interface MUST be logged
  // as a warning and runtimes SHOULD NOT fail (runc 1.1.5: "ignoring unknown
  // or unavailable capabilities"). checkWarnings reports them.
  // Rlimits (config.md POSIX process: type names from getrlimit(2), no duplicates).
  const seen = new Map<string, number>();
  p.rlimits?.forEach((r, i) => {
    const ptr = `/process/rlimits/${i}`;
    if (!Object.hasOwn(RLIMITS, r.type)) add(`${ptr}/type`, 'RLIMIT_UNKNOWN', `process.rlimits[${i}].type is not a Linux resource limit (see getrlimit(2)), found ${describe(r.type)}`, r.type);
    const prev = seen.get(r.type);
    if (prev !== undefined) add(`${ptr}/type`, 'RLIMIT_DUPLICATE', `process.rlimits[${i}].type ${r.type} is already set by process.rlimits[${prev}] (runtime-spec: no duplicate types)`, r.type);
    else seen.set(r.type, i);
    if (r.soft > r.hard) add(`${ptr}/soft`, 'RLIMIT_SOFT_ABOVE_HARD', `process.rlimits[${i}].soft (${r.soft}) must not exceed hard (${r.hard}): setrlimit(2) fails with EINVAL`, r.soft);
  });
  // sched_setattr(2) rules as runc's validate.scheduler applies them.
  const s = p.scheduler;
  if (s) {
    if (s.nice !== undefined && (s.nice < -20 || s.nice > 19)) add('/process/scheduler/nice', 'SCHEDULER_NICE_RANGE', `process.scheduler.nice must be between -20 and 19, found ${s.nice}`, s.nice);
    if (s.priority && s.policy !== 'SCHED_FIFO' && s.policy !== 'SCHED_RR') add('/process/scheduler/priority', 'SCHEDULER_PRIORITY_POLICY', `process.scheduler.priority can only be set for SCHED_FIFO or SCHED_RR, found policy ${s.policy}`, s.priority);
    if (s.policy !== 'SCHED_DEADLINE') for (const k of ['runtime', 'deadline', 'period'] as const) {
      if (s[k] !== undefined && s[k] != 0) add(`/process/scheduler/${k}`, 'SCHEDULER_DEADLINE_ONLY', `process.scheduler.${k} can only be set for SCHED_DEADLINE, found policy ${s.policy}`, s[k]);
    }
  }
  // ioprio_set(2): RT and BE levels are 0 (highest) to 7.
  const io = p.ioPriority;
  if (io?.priority !== undefined && (io.priority < 0 || io.priority > 7)) add('/process/ioPriority/priority', 'IOPRIORITY_RANGE', `process.ioPriority.priority must be between 0 and 7 (ioprio_set(2)), found ${io.priority}`, io.priority);
}

function checkHooks(config: Spec, add: Add): void {
  // config.md "POSIX-platform Hooks": path MUST be absolute.
  for (const [stage, hooks] of Object.entries(config.hooks ?? {}) as [string, Hook[] | undefined][]) {
    hooks?.forEach((h, i) => {
      if (!h.path.startsWith('/')) add(`/hooks/${stage}/${i}/path`, 'HOOK_PATH_RELATIVE', `hooks.${stage}[${i}].path must be an absolute path, found ${describe(h.path)}`, h.path);
    });
  }
}

interface Namespaces {
  has(t: LinuxNamespaceType): boolean;
  /** Created, not joined by path. */
  isPrivate(t: LinuxNamespaceType): boolean;
}

function checkNamespaces(config: Spec, add: Add): Namespaces {
  const found = new Map<string, { index: number; path?: string }>();
  config.linux?.namespaces?.forEach((n, i) => {
    const prev = found.get(n.type);
    // runc specconv: "malformed spec file: duplicated ns".
    if (prev) add(`/linux/namespaces/${i}/type`, 'NAMESPACE_DUPLICATE', `linux.namespaces[${i}]: namespace type "${n.type}" is already listed at linux.namespaces[${prev.index}]${n.path || prev.path ? ' (a namespace is either created or joined by path, once)' : ''}`, n.type);
    else found.set(n.type, { index: i, path: n.path });
    // setns(2) needs a file: a relative path would depend on the runtime's cwd.
    if (n.path !== undefined && !n.path.startsWith('/')) add(`/linux/namespaces/${i}/path`, 'NAMESPACE_PATH_RELATIVE', `linux.namespaces[${i}].path must be an absolute path to a namespace file like /proc/<pid>/ns/${n.type === 'network' ? 'net' : n.type}, found ${describe(n.path)}`, n.path);
  });
  return {
    has: (t) => found.has(t),
    isPrivate: (t) => found.has(t) && !found.get(t)!.path,
  };
}

function checkIdMappings(config: Spec, ns: Namespaces, add: Add): void {
  const l = config.linux;
  if (!l) return;
  const uid = l.uidMappings, gid = l.gidMappings;
  if (!ns.has('user')) {
    // runc validate.namespaces: "User namespace mappings specified, but USER namespace isn't enabled in the config".
    if (uid?.length) add('/linux/uidMappings', 'USERNS_MAPPINGS_WITHOUT_USERNS', 'linux.uidMappings is set but linux.namespaces has no "user" namespace', uid);
    if (gid?.length) add('/linux/gidMappings', 'USERNS_MAPPINGS_WITHOUT_USERNS', 'linux.gidMappings is set but linux.namespaces has no "user" namespace', gid);
    return;
  }
  if (!ns.isPrivate('user')) return; // joined: the mappings are the namespace's own
  // A new user namespace without maps has no mapped ids: nothing in it could run (user_namespaces(7)).
  if (!uid?.length) add('/linux/uidMappings', 'USERNS_WITHOUT_MAPPINGS', 'linux.uidMappings must map at least one id when a new user namespace is created');
  if (!gid?.length) add('/linux/gidMappings', 'USERNS_WITHOUT_MAPPINGS', 'linux.gidMappings must map at least one id when a new user namespace is created');
  const maps = (v: typeof uid, what: 'uidMappings' | 'gidMappings') => {
    if (!v?.length) return;
    // runc HostRootUID/GID: "no root user mapping found".
    if (!v.some((mp) => mp.containerID === 0 && mp.size > 0)) add(`/linux/${what}`, 'USERNS_NO_ROOT_MAPPING', `linux.${what} must map container id 0 (the container's root), found no mapping that starts at containerID 0`, v);
    // The kernel rejects overlapping ranges with EINVAL (user_namespaces(7) "Defining user and group ID mappings").
    const r = v.map((mp, i) => ({ ...mp, i })).sort((a, b) => a.containerID - b.containerID);
    for (let i = 1; i < r.length; i++) if (r[i].containerID < r[i - 1].containerID + r[i - 1].size) add(`/linux/${what}/${r[i].i}`, 'IDMAP_OVERLAP', `linux.${what}[${r[i].i}] overlaps linux.${what}[${r[i - 1].i}] in container ids`, v[r[i].i]);
  };
  maps(uid, 'uidMappings');
  maps(gid, 'gidMappings');
  // setuid(2)/setgid(2)/setgroups(2) fail with EINVAL for ids without a mapping in
  // the container's user namespace: say so now instead of from the container's init.
  const user = config.process?.user;
  if (!user) return;
  const mapped = (v: typeof uid, id: number) => !!v?.some((mp) => id >= mp.containerID && id < mp.containerID + mp.size);
  if (uid?.length && !mapped(uid, user.uid ?? 0)) add('/process/user/uid', 'USER_NOT_MAPPED', `process.user.uid ${user.uid ?? 0} is not mapped by linux.uidMappings`, user.uid ?? 0);
  if (gid?.length && !mapped(gid, user.gid ?? 0)) add('/process/user/gid', 'USER_NOT_MAPPED', `process.user.gid ${user.gid ?? 0} is not mapped by linux.gidMappings`, user.gid ?? 0);
  user.additionalGids?.forEach((g, i) => {
    if (gid?.length && !mapped(gid, g)) add(`/process/user/additionalGids/${i}`, 'USER_NOT_MAPPED', `process.user.additionalGids[${i}] ${g} is not mapped by linux.gidMappings`, g);
  });
}

/**
 * Mount options runc understands (specconv: mountFlags, propagation, recursive
 * attributes, extensions, idmap) plus SELinux relabel hints. Any other option
 * is filesystem data for mount(2), which a bind mount ignores.
 */
export const MOUNT_OPTIONS: ReadonlySet<string> = new Set([
  'acl', 'async', 'atime', 'bind', 'defaults', 'dev', 'diratime', 'dirsync', 'exec', 'iversion', 'lazytime', 'loud', 'mand',
  'noacl', 'noatime', 'nodev', 'nodiratime', 'noexec', 'noiversion', 'nolazytime', 'nomand', 'norelatime', 'nostrictatime',
  'nosuid', 'nosymfollow', 'rbind', 'relatime', 'remount', 'ro', 'rw', 'silent', 'strictatime', 'suid', 'sync', 'symfollow',
  'private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave', 'unbindable', 'runbindable',
  'rro', 'rrw', 'rnosuid', 'rsuid', 'rnodev', 'rdev', 'rnoexec', 'rexec', 'rnodiratime', 'rdiratime', 'rrelatime', 'rnorelatime',
  'rnoatime', 'ratime', 'rstrictatime', 'rnostrictatime', 'rnosymfollow', 'rsymfollow',
  'tmpcopyup', 'idmap', 'ridmap', 'z', 'Z',
]);

const isBind = (m: Mount) => (m.options ?? []).some((o) => o === 'bind' || o === 'rbind') || m.type === 'bind';

function checkMounts(config: Spec, ns: Namespaces, add: Add): void {
  config.mounts?.forEach((m, i) => {
    const ptr = `/mounts/${i}`;
    // config.md "Mounts": destination is a path inside the container; runc only warns on
    // relative ones (deprecated), we refuse them: every destination is resolved from /.
    if (!m.destination.startsWith('/')) add(`${ptr}/destination`, 'MOUNT_DESTINATION_RELATIVE', `mounts[${i}].destination must be an absolute path inside the container, found ${describe(m.destination)}`, m.destination);
    for (const k of ['source', 'destination', 'type'] as const) {
      if (m[k]?.includes('\0')) add(`${ptr}/${k}`, 'MOUNT_NUL_BYTE', `mounts[${i}].${k} must not contain a NUL byte`, m[k]);
    }
    m.options?.forEach((o, j) => { if (o.includes('\0')) add(`${ptr}/options/${j}`, 'MOUNT_NUL_BYTE', `mounts[${i}].options[${j}] must not contain a NUL byte`, o); });
    if (isBind(m) && !m.source) add(`${ptr}/source`, 'MOUNT_BIND_SOURCE', `mounts[${i}] is a bind mount and needs a source path`);
    // mount(2) ignores the data argument with MS_BIND, so filesystem data
    // (`mode=755`, `size=1k`, as runc and crun accept them) is harmless. A bare
    // word that is no flag is refused: it reads like a misspelt flag
    // ("readonly" for "ro") that would silently leave the mount writable.
    if (isBind(m)) m.options?.forEach((o, j) => {
      if (!MOUNT_OPTIONS.has(o) && !o.includes('=')) add(`${ptr}/options/${j}`, 'MOUNT_OPTION_UNKNOWN', `mounts[${i}].options[${j}] ${JSON.stringify(o)} is not a mount flag, and a bind mount ignores filesystem options (known flags: ro, rw, nosuid, nodev, noexec, rbind, rprivate, rro, ...)`, o);
    });
    // Idmapped mounts (mount_setattr(2) MOUNT_ATTR_IDMAP): only bind mounts; runc checkIDMapMounts.
    // crun's option form `idmap=uids=...;gids=...` carries its own mappings too.
    const idmapOpt = m.options?.some((o) => o === 'idmap' || o === 'ridmap' || o.startsWith('idmap=') || o.startsWith('ridmap='));
    if (m.uidMappings || m.gidMappings || idmapOpt) {
      if (!isBind(m)) add(ptr, 'MOUNT_IDMAP_NOT_BIND', `mounts[${i}]: uidMappings/gidMappings (idmap) are only supported for bind mounts (options "bind" or "rbind")`);
      // runc 1.2: a mount with its own mappings needs no container user
      // namespace; without them the container's mappings are used, so there must be one.
      const ownMappings = (!!m.uidMappings?.length && !!m.gidMappings?.length) || m.options?.some((o) => o.startsWith('idmap=') || o.startsWith('ridmap='));
      if (!ns.has('user') && !ownMappings) add(ptr, 'MOUNT_IDMAP_WITHOUT_USERNS', `mounts[${i}]: an idmapped mount without uidMappings/gidMappings of its own uses the container's, so it needs a user namespace in linux.namespaces`);
      if (!!m.uidMappings !== !!m.gidMappings) add(ptr, 'MOUNT_IDMAP_INCOMPLETE', `mounts[${i}]: uidMappings and gidMappings must be given together`);
    }
  });
}

// sysctls that live in the IPC namespace (runc validate.sysctl, ipc_namespaces(7)).
const IPC_SYSCTLS = new Set(['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced']);

/** sysctl.d(5): "/" may separate the components instead of "."; normalise to dots. */
function sysctlName(k: string): string {
  const first = k.search(/[./]/);
  if (first === -1 || k[first] === '.') return k;
  return k.replace(/[./]/g, (c) => (c === '.' ? '/' : '.'));
}

function checkLinux(config: Spec, ns: Namespaces, opts: CheckOptions, add: Add): void {
  const l = config.linux;
  // runc validate.uts: hostname/domainname need a UTS namespace (created or joined).
  if (config.hostname && !ns.has('uts')) add('/hostname', 'HOSTNAME_WITHOUT_UTS', 'hostname is set but linux.namespaces has no "uts" namespace: it would rename the host', config.hostname);
  if (config.domainname && !ns.has('uts')) add('/domainname', 'DOMAINNAME_WITHOUT_UTS', 'domainname is set but linux.namespaces has no "uts" namespace: it would rename the host', config.domainname);
  if (!l) return;
  // runc validate.security: masking paths without a mount namespace would mask them on the host.
  if (l.maskedPaths?.length && !ns.has('mount')) add('/linux/maskedPaths', 'PATHS_WITHOUT_MOUNTNS', 'linux.maskedPaths needs a "mount" namespace: without one the host\'s paths would be masked', l.maskedPaths);
  if (l.readonlyPaths?.length && !ns.has('mount')) add('/linux/readonlyPaths', 'PATHS_WITHOUT_MOUNTNS', 'linux.readonlyPaths needs a "mount" namespace: without one the host\'s paths would be made read-only', l.readonlyPaths);
  // runc validate.namespaces: offsets need a new time namespace (time_namespaces(7)).
  if (l.timeOffsets && Object.keys(l.timeOffsets).length && !ns.isPrivate('time')) add('/linux/timeOffsets', 'TIMEOFFSETS_WITHOUT_TIMENS', 'linux.timeOffsets needs a new "time" namespace (without a path) in linux.namespaces', l.timeOffsets);

  // sysctls must be namespaced by a namespace the container owns (runc validate.sysctl).
  for (const [key, value] of Object.entries(l.sysctl ?? {})) {
    const ptr = join('/linux/sysctl', key);
    const s = sysctlName(key);
    if (IPC_SYSCTLS.has(s) || s.startsWith('fs.mqueue.')) {
      if (!ns.has('ipc')) add(ptr, 'SYSCTL_NEEDS_IPC_NS', `linux.sysctl "${key}" is only allowed with an "ipc" namespace: without one it would change the host`, value);
    } else if (s.startsWith('net.')) {
      // Joining by path may still be the host's netns; runc stats it. Here only a missing netns is refused.
      if (!ns.has('network')) add(ptr, 'SYSCTL_NEEDS_NET_NS', `linux.sysctl "${key}" is only allowed with a "network" namespace: without one it would change the host`, value);
    } else if (s === 'kernel.hostname' && ns.has('uts')) {
      add(ptr, 'SYSCTL_HOSTNAME_CONFLICT', `linux.sysctl "${key}" is not allowed: set the "hostname" field instead`, value);
    } else if (s === 'kernel.domainname' && ns.has('uts')) {
      // namespaced by UTS and has no OCI field of its own: allowed
    } else {
      add(ptr, 'SYSCTL_NOT_NAMESPACED', `linux.sysctl "${key}" is not in a namespace this container owns (allowed: IPC sysctls and fs.mqueue.* with an ipc namespace, net.* with a network namespace, kernel.domainname with a uts namespace)`, value);
    }
  }

  // Devices (config-linux.md "Devices").
  l.devices?.forEach((d, i) => {
    const ptr = `/linux/devices/${i}`;
    if (!d.path.startsWith('/')) add(`${ptr}/path`, 'DEVICE_PATH_RELATIVE', `linux.devices[${i}].path must be an absolute path inside the container, found ${describe(d.path)}`, d.path);
    // major/minor are REQUIRED for c, b and u (mknod(2) needs them) and meaningless for p.
    if (d.type !== 'p' && (d.major === undefined || d.minor === undefined)) add(ptr, 'DEVICE_NUMBERS_REQUIRED', `linux.devices[${i}] of type "${d.type}" needs major and minor numbers`);
  });
  // Device cgroup rules (runc specconv: type a|b|c). runc reads access letter
  // by letter and ignores any other than r, w, m (libcontainer/devices
  // Permissions.toSet), so "rwa" is "rw" there: accepted the same here; an
  // access with none of the three still grants or denies nothing and is refused.
  l.resources?.devices?.forEach((d, i) => {
    const ptr = `/linux/resources/devices/${i}`;
    if (d.type !== undefined && !['a', 'b', 'c'].includes(d.type)) add(`${ptr}/type`, 'DEVICE_CGROUP_TYPE', `linux.resources.devices[${i}].type must be "a", "b" or "c", found ${describe(d.type)}`, d.type);
    if (d.access !== undefined && d.access !== '' && !(/^[a-z]+$/.test(d.access) && /[rwm]/.test(d.access))) add(`${ptr}/access`, 'DEVICE_CGROUP_ACCESS', `linux.resources.devices[${i}].access must be a combination of "r", "w" and "m", found ${describe(d.access)}`, d.access);
  });
  // Memory: memory+swap below memory is refused by the v1 kernel interface (runc fs/memory.go).
  const mem = l.resources?.memory;
  if (mem?.limit !== undefined && mem.swap !== undefined && mem.limit > 0 && mem.swap > 0 && mem.swap < mem.limit) {
    add('/linux/resources/memory/swap', 'MEMORY_SWAP_BELOW_LIMIT', `linux.resources.memory.swap (memory+swap, ${mem.swap}) must be >= memory.limit (${mem.limit}) or -1`, mem.swap);
  }

  // cgroupsPath (config-linux.md "Cgroups Path").
  if (l.cgroupsPath !== undefined && l.cgroupsPath !== '') {
    const cp = l.cgroupsPath;
    if (opts.systemdCgroup) {
      if (cp.split(':').length !== 3) add('/linux/cgroupsPath', 'CGROUPS_PATH_SYSTEMD', `linux.cgroupsPath must be "slice:prefix:name" for the systemd cgroup driver, found ${describe(cp)}`, cp);
    } else if (cp.split('/').includes('..')) {
      // runc cleans the path; a ".." component is never meant and could leave the cgroup root.
      add('/linux/cgroupsPath', 'CGROUPS_PATH_DOTDOT', `linux.cgroupsPath must not contain ".." components, found ${describe(cp)}`, cp);
    }
  }

  // Intel RDT (runc validate.intelrdtCheck): closID names a directory under /sys/fs/resctrl.
  const rdt = l.intelRdt;
  if (rdt?.closID !== undefined && (rdt.closID === '.' || rdt.closID === '..' || rdt.closID.includes('/'))) add('/linux/intelRdt/closID', 'INTELRDT_CLOSID', `linux.intelRdt.closID must be a plain directory name, found ${describe(rdt.closID)}`, rdt.closID);

  // netDevices (config-linux.md "Network Devices"): moved into the container's netns.
  for (const [name, dev] of Object.entries(l.netDevices ?? {})) {
    const ptr = join('/linux/netDevices', name);
    if (!ns.has('network')) add(ptr, 'NETDEVICE_WITHOUT_NETNS', `linux.netDevices "${name}" needs a "network" namespace: it cannot be moved into the host's`);
    const newName = dev.name ?? name;
    // dev_valid_name() in net/core/dev.c: 1-15 bytes, no "/", ":" or whitespace, not "." or "..".
    if (newName === '' || newName.length > 15 || /[/:\s]/.test(newName) || newName === '.' || newName === '..') add(dev.name !== undefined ? ptr + '/name' : ptr, 'NETDEVICE_NAME', `linux.netDevices "${name}": ${describe(newName)} is not a valid interface name (1-15 characters, no "/", ":" or spaces)`, newName);
  }

  // Seccomp (config-linux.md "Seccomp", runc specconv/seccomp rules).
  const sc = l.seccomp;
  if (sc) {
    const notify = sc.syscalls?.some((s) => s.action === 'SCMP_ACT_NOTIFY');
    if (sc.defaultAction === 'SCMP_ACT_NOTIFY') add('/linux/seccomp/defaultAction', 'SECCOMP_NOTIFY_DEFAULT', 'linux.seccomp.defaultAction must not be SCMP_ACT_NOTIFY: the runtime itself could not run its remaining setup syscalls', sc.defaultAction);
    if ((notify || sc.defaultAction === 'SCMP_ACT_NOTIFY') && !sc.listenerPath) add('/linux/seccomp/listenerPath', 'SECCOMP_LISTENER_REQUIRED', 'linux.seccomp.listenerPath is required when SCMP_ACT_NOTIFY is used (the notify fd is sent there)');
    if (sc.defaultErrnoRet !== undefined && sc.defaultAction !== 'SCMP_ACT_ERRNO' && sc.defaultAction !== 'SCMP_ACT_TRACE') add('/linux/seccomp/defaultErrnoRet', 'SECCOMP_ERRNORET_ACTION', `linux.seccomp.defaultErrnoRet is only valid with defaultAction SCMP_ACT_ERRNO or SCMP_ACT_TRACE, found ${sc.defaultAction}`, sc.defaultErrnoRet);
    sc.syscalls?.forEach((s, i) => {
      const ptr = `/linux/seccomp/syscalls/${i}`;
      if (s.errnoRet !== undefined && s.action !== 'SCMP_ACT_ERRNO' && s.action !== 'SCMP_ACT_TRACE') add(`${ptr}/errnoRet`, 'SECCOMP_ERRNORET_ACTION', `linux.seccomp.syscalls[${i}].errnoRet is only valid with action SCMP_ACT_ERRNO or SCMP_ACT_TRACE, found ${s.action}`, s.errnoRet);
      // The runtime writes to the container's stdio after loading the filter (runc refuses this too).
      if (s.action === 'SCMP_ACT_NOTIFY' && s.names.includes('write')) add(`${ptr}/names`, 'SECCOMP_NOTIFY_WRITE', `linux.seccomp.syscalls[${i}]: SCMP_ACT_NOTIFY cannot be used for the write syscall`, s.names);
      s.names.forEach((n, j) => { if (n === '') add(`${ptr}/names/${j}`, 'SECCOMP_SYSCALL_NAME', `linux.seccomp.syscalls[${i}].names[${j}] must be a syscall name, found an empty string`, n); });
      // seccomp_data.args has 6 entries (seccomp(2)).
      s.args?.forEach((a, j) => { if (a.index > 5) add(`${ptr}/args/${j}/index`, 'SECCOMP_ARG_INDEX', `linux.seccomp.syscalls[${i}].args[${j}].index must be between 0 and 5 (a syscall has 6 arguments), found ${a.index}`, a.index); });
    });
  }
}
