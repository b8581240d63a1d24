#!/usr/bin/env bash
# Builds cri-tools' critest (issue 21), a Go test binary, from the Go module
# proxy: sigs.k8s.io/cri-tools v1.34.0 pinned in go.mod/go.sum here, into
# tools/.cache/critest/critest; skipped when it was built from the same
# go.mod/go.sum. containerd itself comes from tools/clients/install.sh.
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$PATH:/usr/local/go/bin"
OUT=../.cache/critest
stamp=$(cat go.mod go.sum | sha256sum | cut -c1-16)
if [[ -f "$OUT/stamp" && "$(cat "$OUT/stamp")" == "$stamp" && -x "$OUT/critest" ]]; then
  exit 0
fi
echo "critest: building sigs.k8s.io/cri-tools/cmd/critest v1.34.0 (go test -c; minutes on a loaded host)"
rm -rf "$OUT"
mkdir -p "$OUT"
GOFLAGS=-buildvcs=false nice go test -c -o "$OUT/critest" sigs.k8s.io/cri-tools/cmd/critest
echo "$stamp" >"$OUT/stamp"
echo "critest: built"
