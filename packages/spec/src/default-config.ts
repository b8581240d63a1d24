// The config `oci-ts spec` prints: the same JSON as `runc spec` (runc 1.1.5,
// libcontainer/specconv/example.go) and `runc spec --rootless`, except ociVersion.
import type { Spec } from './generated/types.ts';

/** The runtime-spec version this package's schema and types follow. */
export const OCI_VERSION = '1.2.1';

export interface DefaultConfigOptions {
  /** Like `runc spec --rootless`: a user namespace mapping the caller to root, no network namespace, /sys bind-mounted. */
  rootless?: boolean;
  /** Host uid/gid mapped to root in rootless mode (default: the effective uid/gid of this process, as runc). */
  uid?: number;
  gid?: number;
}

/** A fresh default config (a new object every call; callers may mutate it). */
export function defaultConfig(opts: DefaultConfigOptions = {}): Spec {
  const caps = () => ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
  const spec: Spec = {
    ociVersion: OCI_VERSION,
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: { bounding: caps(), effective: caps(), permitted: caps(), ambient: caps() },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'runc',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
    ],
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      maskedPaths: ['/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi'],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
  if (opts.rootless) toRootless(spec, opts.uid ?? process.geteuid?.() ?? 0, opts.gid ?? process.getegid?.() ?? 0);
  return spec;
}

/** runc specconv.ToRootless: what an unprivileged user can set up. */
function toRootless(spec: Spec, uid: number, gid: number): void {
  const linux = spec.linux!;
  // No network namespace: an unprivileged user cannot configure one usefully (slirp is the caller's job).
  linux.namespaces = linux.namespaces!.filter((n) => n.type !== 'network');
  linux.namespaces.push({ type: 'user' });
  linux.uidMappings = [{ containerID: 0, hostID: uid, size: 1 }];
  linux.gidMappings = [{ containerID: 0, hostID: gid, size: 1 }];
  // Keep the field order runc prints: uidMappings, gidMappings, namespaces, ...
  const { namespaces, maskedPaths, readonlyPaths } = linux;
  spec.linux = { uidMappings: linux.uidMappings, gidMappings: linux.gidMappings, namespaces, maskedPaths, readonlyPaths };
  spec.mounts = spec.mounts!.map((m) => {
    // sysfs cannot be mounted without a network namespace owned by the user: bind the host's /sys.
    if (m.type === 'sysfs') return { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] };
    // gid=5 (tty) is not mapped in a single-id user namespace.
    return m.options ? { ...m, options: m.options.filter((o) => !o.startsWith('gid=') && !o.startsWith('uid=')) } : m;
  });
  // Device cgroup rules need cgroup privileges a rootless user lacks.
}
