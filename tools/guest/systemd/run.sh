# oci-ts-guest.service (boot.sh): the command under systemd as PID 1. Does
# what the end of init.sh does in the plain guest: start marker, the
# command in its own session with the timeout, end marker, status into the
# run folder, sync, power off.
BB=/.guest/busybox
. /.guest/run/env.sh
exec </dev/null >/dev/console 2>&1
# systemd resets the console: no \r\n from each \n again (init.sh).
$BB stty -F /dev/console -onlcr 2>/dev/null
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
HOME=/root
export PATH HOME
cd "$OCI_TS_GUEST_CWD" || { $BB echo "oci-ts-guest: cannot enter $OCI_TS_GUEST_CWD"; $BB reboot -f; }
$BB printf '%s\n' "$OCI_TS_GUEST_START_MARKER"
$BB setsid /bin/sh /.guest/run/cmd.sh &
pid=$!
( $BB sleep "$OCI_TS_GUEST_TIMEOUT"; $BB touch /run/oci-ts-guest-timed-out; kill -KILL "-$pid" ) 2>/dev/null &
watchdog=$!
wait "$pid"
rc=$?
kill -KILL "$watchdog" 2>/dev/null
if [ -e /run/oci-ts-guest-timed-out ]; then
  $BB printf '\noci-ts-guest: the command timed out after %ss\n' "$OCI_TS_GUEST_TIMEOUT"
  rc="124 timeout"
fi
$BB printf '%s\n' "$OCI_TS_GUEST_END_MARKER"
$BB echo "$rc" > /.guest/run/status.tmp && $BB mv /.guest/run/status.tmp /.guest/run/status
$BB sync
$BB umount "$OCI_TS_GUEST_REPO" 2>/dev/null || $BB umount -l "$OCI_TS_GUEST_REPO" 2>/dev/null
$BB reboot -f
