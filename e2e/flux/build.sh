#!/usr/bin/env bash
# Builds Flux's source-controller and kustomize-controller from their Go modules (one wrapper
# module each beside this script: e2e/flux/<name>/go.mod repeats the controller's own replace
# directives; go.sum pins every dependency) into ~/.cache/slipway/flux, keyed by the wrapper
# module and the Go version: a later run with the same inputs costs nothing. The CRDs are copied
# from the same module sources (config/crd/bases), so they match the binaries.
#
# Prints one line on stdout: a directory with bin/source-controller, bin/kustomize-controller and
# crds/*.yaml. Durations of cold builds go to stderr.
#   --cached   builds nothing: exit 0 when a build with the same inputs has finished, 1 otherwise.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${SLIPWAY_CACHE:-$HOME/.cache/slipway}/flux"
mkdir -p "$cache"
log() { echo "build-flux: $*" >&2; }
hash_dir() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16; }

controllers=(source-controller kustomize-controller)
go_version="$(go env GOVERSION)"
key="$( (for c in "${controllers[@]}"; do hash_dir "$here/$c"; done; sha256sum < "$0"; echo "$go_version") | sha256sum | cut -c1-16)"
out="$cache/$key"
if [[ "${1:-}" == --cached ]]; then
  [[ -e "$out/done" ]] && exit 0 || exit 1
fi
if [[ -e "$out/done" ]]; then
  echo "$out"
  exit 0
fi

exec 9>"$cache/.build.lock"
flock 9   # a second build waits, then finds the first one's result
if [[ ! -e "$out/done" ]]; then
  rm -rf "$out.tmp" && mkdir -p "$out.tmp/bin" "$out.tmp/crds"
  for c in "${controllers[@]}"; do
    pkg="github.com/fluxcd/$c"
    version="$(cd "$here/$c" && go list -m -f '{{.Version}}' "$pkg")"
    log "building $c $version from its Go module..."
    start=$SECONDS
    (cd "$here/$c" && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$out.tmp/bin/$c" "$pkg") >&2
    log "cold build of $c took $((SECONDS - start))s"
    dir="$(cd "$here/$c" && go list -m -f '{{.Dir}}' "$pkg")"
    cp "$dir"/config/crd/bases/*.yaml "$out.tmp/crds/"
    chmod u+w "$out.tmp/crds"/*.yaml
  done
  touch "$out.tmp/done"
  rm -rf "$out" && mv "$out.tmp" "$out"
  ls -1dt "$cache"/*/ | tail -n +3 | xargs -r rm -rf   # the two newest builds stay
fi
echo "$out"
