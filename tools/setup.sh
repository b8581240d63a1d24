#!/usr/bin/env bash
# Sets up a fresh Debian machine to build, test and demo oci-ts:
# Debian packages, pnpm, the Rust toolchain check, node modules, the build
# (TypeScript packages and the napi-rs addon), and the busybox bundle.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

# man-db and zsh: the CLI tests render the generated man pages and check the zsh completion script.
APT_PACKAGES=(busybox-static runc crun python3-seccomp hyperfine jq tmux iproute2 procps qemu-system-x86 xz-utils man-db zsh apparmor criu iptables)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PNPM_VERSION=12.4.2
if [[ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]]; then
  echo "setup: installing pnpm $PNPM_VERSION"
  npm i -g -E "pnpm@$PNPM_VERSION" >/dev/null 2>&1
fi

export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v cargo >/dev/null; then
  echo "setup: cargo not found; installing Debian's rust toolchain"
  apt-get install -y -qq --no-install-recommends cargo rustc >/dev/null
fi

echo "setup: installing node modules"
pnpm install --frozen-lockfile --reporter=silent
echo "setup: building"
# CI builds from scratch: nx keeps a machine-wide cache that a fresh clone
# would otherwise restore from.
skip_cache=(); [[ -n "${CI:-}" ]] && skip_cache=(--skip-nx-cache)
NX_DAEMON=false NX_NO_CLOUD=true pnpm --silent build "${skip_cache[@]}" >/tmp/oci-ts-build.log 2>&1 || { cat /tmp/oci-ts-build.log; echo "setup: build failed" >&2; exit 1; }
if [[ -f tools/bundle/build.mjs ]]; then
  node tools/bundle/build.mjs >/dev/null
fi
echo "setup: done"
