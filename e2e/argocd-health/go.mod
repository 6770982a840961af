// Tests Slipway's Argo CD health checks (helm/slipway/extras/argocd-cm.yaml) with gopher-lua, the
// Lua interpreter Argo CD embeds, set up the way Argo CD runs a custom health script.
module slipway.dev/e2e/argocd-health

go 1.25.0

require (
	github.com/yuin/gopher-lua v1.1.2
	sigs.k8s.io/yaml v1.6.0
)

require go.yaml.in/yaml/v2 v2.4.2 // indirect
