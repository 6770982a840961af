module slipway.dev/e2e/harness

go 1.25.0
