//go:build tools

// Pins kwok (it plays the kubelet for the benchmark's many pods) as a Go module dependency.
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
