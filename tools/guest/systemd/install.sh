#!/usr/bin/env bash
# What the systemd guest boots from the host's /usr: Debian's systemd (PID 1
# there) and dbus (the system bus), plus runc (the control). Installed only
# when missing; nothing is enabled or started on the host (policy-rc.d).
set -euo pipefail
need=()
for p in systemd dbus dbus-daemon runc; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if ((${#need[@]})); then
  echo "systemd guest: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  rc_was=""
  [[ -e /usr/sbin/policy-rc.d ]] && rc_was=1
  [[ -n $rc_was ]] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; }
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  [[ -n $rc_was ]] || rm -f /usr/sbin/policy-rc.d
fi
