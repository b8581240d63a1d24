#!/.guest/busybox sh
# PID 1 of the oci-ts test guest (packed into the initramfs by initramfs.mjs).
# It turns the initramfs into a small pure cgroup v2 Linux made of the host's
# /usr (9p, read-only) and the checkout (9p, read-write, same path), runs
# the command from /.guest/run/cmd.sh with a timeout, writes its exit status
# into /.guest/run/status and reboots, which ends QEMU (-no-reboot). The
# host (qemu.mjs) reads the console between the start and end markers as
# the command's output.
BB=/.guest/busybox
PATH=/.guest/bin
export PATH

say() { $BB echo "oci-ts-guest: $*"; }
die() { say "FATAL: $*"; $BB sync; $BB reboot -f; }

# The initramfs itself is the rootfs mount, which pivot_root(2) refuses
# ("EINVAL: the current root is on the rootfs", pivot_root(2)), so runtimes
# fail in it the way they do on no real machine. Copy it onto a tmpfs and
# switch_root there first, as an initramfs does before handing over to the
# real root; /init runs again with the argument `switched`.
if [ "$1" != switched ]; then
  $BB mkdir -p /.newroot
  $BB mount -t tmpfs -o mode=0755 root /.newroot || die "cannot mount the new root"
  for f in /* /.guest; do
    [ "$f" = /.newroot ] || $BB cp -a "$f" /.newroot/ || die "cannot copy $f to the new root"
  done
  exec $BB switch_root /.newroot /init switched
fi

$BB mount -t proc -o nosuid,nodev,noexec proc /proc
$BB mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
# oci_ts_guest.trace=1 on the kernel command line (OCI_TS_GUEST_APPEND)
# prints the uptime at each step, to find what makes the boot slow.
case " $($BB cat /proc/cmdline) " in
  *" oci_ts_guest.trace=1 "*) trace() { $BB echo "oci-ts-guest: $($BB cut -d' ' -f1 /proc/uptime) $*"; } ;;
  *) trace() { :; } ;;
esac
$BB mount -t devtmpfs -o nosuid,mode=0755 devtmpfs /dev
exec </dev/null >/dev/console 2>&1
# The serial line would turn each \n of the command's output into \r\n.
$BB stty -F /dev/console -onlcr 2>/dev/null

trace modules
# Modules in dependency order (virtio, 9p, overlay...), see kernel.mjs.
for m in $($BB cat /.guest/modules.list); do
  $BB insmod "/.guest/modules/$m.ko" || die "insmod $m failed"
done

trace mount run
# 9p over virtio (Documentation/filesystems/9p.rst): msize 512 KiB keeps the
# number of round trips down, which dominates under emulation.
P9="trans=virtio,version=9p2000.L,msize=524288"
$BB mount -t 9p -o "$P9,cache=none" run /.guest/run || die "cannot mount the run folder (9p)"
. /.guest/run/env.sh

trace mount usr
# The host's /usr read-only; /bin, /sbin, /lib, /lib64 are symlinks into it
# in the initramfs (Debian's merged-/usr layout). cache=loose: it never
# changes under us, and reading node from it dominates start-up time.
$BB mount -t 9p -o "$P9,ro,cache=loose" usr /usr || die "cannot mount the host's /usr (9p)"
# The host's /etc read-only under a tmpfs overlay, so the guest sees the
# host's passwd, group and ld.so.cache but can write its own /etc files.
$BB mount -t 9p -o "$P9,ro,cache=loose" etc /.guest/etc-lower || die "cannot mount the host's /etc (9p)"
$BB mount -t tmpfs -o mode=0755 tmpfs /.guest/etc-rw
$BB mkdir -p /.guest/etc-rw/upper /.guest/etc-rw/work
$BB mount -t overlay -o lowerdir=/.guest/etc-lower,upperdir=/.guest/etc-rw/upper,workdir=/.guest/etc-rw/work overlay /etc ||
  $BB mount --bind /.guest/etc-lower /etc || die "cannot set up /etc"
$BB ln -sf /proc/self/mounts /etc/mtab 2>/dev/null

trace tmpfs
$BB mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /tmp
$BB mount -t tmpfs -o nosuid,nodev,mode=0755 tmpfs /run
$BB mkdir -p /dev/pts /dev/shm /dev/mqueue
$BB mount -t devpts -o nosuid,noexec,gid=5,mode=0620,ptmxmode=0666 devpts /dev/pts
$BB mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /dev/shm
$BB mount -t mqueue mqueue /dev/mqueue
$BB ln -sf /proc/self/fd /dev/fd
$BB ln -sf /proc/self/fd/0 /dev/stdin
$BB ln -sf /proc/self/fd/1 /dev/stdout
$BB ln -sf /proc/self/fd/2 /dev/stderr

trace mount repo
# The checkout read-write at the host's path. cache=loose (the default)
# keeps file data, attributes and lookups in the guest: node resolving and
# reading thousands of module files is about 4 times faster than with
# cache=mmap (tap --version: 65 s against 247 s on a loaded host), at the
# price of not seeing changes the host makes during the run; our writes
# reach the host at the latest when the umount below flushes them.
# cache=mmap (--repo-cache mmap) writes through at once.
$BB mkdir -p "$OCI_TS_GUEST_REPO"
$BB mount -t 9p -o "$P9,cache=${OCI_TS_GUEST_REPO_CACHE:-mmap}" repo "$OCI_TS_GUEST_REPO" || die "cannot mount the checkout (9p)"
if [ -n "$OCI_TS_GUEST_SHARED" ]; then
  $BB mkdir -p "$OCI_TS_GUEST_SHARED"
  $BB mount -t 9p -o "$P9,ro,cache=loose" shared "$OCI_TS_GUEST_SHARED" || die "cannot mount the shared folder (9p)"
fi

# run-in-guest --systemd: systemd becomes PID 1 from here (it mounts cgroup2
# itself) and runs the command as a service (tools/guest/systemd, issue 14).
if [ "$OCI_TS_GUEST_INIT" = systemd ]; then
  exec $BB sh "$OCI_TS_GUEST_REPO/tools/guest/systemd/boot.sh"
fi

trace cgroup2
# Pure cgroup v2 (Documentation/admin-guide/cgroup-v2.rst): one hierarchy
# with every controller, enabled for the children of the root (the root is
# exempt from the no-internal-processes rule).
$BB mount -t cgroup2 -o nosuid,nodev,noexec,nsdelegate cgroup2 /sys/fs/cgroup || die "cannot mount cgroup2"
for c in $($BB cat /sys/fs/cgroup/cgroup.controllers); do
  $BB echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control || say "cannot enable the $c controller"
done
$BB mount -t bpf -o nosuid,nodev,noexec bpf /sys/fs/bpf 2>/dev/null
$BB mount -t debugfs -o nosuid,nodev,noexec debugfs /sys/kernel/debug 2>/dev/null
$BB mount -t tracefs -o nosuid,nodev,noexec tracefs /sys/kernel/tracing 2>/dev/null
# securityfs: AppArmor (this kernel's default LSM) shows its policy there
# and apparmor_parser loads profiles through it (issue 17).
$BB mount -t securityfs -o nosuid,nodev,noexec securityfs /sys/kernel/security 2>/dev/null

trace hostname
$BB hostname oci-ts-guest
$BB ip link set lo up 2>/dev/null

PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
HOME=/root
export PATH HOME
cd "$OCI_TS_GUEST_CWD" || die "cannot enter $OCI_TS_GUEST_CWD"

# The command in its own session (so the timeout kills all of it), stdin
# from /dev/null, stdout and stderr on the console.
trace start
$BB printf '%s\n' "$OCI_TS_GUEST_START_MARKER"
$BB setsid /bin/sh /.guest/run/cmd.sh &
pid=$!
( $BB sleep "$OCI_TS_GUEST_TIMEOUT"; $BB touch /.guest/timed-out; kill -KILL "-$pid" ) 2>/dev/null &
watchdog=$!
wait "$pid"
rc=$?
kill -KILL "$watchdog" 2>/dev/null
if [ -e /.guest/timed-out ]; then
  $BB printf '\noci-ts-guest: the command timed out after %ss\n' "$OCI_TS_GUEST_TIMEOUT"
  rc="124 timeout"
fi
$BB printf '%s\n' "$OCI_TS_GUEST_END_MARKER"

$BB echo "$rc" > /.guest/run/status.tmp && $BB mv /.guest/run/status.tmp /.guest/run/status
trace sync
$BB sync
$BB umount "$OCI_TS_GUEST_REPO" 2>/dev/null || $BB umount -l "$OCI_TS_GUEST_REPO" 2>/dev/null
# With QEMU's -no-reboot a reboot ends QEMU; it needs no ACPI (acpi=off).
$BB reboot -f
