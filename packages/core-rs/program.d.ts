/**
 * The init program: what `oci-ts create` (TypeScript) compiles a bundle's
 * config.json into, and what the Rust executor in @oci/core runs on the
 * child side with no JavaScript and no policy (see docs/init-program.md).
 *
 * Every value is resolved by the compiler: mount flags are numbers, paths are
 * absolute, capability sets are lists of capability numbers, rlimits are
 * resource numbers. The executor never looks at config.json.
 *
 * 64-bit values that may exceed 2^53 (rlimits) travel as decimal strings.
 *
 * This file is the contract between packages/cli (producer) and
 * packages/core-rs (consumer). Add fields; never rename or repurpose one.
 */

export type NamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup' | 'time';

export interface NamespaceOp {
  type: NamespaceType;
  /** Join the namespace at this path with setns(2); absent: create a new one. */
  path?: string;
}

export interface IdMapping {
  /** Contents written verbatim to /proc/<pid>/uid_map by the parent. */
  uidMap: string;
  /** Contents written verbatim to /proc/<pid>/gid_map by the parent. */
  gidMap: string;
  /** Written to /proc/<pid>/setgroups before gid_map ('deny' for rootless). */
  setgroups: 'allow' | 'deny';
}

export interface MountOp {
  /** For bind mounts an absolute host path; otherwise the fs source string. */
  source: string;
  /** Absolute path inside the container; resolved inside the rootfs, never following a symlink out of it. */
  destination: string;
  fstype: string;
  /** MS_* flags for mount(2), propagation flags excluded. */
  flags: number;
  /** Propagation flags (MS_SHARED, MS_SLAVE, MS_PRIVATE, MS_UNBINDABLE, each maybe |MS_REC) applied after, in order. */
  propagation: number[];
  /** Filesystem data string (mount options the kernel parses), may be empty. */
  data: string;
  /** When MS_BIND and any of MS_RDONLY/NOSUID/NODEV/NOEXEC/atime flags were asked: remount with these flags (MS_BIND|MS_REMOUNT|...). 0: no remount. */
  remountFlags: number;
  /** What to create at the destination when it is missing: a directory, or an empty file (bind of a non-directory). */
  createAs: 'dir' | 'file';
  /**
   * Recursive mount attributes (`rro`, `rnosuid`...): MOUNT_ATTR_* set and
   * cleared with mount_setattr(2) and AT_RECURSIVE after the mount, so they
   * also reach the submounts of a recursive bind. Absent or 0: none.
   */
  attrSet?: number;
  attrClr?: number;
  /**
   * Id-mapped bind mount (runtime-spec config.md "Mounts": uidMappings,
   * gidMappings, `idmap`, `ridmap`; mount_setattr(2) MOUNT_ATTR_IDMAP). The
   * executor clones `source` with open_tree(2) (with every submount when
   * `flags` has MS_REC), sets the mapping on the detached copy while it is
   * still in the host's user namespace, gives it the propagation of
   * `rootfs.propagation` (as a plain bind in the container gets), and
   * attaches it at `destination` with move_mount(2) instead of mount(2)
   * (step `mount-idmap`, then `mount`); remountFlags, attrSet/attrClr and
   * propagation then apply as to any bind.
   * Absent: a plain mount.
   */
  idmap?: IdmapOp;
  /**
   * `tmpcopyup` (runc EXT_COPYUP, crun; podman's default for --tmpfs), only
   * with fstype "tmpfs": the executor creates the tmpfs detached
   * (fsopen/fsconfig with `data`, fsmount with the per-mount `flags`),
   * copies the existing destination directory into it (never following a
   * symlink; mode, owner and times kept; its mode becomes the tmpfs root's
   * unless `data` has mode=, as runc), then attaches it with move_mount(2);
   * propagation and attrSet/attrClr then apply as to any mount.
   */
  copyUp?: boolean;
  /**
   * SELinux label set on the mount's root after mounting (setxattr(2)
   * `security.selinux`, runc label.SetFileLabel): `linux.mountLabel` for
   * mqueue, which cannot take `context=`. Absent: none.
   */
  fileLabel?: string;
}

export interface IdmapOp {
  /**
   * The mapping, as the uid_map/gid_map text of a user namespace the
   * executor creates for the mount ("containerID hostID size" lines: ids on
   * the filesystem (containerID) are shown as hostID). Both, or usernsPath.
   */
  uidMap?: string;
  gidMap?: string;
  /** Take the mapping of this existing user namespace instead (a joined linux user namespace). */
  usernsPath?: string;
  /** `ridmap`: every mount of the cloned tree is id-mapped (AT_RECURSIVE); `idmap`: only its top mount, as runc. */
  recursive: boolean;
}

export interface DeviceOp {
  /** Absolute path inside the container. */
  path: string;
  type: 'c' | 'b' | 'p' | 'u';
  major: number;
  minor: number;
  /** Permission bits (e.g. 0o666). */
  fileMode: number;
  uid: number;
  gid: number;
  /** Bind-mount the host's node instead of mknod (inside a user namespace, where mknod is not allowed). */
  bindFromHost: boolean;
}

export interface SymlinkOp {
  /** Link target (what the link points to), e.g. "/proc/self/fd". */
  target: string;
  /** Absolute path of the link inside the container, e.g. "/dev/fd". */
  linkpath: string;
}

