module slipway.dev/e2e/k3s-compat

go 1.25.0
