#!/usr/bin/env bash
# The one prerequisites step: every verb calls it first, before anything slow.
#
#   e2e/prerequisites.sh VERB     VERB: test | run | run-controlplane | faults | bench
#
# Checks the toolchain (Java 17+, Maven, Go, Python 3 with venv) and installs the Debian packages
# that VERB runs for real -- as root, 'apt-get update' only when a package is missing. When it
# cannot install (not root, no package source), it fails at once with the exact command to run.
#
#   docker-registry  an OCI registry on loopback and the node's registry   test run faults
#   openssh-server   sshd on loopback, a Git remote reached over SSH       test
#   git              git daemon and git http-backend (git://, https)       every verb
#   postgresql       throw-away Postgres servers (shared databases)        test run faults bench
#   docker.io        a dockerd of its own: the K3sContainer tier (e2e/k3s) test
# and, for the real one-node cluster (e2e/node/README.md; it runs as root):  test run
#   containerd, runc, containernetworking-plugins   the container runtime and CNI plugins
#   iptables, nftables, iproute2                    kube-proxy's rules; the harness undoes them
#   debootstrap                                     Debian root file systems for the offline images
#   gcc, libc6-dev                                  pause, compiled statically from the Kubernetes module
set -euo pipefail

verb="${1:-test}"
say() { echo "prerequisites ($verb): $*" >&2; }
die() { say "$*"; exit 1; }

node=(containerd runc containernetworking-plugins iptables nftables iproute2 debootstrap gcc libc6-dev)
case "$verb" in
  test)             packages=(git docker-registry openssh-server postgresql docker.io "${node[@]}") ;;
  run)              packages=(git docker-registry postgresql "${node[@]}") ;;
  run-controlplane) packages=(git) ;;
  faults)           packages=(git docker-registry postgresql) ;;
  bench)            packages=(git postgresql) ;;
  *) die "unknown verb '$verb' (test, run, run-controlplane, faults, bench)" ;;
esac

# --- the toolchain: nothing here installs it (it is the machine's, not a Debian package's) ---------
need() { command -v "$1" >/dev/null 2>&1 || die "missing: $1 ($2)"; }
need java "Java 17 or newer"
need mvn "Apache Maven 3.8 or newer"
need go "Go 1.25 or newer, to build the local control plane"
need python3 "Python 3"
java_major="$(java -XshowSettings:properties -version 2>&1 | awk -F= '/java.specification.version/ {gsub(/ /, "", $2); print $2}')"
[[ "${java_major%%.*}" -ge 17 ]] 2>/dev/null || die "Java 17 or newer is needed (found ${java_major:-none})"
python3 -c 'import venv, ensurepip' 2>/dev/null \
  || die "Python 3 cannot make a virtualenv (moto, matplotlib): install python3-venv (apt-get install -y python3-venv)"

# --- the Debian packages --------------------------------------------------------------------------
installed() { [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]; }
command -v dpkg-query >/dev/null 2>&1 || die "no dpkg here: install ${packages[*]} with this system's package manager"
missing=()
for pkg in "${packages[@]}"; do
  installed "$pkg" || missing+=("$pkg")
done
if (( ${#missing[@]} )); then
  command="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
  as_root=()
  if [[ "$(id -u)" -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      as_root=(sudo -n)
    else
      die "missing Debian packages: ${missing[*]}. Install them as root, then run this again:
    sudo sh -c '$command'"
    fi
  fi
  say "installing Debian packages: ${missing[*]}"
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 \
    || die "apt-get update failed: no package source answered. Fix /etc/apt/sources.list*, then run: $command"
  # The tests start their own instances on loopback: keep Debian from starting the packaged
  # services (policy-rc.d is Debian's switch for that), unless a policy is already in place.
  policy_added=false
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${as_root[@]}" chmod +x /usr/sbin/policy-rc.d
    policy_added=true
  fi
  status=0 apt_log="$(mktemp)"
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    >"$apt_log" 2>&1 || status=$?
  $policy_added && "${as_root[@]}" rm -f /usr/sbin/policy-rc.d
  if (( status != 0 )); then
    tail -5 "$apt_log" >&2; rm -f "$apt_log"
    die "apt-get install failed (exit $status; is a Debian bookworm source configured?). Run: $command"
  fi
  rm -f "$apt_log"
  for pkg in "${missing[@]}"; do installed "$pkg" || die "$pkg is still not installed after apt-get. Run: $command"; done
fi
say "java $java_major, $(mvn -v 2>/dev/null | head -1 | sed 's/\x1b\[[0-9;]*m//g'), $(go version | awk '{print $3}'), $(git --version);" \
  "packages: ${packages[*]}"
