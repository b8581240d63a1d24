/**
 * Linux security modules (config.md "process.apparmorProfile",
 * "process.selinuxLabel", config-linux.md "linux.mountLabel"): which LSMs
 * the host has, and the SELinux mount label put on the mounts the runtime
 * makes, the way runc does (libcontainer/rootfs_linux.go with go-selinux's
 * label.FormatMountLabel). The init program carries the result; the
 * executor only writes it (core-rs src/init/lsm.rs).
 */
import fs from 'node:fs';
import type { InitProgram, MountOp } from '@oci/core/program';

export interface HostLsm { apparmor: boolean; selinux: boolean }

/**
 * runc's apparmor.IsEnabled (securityfs shows the apparmor directory and
 * the module parameter says Y) and go-selinux's GetEnabled (selinuxfs
 * mounted). The one probe `create`, `exec` and `features` use.
 */
export function hostLsm(): HostLsm {
  let apparmor = false;
  try {
    apparmor = fs.existsSync('/sys/kernel/security/apparmor') && fs.readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').startsWith('Y');
  } catch {
    // no apparmor module
  }
  return { apparmor, selinux: fs.existsSync('/sys/fs/selinux/enforce') };
}

/**
 * go-selinux label.FormatMountLabel: `context="LABEL"` after the other
 * options. The quotes keep the commas of an MCS range ("s0:c1,c2") inside
 * one option; the kernel drops them (selinux_sb_eat_lsm_opts).
 */
export function formatMountLabel(data: string, label: string): string {
  const context = `context="${label}"`;
  return data ? `${data},${context}` : context;
}

// runc mounts these without the label: proc and sysfs have their own
// (genfs) labels, bind and cgroup mounts show existing files; "" is a
// remount step of the cgroup v1 expansion, not a new mount.
const UNLABELED = new Set(['proc', 'sysfs', 'bind', 'cgroup', 'cgroup2', '']);

/**
 * `linux.mountLabel` onto the program's mounts: `context=` on every new
 * filesystem (tmpfs, devpts, the cgroup v1 tmpfs...), a file label on
 * mqueue's root (a mount in an IPC namespace reuses the namespace's
 * superblock, set up by the kernel without options, so `context=` would
 * fail: runc label.SetFileLabel), and the tmpfs over masked directories
 * (runc maskPath). Without SELinux on the host the label is ignored.
 */
export function applyMountLabel(program: InitProgram, label: string | undefined, lsm: HostLsm): void {
  if (!label || !lsm.selinux) return;
  program.mounts = program.mounts.map((m): MountOp => {
    if (m.fstype === 'mqueue') return { ...m, fileLabel: label };
    if (UNLABELED.has(m.fstype) || m.idmap) return m;
    return { ...m, data: formatMountLabel(m.data, label) };
  });
  program.maskTmpfsData = formatMountLabel('', label);
}

/**
 * The session keyring's label (go-selinux SetKeyLabel before runc joins
 * the keyring): the process label, when SELinux is on and a keyring is
 * made.
 */
export function applyKeyringLabel(program: InitProgram, lsm: HostLsm): void {
  const label = program.process.selinuxLabel;
  if (label && lsm.selinux && program.sessionKeyring) program.sessionKeyringLabel = label;
}
