#!/usr/bin/env bash
# Builds the OCI runtime-tools validation suite (issue 12): the module
# github.com/opencontainers/runtime-tools v0.9.0 from the Go module proxy,
# its dependencies pinned in go.mod/go.sum here (near its Godeps: the proxy
# serves no go.mod for v0.9.0). Puts runtimetest and the 58 validation
# programs into tools/.cache/conformance/bin, plus the suite's rootfs
# tarball; skipped when the binaries were built from the same go.mod/go.sum.

set -euo pipefail
cd "$(dirname "$0")"
export PATH="$PATH:/usr/local/go/bin"
OUT=../.cache/conformance
stamp=$(cat go.mod go.sum | sha256sum | cut -c1-16)
if [[ -f "$OUT/stamp" && "$(cat "$OUT/stamp")" == "$stamp" && -x "$OUT/bin/runtimetest" && -f "$OUT/rootfs-amd64.tar.gz" ]]; then
  exit 0
fi
echo "conformance: building runtime-tools v0.9.0 (runtimetest and the validation programs)"
rm -rf "$OUT"
mkdir -p "$OUT/bin"
# runtimetest runs inside the container's busybox rootfs: static, as the
# suite's Makefile builds it.
CGO_ENABLED=0 GOFLAGS=-buildvcs=false nice go build -trimpath -o "$OUT/bin/" \
  github.com/opencontainers/runtime-tools/cmd/runtimetest \
  github.com/opencontainers/runtime-tools/validation/...
src=$(go list -m -f '{{.Dir}}' github.com/opencontainers/runtime-tools)
cp "$src/rootfs-amd64.tar.gz" "$OUT/"
echo "$stamp" >"$OUT/stamp"
echo "conformance: built $(ls "$OUT/bin" | wc -l) programs"
