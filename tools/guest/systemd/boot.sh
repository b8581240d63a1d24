# PID 1 of the guest in systemd mode (run-in-guest --systemd), started by
# init.sh with `exec` once the root, /usr, /etc (a writable overlay of the
# host's), /dev, /proc, /sys, /run, /tmp and the checkout are mounted.
# It prepares what systemd needs from the host's /usr and /etc, then execs
# systemd as PID 1 with a target of our own that pulls basic.target and
# oci-ts-guest.service, which runs the command (run.sh). Measured facts:
# /work/shared/guest-facts.md ("systemd as PID 1"). systemd mounts cgroup2
# (pure v2), /sys/fs/bpf, securityfs and the rest itself.
BB=/.guest/busybox
say() { $BB echo "oci-ts-guest: $*"; }
. /.guest/run/env.sh

# /var lives on the tmpfs root, as a fresh install's would.
$BB mkdir -p /var/lib /var/log /var/tmp /var/cache /var/spool /run/lock
$BB ln -sfn /run /var/run
$BB ln -sfn /run/lock /var/lock

# The host's /etc is under a writable overlay: nothing here reaches the host.
# No fstab entries (the host's name devices this guest does not have and
# whose .device units would never appear: there is no udev).
$BB echo '# oci-ts guest: nothing to mount' > /etc/fstab
# Units the host enabled are not ours to start (postgresql, getty, timers...).
for d in /etc/systemd/system/*.wants; do
  [ -d "$d" ] && $BB rm -rf "$d"
done
# What only costs time here (guest-facts: 16.7 s → 11.1 s median).
for u in apparmor.service systemd-binfmt.service proc-sys-fs-binfmt_misc.automount \
  systemd-timesyncd.service selinux-autorelabel-mark.service systemd-firstboot.service \
  systemd-repart.service systemd-pcrphase-sysinit.service systemd-pcrphase.service \
  systemd-machine-id-commit.service systemd-ask-password-console.path \
  systemd-journald-audit.socket systemd-update-utmp.service sys-kernel-config.mount sys-fs-fuse-connections.mount \
  cryptsetup.target veritysetup.target integritysetup.target; do
  $BB ln -sfn /dev/null "/etc/systemd/system/$u"
done

$BB cat > /etc/systemd/system/oci-ts-guest.target <<UNIT
[Unit]
Description=oci-ts guest: basic system and the command
Requires=basic.target oci-ts-guest.service
After=basic.target
AllowIsolate=yes
UNIT

# The command as a service: output on the console between the markers,
# status in the run folder, then run.sh powers off (reboot -f ends QEMU).
$BB cat > /etc/systemd/system/oci-ts-guest.service <<UNIT
[Unit]
Description=oci-ts guest command
After=basic.target dbus.socket
Wants=dbus.socket
DefaultDependencies=no

[Service]
Type=oneshot
ExecStart=/bin/sh $OCI_TS_GUEST_REPO/tools/guest/systemd/run.sh
StandardInput=null
StandardOutput=null
StandardError=null
TimeoutStartSec=infinity
# The command makes cgroups of its own (cgroupfs-driver clients).
Delegate=yes
UNIT

exec /lib/systemd/systemd --unit=oci-ts-guest.target ${OCI_TS_GUEST_SYSTEMD_ARGS:---show-status=0 --log-level=warning --log-target=kmsg}
say "FATAL: cannot exec /lib/systemd/systemd"
$BB sync
$BB reboot -f
