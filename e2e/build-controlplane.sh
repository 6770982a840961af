#!/usr/bin/env bash
# Builds the local control plane (etcd, kube-apiserver, kube-controller-manager, kubectl)
# and the node components (kube-scheduler, kubelet, kube-proxy) from the published Go
# modules in e2e/controlplane, and the harness that runs them, into a cache outside the
# work tree. Later runs with the same sources cost nothing.
#
# Prints one line on stdout: the directory holding all eight binaries.
#   --cached   builds nothing: exit 0 when everything is in the cache already, 1 otherwise.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${SLIPWAY_CACHE:-$HOME/.cache/slipway}"

hash_of() { (cd "$1" && find . -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16; }

go_version="$(go env GOVERSION)"
cp_key="$(printf '%s %s %s' "$(hash_of "$here/controlplane")" "$(sha256sum < "$0")" "$go_version" | sha256sum | cut -c1-16)"
harness_key="$(printf '%s %s' "$(hash_of "$here/harness")" "$go_version" | sha256sum | cut -c1-16)"
cp_dir="$cache/controlplane/$cp_key"
harness_dir="$cache/harness/$harness_key"
bin_dir="$cache/bin/$cp_key-$harness_key"

binaries=(etcd kube-apiserver kube-controller-manager kubectl kube-scheduler kubelet kube-proxy)
if [[ "${1:-}" == --cached ]]; then
  for b in "${binaries[@]}" ; do [[ -x "$cp_dir/$b" ]] || exit 1; done
  [[ -x "$harness_dir/harness" ]] && exit 0 || exit 1
fi

mkdir -p "$cache"
exec 9>"$cache/.build.lock"
flock 9   # two builds at once would only race each other

have_all=true
for b in "${binaries[@]}"; do [[ -x "$cp_dir/$b" ]] || have_all=false; done
if ! $have_all; then
  echo "building the control plane from Go modules (first time on this machine; cached in $cp_dir)..." >&2
  start=$(date +%s)
  tmp="$cp_dir.tmp"
  rm -rf "$tmp" && mkdir -p "$tmp"
  # Stamp the release into the binaries (a module build leaves them at v0.0.0).
  k8s_version="$(cd "$here/controlplane" && go list -m -f '{{.Version}}' k8s.io/kubernetes)"
  minor="${k8s_version#v1.}"; minor="${minor%%.*}"
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  (cd "$here/controlplane" && go build -trimpath -ldflags="$ldflags" -o "$tmp/" \
      ./cmd/etcd \
      k8s.io/kubernetes/cmd/kube-apiserver \
      k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kubectl \
      k8s.io/kubernetes/cmd/kube-scheduler \
      k8s.io/kubernetes/cmd/kubelet \
      k8s.io/kubernetes/cmd/kube-proxy) >&2
  rm -rf "$cp_dir" && mv "$tmp" "$cp_dir"
  echo "control plane built in $(( $(date +%s) - start ))s: $("$cp_dir/kube-apiserver" --version)" >&2
fi

if [[ ! -x "$harness_dir/harness" ]]; then
  mkdir -p "$harness_dir"
  (cd "$here/harness" && go build -trimpath -o "$harness_dir/harness" .) >&2
fi

# One directory with everything, as the harness expects it.
if [[ ! -d "$bin_dir" ]]; then
  mkdir -p "$bin_dir.tmp"
  for b in "${binaries[@]}"; do ln -sf "$cp_dir/$b" "$bin_dir.tmp/$b"; done
  ln -sf "$harness_dir/harness" "$bin_dir.tmp/harness"
  rm -rf "$bin_dir" && mv "$bin_dir.tmp" "$bin_dir"
fi
echo "$bin_dir"
