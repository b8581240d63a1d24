#!/usr/bin/env bash
# Host side of the SELinux stage (issue 17): Debian's reference policy
# (selinux-policy-default, which brings load_policy and setenforce). The
# guest sees the host's /usr and /etc over 9p, so the policy the package
# builds into /etc/selinux/default is the one the guest loads. Installing it
# changes nothing on a host that does not boot with SELinux.
set -euo pipefail
if ! dpkg-query -W -f='${Status}' selinux-policy-default 2>/dev/null | grep -q "install ok installed"; then
  echo "selinux stage: installing selinux-policy-default"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends selinux-policy-default >/dev/null
fi
