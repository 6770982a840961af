#!/usr/bin/env bash
# Builds the helm command from its published Go module (e2e/helm) into a cache outside the
# work tree, for the chart test. Later runs with the same sources cost nothing.
#
# Prints one line on stdout: the path of the helm binary.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${SLIPWAY_CACHE:-$HOME/.cache/slipway}"

go_version="$(go env GOVERSION)"
key="$(cat "$here/helm/go.mod" "$here/helm/go.sum" "$here/helm/tools.go" "$0" <(echo "$go_version") | sha256sum | cut -c1-16)"
dir="$cache/helm/$key"

mkdir -p "$cache"
exec 9>"$cache/.build.lock"
flock 9   # two builds at once would only race each other

if [[ ! -x "$dir/helm" ]]; then
  echo "building helm from Go modules (first time on this machine; cached in $dir)..." >&2
  start=$(date +%s)
  tmp="$dir.tmp"
  rm -rf "$tmp" && mkdir -p "$tmp"
  # Stamp the release into the binary (a module build leaves it at the default).
  helm_version="$(cd "$here/helm" && go list -m -f '{{.Version}}' helm.sh/helm/v3)"
  ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$helm_version"
  # ... and the Kubernetes release its client modules match (the default of 'helm template'
  # and 'helm lint'), as helm's own Makefile does.
  k8s_minor="$(cd "$here/helm" && go list -m -f '{{.Version}}' k8s.io/client-go | cut -d. -f2)"
  for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
    ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$k8s_minor"
  done
  (cd "$here/helm" && go build -trimpath -ldflags="$ldflags" -o "$tmp/helm" helm.sh/helm/v3/cmd/helm) >&2
  rm -rf "$dir" && mv "$tmp" "$dir"
  echo "helm built in $(( $(date +%s) - start ))s: $("$dir/helm" version --short)" >&2
fi
echo "$dir/helm"
