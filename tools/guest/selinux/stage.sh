#!/bin/sh
# The SELinux stage, run INSIDE a guest booted with security=selinux
# (selinux=1 alone is ignored by this kernel; the LSM is chosen at boot):
#   OCI_TS_GUEST_APPEND=security=selinux tools/guest/run-in-guest sh tools/guest/selinux/stage.sh
# Mounts selinuxfs, loads Debian's reference policy (tools/guest/selinux/
# install.sh installs it on the host) in permissive mode, then runs the
# SELinux tests through tools/guest/stage.mjs (its `N passed, N failed`
# line is the stage's). Permissive, because in this guest enforcing cannot
# run a container at all (tools/guest/README.md, "The SELinux stage").
set -eu
if ! grep -qw selinuxfs /proc/filesystems; then
  echo "selinux stage: the kernel has no SELinux (boot it with security=selinux)"
  echo "0 passed, 1 failed"
  exit 1
fi
mount -t selinuxfs -o nosuid,noexec selinuxfs /sys/fs/selinux
# /etc is the host's under a tmpfs overlay: this config stays in the guest.
printf 'SELINUX=permissive\nSELINUXTYPE=default\n' > /etc/selinux/config
if ! load_policy; then
  echo "selinux stage: load_policy failed (is selinux-policy-default installed on the host?)"
  echo "0 passed, 1 failed"
  exit 1
fi
setenforce 0
echo "selinux stage: policy $(cat /sys/fs/selinux/policyvers), $(getenforce), running as $(cat /proc/self/attr/current | tr -d '\0')"
[ $# -gt 0 ] || set -- packages/cli/test/selinux-guest.test.ts
exec node tools/guest/stage.mjs "$@"
