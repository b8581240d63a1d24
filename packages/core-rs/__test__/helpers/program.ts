// What `oci-ts spec`'s default config compiles to (runc's defaults), as an
// InitProgram: the executor tests start from it and change one thing.
import type { InitProgram, MountOp } from '../../program.d.ts';

export const MS = {
  RDONLY: 1, NOSUID: 2, NODEV: 4, NOEXEC: 8, REMOUNT: 32, BIND: 4096, REC: 16384,
  PRIVATE: 1 << 18, SLAVE: 1 << 19, SHARED: 1 << 20, STRICTATIME: 1 << 24, RELATIME: 1 << 21,
};

const mount = (destination: string, fstype: string, source: string, flags: number, data = '', extra: Partial<MountOp> = {}): MountOp => ({
  destination, fstype, source, flags, data, propagation: [], remountFlags: 0, createAs: 'dir', ...extra,
});

export const CAP = { KILL: 5, NET_BIND_SERVICE: 10, AUDIT_WRITE: 29, SYS_ADMIN: 21, CHOWN: 0 };

export function defaultProgram(rootfs: string, args: string[], over: Partial<InitProgram> = {}): InitProgram {
  const caps = [CAP.AUDIT_WRITE, CAP.KILL, CAP.NET_BIND_SERVICE];
  const p: InitProgram = {
    version: 1,
    namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
    rootfs: { path: rootfs, propagation: MS.SLAVE | MS.REC, readonly: false, pivotRoot: true },
    mounts: [
      mount('/proc', 'proc', 'proc', 0),
      mount('/dev', 'tmpfs', 'tmpfs', MS.NOSUID | MS.STRICTATIME, 'mode=755,size=65536k'),
      mount('/dev/pts', 'devpts', 'devpts', MS.NOSUID | MS.NOEXEC, 'newinstance,ptmxmode=0666,mode=0620'),
      mount('/dev/shm', 'tmpfs', 'shm', MS.NOSUID | MS.NOEXEC | MS.NODEV, 'mode=1777,size=65536k'),
      mount('/dev/mqueue', 'mqueue', 'mqueue', MS.NOSUID | MS.NOEXEC | MS.NODEV),
      mount('/sys', 'sysfs', 'sysfs', MS.NOSUID | MS.NOEXEC | MS.NODEV | MS.RDONLY),
    ],
    devices: [
      ['null', 1, 3], ['zero', 1, 5], ['full', 1, 7], ['random', 1, 8], ['urandom', 1, 9], ['tty', 5, 0],
    ].map(([n, major, minor]) => ({ path: `/dev/${n}`, type: 'c' as const, major: major as number, minor: minor as number, fileMode: 0o666, uid: 0, gid: 0, bindFromHost: false })),
    symlinks: [
      { target: '/proc/self/fd', linkpath: '/dev/fd' },
      { target: '/proc/self/fd/0', linkpath: '/dev/stdin' },
      { target: '/proc/self/fd/1', linkpath: '/dev/stdout' },
      { target: '/proc/self/fd/2', linkpath: '/dev/stderr' },
      { target: 'pts/ptmx', linkpath: '/dev/ptmx' },
    ],
    maskedPaths: ['/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/sched_debug', '/sys/firmware', '/proc/scsi'],
    readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    sysctl: [],
    hostname: 'oci-ts-test',
    sessionKeyring: true,
    createContainerHooks: [],
    startContainerHooks: [],
    process: {
      args,
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      terminal: false,
      uid: 0,
      gid: 0,
      additionalGids: [],
      umask: 0o022,
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
      noNewPrivileges: true,
      rlimits: [{ resource: 7, soft: '1024', hard: '1024' }],
      preserveFds: 0,
    },
    ...over,
  };
  return p;
}
