#!/usr/bin/env bash
# Checks the toolchain and installs the Debian packages the tests run for real:
#   docker-registry  an OCI registry on loopback (image promotion with jib-core)
#   openssh-server   sshd on loopback, a Git remote reached over SSH
#   git              git daemon and git http-backend, Git remotes over git:// and https
#   postgresql       throw-away Postgres servers (shared databases, the boilerplates' tests)
# and, for the real one-node cluster (e2e/node/README.md; it runs as root):
#   containerd, runc, containernetworking-plugins   the container runtime and CNI plugins
#   iptables, nftables, iproute2                    kube-proxy's rules; the harness undoes them
#   debootstrap                                     Debian root file systems for the offline images
#   gcc, libc6-dev                                  pause, compiled statically from the Kubernetes module
set -euo pipefail

need() { command -v "$1" >/dev/null 2>&1 || { echo "missing: $1 ($2)" >&2; exit 1; }; }
need java "Java 17 or newer"
need mvn "Apache Maven 3.8 or newer"
need go "Go 1.25 or newer, to build the local control plane"
need python3 "Python 3"

java_major="$(java -XshowSettings:properties -version 2>&1 | awk -F= '/java.specification.version/ {gsub(/ /, "", $2); print $2}')"
if [[ "${java_major%%.*}" -lt 17 ]]; then
  echo "Java 17 or newer is needed (found $java_major)" >&2
  exit 1
fi

# package -> a file it installs
declare -A packages=(
  [git]=/usr/lib/git-core/git-http-backend
  [docker-registry]=/usr/bin/docker-registry
  [openssh-server]=/usr/sbin/sshd
  [postgresql]=/usr/lib/postgresql/15/bin/initdb
  [containerd]=/usr/bin/containerd
  [runc]=/usr/sbin/runc
  [containernetworking-plugins]=/usr/lib/cni/bridge
  [iptables]=/usr/sbin/iptables
  [nftables]=/usr/sbin/nft
  [iproute2]=/usr/sbin/ip
  [debootstrap]=/usr/sbin/debootstrap
  [gcc]=/usr/bin/gcc
  [libc6-dev]=/usr/lib/x86_64-linux-gnu/libc.a
)
missing=()
for pkg in "${!packages[@]}"; do
  [[ -e "${packages[$pkg]}" ]] || missing+=("$pkg")
done
if (( ${#missing[@]} )); then
  if [[ "$(id -u)" -ne 0 ]] && ! command -v sudo >/dev/null; then
    echo "missing Debian packages: ${missing[*]} (install them as root)" >&2
    exit 1
  fi
  as_root=(); [[ "$(id -u)" -ne 0 ]] && as_root=(sudo)
  echo "installing Debian packages: ${missing[*]}"
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # The tests start their own instances on loopback: keep Debian from starting the packaged
  # services (policy-rc.d is Debian's switch for that), unless a policy is already in place.
  policy_added=false
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${as_root[@]}" chmod +x /usr/sbin/policy-rc.d
    policy_added=true
  fi
  status=0
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || status=$?
  $policy_added && "${as_root[@]}" rm -f /usr/sbin/policy-rc.d
  (( status == 0 )) || { echo "apt-get install ${missing[*]} failed" >&2; exit 1; }
fi
need git "git"
echo "java $java_major, $(mvn -v 2>/dev/null | head -1 | sed 's/\x1b\[[0-9;]*m//g'), $(go version | awk '{print $3}'), $(git --version)," \
  "$(docker-registry --version 2>/dev/null | head -1), $(/usr/sbin/sshd -V 2>&1 | head -1)"
