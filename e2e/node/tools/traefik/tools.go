//go:build tools

// Package tools pins the command e2e/build-node.sh builds from this module.
package tools

import _ "github.com/traefik/traefik/v3/cmd/traefik"
