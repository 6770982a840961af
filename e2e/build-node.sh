#!/usr/bin/env bash
# Builds everything the real one-node cluster needs, offline, into ~/.cache/slipway/node,
# each piece keyed by its inputs (later runs with the same inputs cost nothing):
#   - the control plane and node binaries (e2e/build-controlplane.sh: etcd, kube-apiserver,
#     kube-controller-manager, kubectl, kube-scheduler, kubelet, kube-proxy) and the harness
#   - crane, crictl, CoreDNS, the Kaniko executor and Traefik (the node's ingress controller)
#     from their Go modules (e2e/node/tools/*)
#   - pause, compiled from k8s.io/kubernetes@<version>/build/pause/linux/pause.c
#   - the images (no public registry is reachable): pause, Kaniko executor, git, Postgres and
#     a Debian OS base, written into a registry storage the node's registry starts from
#     (e2e/node/images.sh)
# Needs root for debootstrap (the images) and the Debian packages e2e/prerequisites.sh installs.
#
# Prints one line on stdout: a bundle directory with bin/ (every binary), images.env (image
# references by digest) and registry/ (the seed registry storage).
# Durations of cold builds go to stderr.
#   --cached   builds nothing: exit 0 when a build with the same inputs (these scripts, the tools'
#              modules, the Go and gcc versions) has finished before, 1 otherwise.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${SLIPWAY_CACHE:-$HOME/.cache/slipway}"
node_cache="$cache/node"
mkdir -p "$node_cache"
log() { echo "build-node: $*" >&2; }
hash_files() { # file or directory arguments -> 16 hex digits over names and contents
  local f
  for f in "$@"; do
    if [[ -d $f ]]; then (cd "$f" && find . -type f -print0 | sort -z | xargs -0 sha256sum); else sha256sum < "$f"; fi
  done | sha256sum | cut -c1-16
}

# Every input of the bundle at once, cheap to compute: a finished build leaves built-<key> behind.
inputs_key="$( (hash_files "$here/node" "$here/controlplane" "$here/harness" "$0" "$here/build-controlplane.sh"
  go env GOVERSION; gcc -dumpfullversion 2>/dev/null) | sha256sum | cut -c1-16)"
if [[ "${1:-}" == --cached ]]; then
  if [[ -e "$node_cache/built-$inputs_key" ]] && "$here/build-controlplane.sh" --cached; then exit 0; else exit 1; fi
fi

exec 8>"$node_cache/.build.lock"
flock 8   # two builds at once would only race each other

# The root file systems (debootstrap: mostly downloading and unpacking) build in the background
# while the control plane and the Go tools compile: on a cold machine they take about as long.
rootfs_log="$node_cache/rootfs-background.log"
SLIPWAY_NODE_CACHE="$node_cache" "$here/node/images.sh" --rootfs-only >"$rootfs_log" 2>&1 &
rootfs_pid=$!
trap 'kill $rootfs_pid 2>/dev/null || true' EXIT

# 1. control plane + node components + harness (its own cache and lock)
cp_bin="$("$here/build-controlplane.sh")"

go_version="$(go env GOVERSION)"