export interface Rlimit {
  /** RLIMIT_* number (e.g. RLIMIT_NOFILE = 7). */
  resource: number;
  /** Decimal string: u64 may exceed 2^53 (RLIM_INFINITY = "18446744073709551615"). */
  soft: string;
  hard: string;
}

export interface Capabilities {
  /** Capability numbers (CAP_CHOWN = 0, ...). */
  bounding: number[];
  effective: number[];
  inheritable: number[];
  permitted: number[];
  ambient: number[];
}

export interface SeccompOp {
  /** Classic BPF, 8 bytes per instruction (struct sock_filter), base64. */
  bpf: string;
  /** SECCOMP_FILTER_FLAG_* for seccomp(2). */
  flags: number;
  /** Load before waiting for start (true) or just before execve (false). runc loads it last. */
  notify: boolean;
  /**
   * linux.seccomp.listenerPath: with SECCOMP_FILTER_FLAG_NEW_LISTENER in
   * `flags`, the executor connects to this unix socket before pivot_root and
   * sends the listener fd (SCM_RIGHTS) with the container process state JSON
   * (runtime-spec config-linux.md#seccomp, as runc: {ociVersion, fds:
   * ["seccompFd"], pid, metadata, state}).
   */
  listenerPath?: string;
  /** linux.seccomp.listenerMetadata, passed in that state. */
  listenerMetadata?: string;
}

export interface ProcessProgram {
  /** argv; args[0] is looked up in PATH from env inside the container when not absolute. */
  args: string[];
  env: string[];
  /** Absolute path inside the container. */
  cwd: string;
  /** Allocate a pty inside the container and send the master over consoleSocket. */
  terminal: boolean;
  consoleSize?: { height: number; width: number };
  uid: number;
  gid: number;
  additionalGids: number[];
  /** Absent: leave the umask as it is (runc default 0022 comes from the compiler). */
  umask?: number;
  capabilities: Capabilities;
  noNewPrivileges: boolean;
  rlimits: Rlimit[];
  oomScoreAdj?: number;
  apparmorProfile?: string;
  selinuxLabel?: string;
  /** personality(2) domain value (PER_LINUX = 0, PER_LINUX32 = 8). */
  personality?: number;
  /** ioprio_set(2) value already encoded (class << 13 | priority). */
  ioPriority?: number;
  scheduler?: { policy: number; nice: number; priority: number; flags: number; runtime?: string; deadline?: string; period?: string };
  seccomp?: SeccompOp;
  /** Exec this many fds after 0-2 as 3..3+n-1 (the fds handed to spawnInit). */
  preserveFds: number;
}

export interface HookOp {
  path: string;
  args: string[];
  env: string[];
  timeout?: number;
}

export interface InitProgram {
  version: 1;
  /** In execution order; the executor creates a user namespace first when one is created. */
  namespaces: NamespaceOp[];
  /** Present when a user namespace is created; the parent writes it when asked (step "idmap"). */
  idMapping?: IdMapping;
  /** Written to /proc/self/timens_offsets before the time namespace is entered by a child. */
  timeOffsets?: { monotonic?: { secs: number; nanosecs: number }; boottime?: { secs: number; nanosecs: number } };
  rootfs: {
    /** Absolute host path of the container's root. */
    path: string;
    /** Propagation set on / before the mounts (rootfsPropagation; default MS_SLAVE|MS_REC as runc; 0 means that default). */
    propagation: number;
    readonly: boolean;
    /** false: --no-pivot (MS_MOVE + chroot). */
    pivotRoot: boolean;
    /**
     * Set up the rootfs (propagation, mounts, pivot_root) in whatever mount
     * namespace the process is in: created, joined by path or inherited
     * (create). Absent or false: exec, whose joined namespace is ready.
     */
    setup?: boolean;
  };
  mounts: MountOp[];
  devices: DeviceOp[];
  symlinks: SymlinkOp[];
  maskedPaths: string[];
  readonlyPaths: string[];
  /** Written to /proc/sys/<key with dots as slashes> inside the container. */
  sysctl: Array<{ key: string; value: string }>;
  hostname?: string;
  domainname?: string;
  /** Join a new session keyring (false with --no-new-keyring). */
  sessionKeyring: boolean;
  /** SELinux label of that keyring, written to /proc/thread-self/attr/keycreate just before joining it (step `keyring`). */
  sessionKeyringLabel?: string;
  /** mount(2) data of the read-only tmpfs over masked directories (`context="…"` for linux.mountLabel). Absent: none. */
  maskTmpfsData?: string;
  /** Absolute host path of exec.fifo; the init blocks opening it for write until `start`. Absent for `exec`. */
  execFifo?: string;
  /** Hooks the init runs itself in the container's mount namespace after mounts, before pivot_root (createContainer, runtime-spec config.md#createContainer-hooks). */
  createContainerHooks: HookOp[];
  /** Hooks the init runs itself inside the container after start, before execve (startContainer). */
  startContainerHooks: HookOp[];
  process: ProcessProgram;
  /**
   * Test switch (test builds and tests only): the executor fails at this step
   * with errno 0 and message "injected failure" (docs/init-program.md,
   * "Step names in errors"). The CLI sets it from OCI_TS_TEST_FAIL_STEP.
   */
  debugFailStep?: string;
}
