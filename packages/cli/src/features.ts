/**
 * `features` (runtime-spec features.md): what this oci-ts really supports,
 * derived from the code that implements it (the mount-option parser, the
 * capability table, @oci/seccomp's actions/operators/arches) so the document
 * cannot claim more than the runtime does.
 */
import os from 'node:os';
import { parseMountOptions } from './compile/mounts.ts';
import { CAPABILITIES } from './compile/constants.ts';
import { hostLsm } from './compile/lsm.ts';

// runc's mount option vocabulary (libcontainer/specconv); each is kept only when our parser turns it into a flag or propagation.
const CANDIDATE_MOUNT_OPTIONS = ['acl', 'async', 'atime', 'bind', 'defaults', 'dev', 'diratime', 'dirsync', 'exec', 'idmap', 'iversion', 'lazytime', 'loud',
  'mand', 'noacl', 'noatime', 'nodev', 'nodiratime', 'noexec', 'noiversion', 'nolazytime', 'nomand', 'norelatime', 'nostrictatime', 'nosuid',
  'nosymfollow', 'private', 'ratime', 'rbind', 'rdev', 'rdiratime', 'relatime', 'remount', 'rexec', 'ridmap', 'rnoatime', 'rnodev', 'rnodiratime',
  'rnoexec', 'rnorelatime', 'rnostrictatime', 'rnosuid', 'rnosymfollow', 'ro', 'rprivate', 'rrelatime', 'rro', 'rrw', 'rshared', 'rslave',
  'rstrictatime', 'rsuid', 'rsymfollow', 'runbindable', 'rw', 'shared', 'silent', 'slave', 'strictatime', 'suid', 'symfollow', 'sync',
  'tmpcopyup', 'unbindable'];

export function supportedMountOptions(): string[] {
  return CANDIDATE_MOUNT_OPTIONS.filter((o) => {
    try { return parseMountOptions([o]).data.length === 0; } catch { return false; }
  });
}

function kernelAtLeast(major: number, minor: number): boolean {
  const [a = 0, b = 0] = os.release().split('.').map((n) => parseInt(n, 10));
  return a > major || (a === major && b >= minor);
}

export interface FeaturesDeps {
  seccomp?: { ACTIONS: readonly string[]; ARCHES: readonly { name: string }[] };
  version: string;
  /** The runtime-spec version implemented (version.ts' specVersion: @oci/spec's OCI_VERSION). */
  specVersion: string;
}

export function features(deps: FeaturesDeps): Record<string, unknown> {
  const lsm = hostLsm();
  const seccomp = deps.seccomp
    ? {
        enabled: true,
        actions: [...deps.seccomp.ACTIONS],
        operators: ['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ'],
        archs: deps.seccomp.ARCHES.map((a) => a.name),
        knownFlags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],
        // The kernel's seccomp(2) flags since 5.19 (WAIT_KILLABLE_RECV); every flag we compile is passed through unchanged.
        supportedFlags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],
      }
    : { enabled: false };
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: deps.specVersion,
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: supportedMountOptions(),
    linux: {
      namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'],
      capabilities: [...CAPABILITIES],
      // @oci/cgroups drives v1, v2 and hybrid hosts; @oci/cgroups/systemd the system manager on v2 (no user manager yet).
      cgroup: { v1: true, v2: true, systemd: true, systemdUser: false, rdma: true },
      seccomp,
      apparmor: { enabled: lsm.apparmor },
      selinux: { enabled: lsm.selinux },
      intelRdt: { enabled: false },
      // Id-mapped bind mounts need mount_setattr(2) (Linux 5.12).
      mountExtensions: { idmap: { enabled: kernelAtLeast(5, 12) } },
    },
    annotations: {
      'org.oci-ts.version': deps.version,
      // checkpoint/restore through CRIU (runc reports the same as org.opencontainers.runc.checkpoint.enabled).
      'org.oci-ts.checkpoint.enabled': 'true',
    },
  };
}
