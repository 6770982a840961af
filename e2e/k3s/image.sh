#!/usr/bin/env bash
# Builds slipway/k3s-compat, the stand-in for rancher/k3s the K3sContainer tier runs where no k3s
# image can be had: a root file system made from files only -- the entry program (e2e/k3s/compat,
# static), the upstream etcd, kube-apiserver, kube-controller-manager and kubectl the local control
# plane uses (e2e/build-controlplane.sh) and the two libc files they link -- cached in
# ~/.cache/slipway/k3s/<key>/rootfs.tar. Nothing is pulled from any registry.
#
#   e2e/k3s/image.sh          prints the image name (slipway/k3s-compat:<kubernetes version>-<key>)
#                             and the root file system's tar, one per line
#   e2e/k3s/image.sh --load   also makes the image in the Docker engine DOCKER_HOST names
#                             ('docker import' of that tar) unless it has it already
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${SLIPWAY_CACHE:-$HOME/.cache/slipway}"
bin_dir="${SLIPWAY_BIN_DIR:-$("$here/../build-controlplane.sh")}"
components=(etcd kube-apiserver kube-controller-manager kubectl)
log() { echo "k3s-compat image: $*" >&2; }

# the loader and libc every component links (they are cgo builds), from this machine
libs="$(for c in "${components[@]}"; do ldd "$(readlink -f "$bin_dir/$c")"; done \
  | grep -oE '(/[^ ]+)? ?\(0x' | grep -oE '^/[^ ]+' | sort -u)"
sources_key="$(cd "$here/compat" && cat go.mod *.go | sha256sum)"
# The components' directory name is their build key (e2e/build-controlplane.sh); the libraries
# are keyed by content, so a libc update makes a new image.
key="$(printf '%s\n' "$sources_key" "$(sha256sum < "$0")" "$(go env GOVERSION)" \
    "$(for c in "${components[@]}"; do readlink -f "$bin_dir/$c"; done)" \
    "$(for l in $libs; do sha256sum "$(readlink -f "$l")"; done)" | sha256sum | cut -c1-12)"
dir="$cache/k3s/$key"

mkdir -p "$cache/k3s"
exec 9>"$cache/k3s/.build.lock"
flock 9

if [[ ! -s "$dir/rootfs.tar" ]]; then
  start=$SECONDS
  tmp="$dir.tmp"
  rm -rf "$tmp" && mkdir -p "$tmp/rootfs"/{bin,etc/rancher/k3s,var/lib/rancher/k3s,tmp,run,var/run}
  root="$tmp/rootfs"
  (cd "$here/compat" && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$root/bin/k3s-compat" .) >&2
  for c in "${components[@]}"; do cp "$(readlink -f "$bin_dir/$c")" "$root/bin/$c"; done
  for l in $libs; do
    mkdir -p "$root$(dirname "$l")"
    cp "$(readlink -f "$l")" "$root$l"
  done
  # the entries glibc and the Go resolver read; /etc/hosts and resolv.conf are the engine's
  printf 'root:x:0:0:root:/root:/bin/k3s-compat\n' >"$root/etc/passwd"
  printf 'root:x:0:\n' >"$root/etc/group"
  printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
  chmod 1777 "$root/tmp"
  tar -C "$root" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$tmp/rootfs.tar" .
  version="$("$bin_dir/kube-apiserver" --version | awk '{print $2}')"
  echo "$version" >"$tmp/kubernetes-version"
  rm -rf "$root" && rm -rf "$dir" && mv "$tmp" "$dir"
  log "root file system built in $((SECONDS - start))s: $(du -h "$dir/rootfs.tar" | cut -f1), Kubernetes $version, $(echo $libs)"
fi
image="slipway/k3s-compat:$(cat "$dir/kubernetes-version")-$key"

if [[ "${1:-}" == --load ]]; then
  if docker image inspect "$image" >/dev/null 2>&1; then
    log "$image is in the engine already"
  else
    start=$SECONDS
    docker import \
      --change 'ENTRYPOINT ["/bin/k3s-compat"]' \
      --change 'CMD ["server"]' \
      --change 'ENV PATH=/bin KUBECONFIG=/etc/rancher/k3s/k3s.yaml' \
      --change 'EXPOSE 6443' \
      --change 'LABEL org.opencontainers.image.title=slipway/k3s-compat' \
      --change 'LABEL org.opencontainers.image.description="A stand-in for rancher/k3s, not k3s: upstream etcd, kube-apiserver and kube-controller-manager behind k3s'"'"'s command line (e2e/k3s)"' \
      "$dir/rootfs.tar" "$image" >/dev/null
    log "imported $image in $((SECONDS - start))s"
  fi
fi
echo "$image"
echo "$dir/rootfs.tar"
