//go:build tools

// Pins cri-tools' critest (a Go test binary) in go.mod/go.sum; install.sh
// builds it with `go test -c`.
package tools

import _ "sigs.k8s.io/cri-tools/cmd/critest"
