//go:build tools

// Package tools pins the command e2e/flux/build.sh builds from this module.
package tools

import _ "github.com/fluxcd/source-controller"