# 2. Go tools, one module each under e2e/node/tools (go.sum pins every dependency)
build_tool() { # name package binary [ldflags]
  local name=$1 pkg=$2 bin=$3 ldflags="-s -w ${4:-}"
  local key; key="$(printf '%s %s %s' "$(hash_files "$here/node/tools/$name")" "$go_version" "$ldflags" | sha256sum | cut -c1-16)"
  local dir="$node_cache/tools/$name/$key"
  # an interrupted build leaves <key>.tmp behind; under the lock no other build is running
  rm -rf "$node_cache/tools/$name"/*.tmp
  if [[ ! -x $dir/$bin ]]; then
    log "building $name ($pkg) from its Go module..."
    local start=$SECONDS
    mkdir -p "$dir.tmp"
    (cd "$here/node/tools/$name" && CGO_ENABLED=0 go build -trimpath -ldflags="$ldflags" -o "$dir.tmp/$bin" "$pkg") >&2
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
    log "cold build of $name took $((SECONDS - start))s"
    ls -1dt "$node_cache/tools/$name"/*/ | tail -n +3 | xargs -r rm -rf   # the two newest builds stay
  fi
  echo "$dir/$bin"
}
crane="$(build_tool crane github.com/google/go-containerregistry/cmd/crane crane)"
crictl="$(build_tool crictl sigs.k8s.io/cri-tools/cmd/crictl crictl)"
coredns="$(build_tool coredns . coredns)"   # main.go: the Corefile's plugins only
kaniko="$(build_tool kaniko github.com/chainguard-dev/kaniko/cmd/executor executor \
  "-X github.com/chainguard-dev/kaniko/pkg/version.version=$(cd "$here/node/tools/kaniko" && go list -m -f '{{.Version}}' github.com/chainguard-dev/kaniko)")"
traefik="$(build_tool traefik github.com/traefik/traefik/v3/cmd/traefik traefik \
  "-X github.com/traefik/traefik/v3/pkg/version.Version=$(cd "$here/node/tools/traefik" && go list -m -f '{{.Version}}' github.com/traefik/traefik/v3)")"

# 3. pause, from the same Kubernetes module the control plane is built from
k8s_dir="$(cd "$here/controlplane" && go mod download -json k8s.io/kubernetes | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
pause_src="$k8s_dir/build/pause/linux/pause.c"
pause_key="$(printf '%s %s' "$(sha256sum < "$pause_src")" "$(gcc -dumpfullversion)" | sha256sum | cut -c1-16)"
pause="$node_cache/pause/$pause_key/pause"
if [[ ! -x $pause ]]; then
  log "compiling pause from $pause_src"
  mkdir -p "$(dirname "$pause")"
  gcc -Os -Wall -Werror -static -DVERSION=v3.10-slipway -o "$pause.tmp" "$pause_src"
  strip "$pause.tmp" && mv "$pause.tmp" "$pause"
fi

# 4. images (debootstrap + crane into a seed registry storage)
if ! wait "$rootfs_pid"; then
  cat "$rootfs_log" >&2
  echo "build-node: building the root file systems failed" >&2
  exit 1
fi
trap - EXIT
grep -h 'cold build' "$rootfs_log" | sed 's/^/build-node: /' >&2 || true
images_dir="$(SLIPWAY_NODE_CACHE="$node_cache" CRANE="$crane" KANIKO_EXECUTOR="$kaniko" PAUSE="$pause" \
  "$here/node/images.sh")"

# 5. one directory with everything
bundle_key="$(printf '%s\n' "$cp_bin" "$crane" "$crictl" "$coredns" "$kaniko" "$traefik" "$pause" "$images_dir" | sha256sum | cut -c1-16)"
bundle="$node_cache/bundle/$bundle_key"
if [[ ! -d $bundle ]]; then
  mkdir -p "$bundle.tmp/bin"
  for b in "$cp_bin"/*; do ln -sf "$(readlink -f "$b")" "$bundle.tmp/bin/$(basename "$b")"; done
  ln -sf "$crane" "$bundle.tmp/bin/crane"
  ln -sf "$crictl" "$bundle.tmp/bin/crictl"
  ln -sf "$coredns" "$bundle.tmp/bin/coredns"
  ln -sf "$traefik" "$bundle.tmp/bin/traefik"
  ln -sf "$images_dir/images.env" "$bundle.tmp/images.env"
  ln -sf "$images_dir/registry" "$bundle.tmp/registry"
  ln -sf "$images_dir/test-ca" "$bundle.tmp/test-ca"
  rm -rf "$bundle" && mv "$bundle.tmp" "$bundle"
  ls -1dt "$node_cache"/bundle/*/ | tail -n +6 | xargs -r rm -rf
fi
rm -f "$node_cache"/built-* && touch "$node_cache/built-$inputs_key"
echo "$bundle"
