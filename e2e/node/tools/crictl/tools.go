//go:build tools

// Package tools pins the command e2e/build-node.sh builds from this module.
package tools

import _ "sigs.k8s.io/cri-tools/cmd/crictl"
