#!/usr/bin/env bash
# Installs the real clients the suite drives, offline-friendly and idempotent:
# podman, containerd (with ctr and containerd-shim-runc-v2) and docker.io from
# Debian, plus crictl built from the Go module proxy into
# tools/.cache/clients/bin. Installing docker.io/containerd on Debian would
# normally start their daemons; where /usr/sbin/policy-rc.d is absent we add
# one that forbids service starts for the duration of apt-get (and remove it
# after), so no daemon is left running and nothing outside the suite's
# temporary directories is used (there is no systemd on this machine either).
set -euo pipefail
cd "$(dirname "$0")/../.."
CRICTL_VERSION=${CRICTL_VERSION:-v1.34.0}
BIN=tools/.cache/clients/bin
APT=(podman containerd docker.io busybox-static util-linux iproute2 bsdutils)

missing=()
for p in "${APT[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "clients: installing Debian packages: ${missing[*]}"
  added_policy=
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# oci-ts tools/clients/install.sh: no service starts during install\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    added_policy=1
  fi
  trap '[[ -n "$added_policy" ]] && rm -f /usr/sbin/policy-rc.d' EXIT
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -x "$BIN/crictl" ]]; then
  echo "clients: building crictl $CRICTL_VERSION from the Go module proxy"
  export PATH="$PATH:/usr/local/go/bin"
  mkdir -p "$BIN"
  GOBIN="$(realpath "$BIN")" GOFLAGS=-buildvcs=false nice go install "sigs.k8s.io/cri-tools/cmd/crictl@$CRICTL_VERSION"
fi

# Neither package may leave a daemon running: say so loudly if one is.
for d in dockerd containerd; do
  if pids=$(pgrep -x "$d"); then
    for pid in $pids; do
      if [[ "$(readlink /proc/$pid/exe)" == /usr/* ]] && ! tr '\0' ' ' </proc/$pid/cmdline | grep -q oci-ts-clients-; then
        echo "clients: warning: a system $d (pid $pid) is running; the suite does not use it" >&2
      fi
    done
  fi
done
echo "clients: ready (podman $(podman --version | awk '{print $3}'), containerd $(containerd --version | awk '{print $3}'), docker $(/usr/bin/docker --version | awk '{print $3}' | tr -d ,), crictl $CRICTL_VERSION)"
