#!/usr/bin/env bash
# The K3sContainer tier (a phase of 'make test'; also runnable on its own): K3sOperatorIT against a
# cluster that Testcontainers' K3sContainer starts, the operator in the test JVM (dev.slipway.k3s).
#
#   Docker engine  DOCKER_HOST when set, or one answering on /var/run/docker.sock: used as it is
#                  (a developer's laptop, CI elsewhere). Otherwise, as root, an engine of the tier's
#                  own (e2e/k3s/dockerd.sh: Debian's docker.io, own socket and data root, no
#                  iptables changes), stopped afterwards with nothing left behind; then Testcontainers
#                  runs without Ryuk and its start-up checks (they pull images) and with the host
#                  'localhost' (this machine has /.dockerenv, which would make it look elsewhere).
#   Cluster        SLIPWAY_K3S_IMAGE=rancher/k3s:<version>: real k3s, privileged. Otherwise the stand-in
#                  slipway/k3s-compat built here from the local control plane's binaries (e2e/k3s/image.sh).
#
#   e2e/k3s/run.sh [--compiled]   --compiled: the test classes are built already (make test)
#
# Skips, saying why, only when no Docker engine can start; a failing test fails the phase.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/operator/target/k3s-tier"
engine_dir="${SLIPWAY_K3S_DOCKERD_DIR:-/tmp/slipway-k3s-dockerd}"
mkdir -p "$out"
rm -f "$out/summary.txt"
say() { echo "k3s tier: $*" >&2; }
started=$SECONDS

own_engine=false
if [[ -n "${DOCKER_HOST:-}" ]] || { [[ -S /var/run/docker.sock ]] && docker version >/dev/null 2>&1; }; then
  say "Docker engine: yours (${DOCKER_HOST:-unix:///var/run/docker.sock}), Testcontainers as configured for it"
else
  mkdir -p "${SLIPWAY_CACHE:-$HOME/.cache/slipway}/k3s"
  exec 8>"${SLIPWAY_CACHE:-$HOME/.cache/slipway}/k3s/.engine.lock"
  flock 8   # one engine of this kind per machine
  if ! engine="$("$here/dockerd.sh" start "$engine_dir" 2>"$out/engine-start.log")"; then
    echo "K3sContainer tier SKIPPED: no Docker engine could start: $(sed 's/^dockerd ([^)]*): //' "$out/engine-start.log")" \
      | tee "$out/summary.txt"
    exit 0
  fi
  cat "$out/engine-start.log" >&2
  own_engine=true
  trap '"$here/dockerd.sh" stop "$engine_dir" || true' EXIT
  trap 'exit 130' INT TERM
  export DOCKER_HOST="$engine"
  export TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_CHECKS_DISABLE=true TESTCONTAINERS_HOST_OVERRIDE=localhost
fi
engine_ready=$SECONDS

if [[ -n "${SLIPWAY_K3S_IMAGE:-}" ]]; then
  say "cluster: real k3s, $SLIPWAY_K3S_IMAGE (Testcontainers pulls it when the engine lacks it)"
else
  SLIPWAY_BIN_DIR="${SLIPWAY_BIN_DIR:-$("$root/e2e/build-controlplane.sh")}"
  export SLIPWAY_BIN_DIR
  built="$("$here/image.sh" --load)"   # the image's name, then its root file system's tar
  export SLIPWAY_K3S_COMPAT_IMAGE="${built%%$'\n'*}"
  say "cluster: the stand-in $SLIPWAY_K3S_COMPAT_IMAGE (not k3s; set SLIPWAY_K3S_IMAGE=rancher/k3s:<version> for real k3s)"
fi
image_ready=$SECONDS

status=0
# --compiled (make test, after its 'mvn verify'): the test classes are built already
goals=(test-compile); [[ "${1:-}" == --compiled ]] && goals=()
(cd "$root" && mvn -B -ntp -pl operator "${goals[@]}" failsafe:integration-test@k3s failsafe:verify@k3s -Dk3s.skip=false) || status=$?
tests_done=$SECONDS

if $own_engine; then
  trap - EXIT
  "$here/dockerd.sh" stop "$engine_dir" || status=1
fi
if [[ -s "$out/summary.txt" ]]; then
  echo "K3sContainer tier showed:"
  sed 's/^/  /' "$out/summary.txt"
fi
say "took $((SECONDS - started))s: engine $((engine_ready - started))s, image $((image_ready - engine_ready))s," \
  "tests $((tests_done - image_ready))s, stop $((SECONDS - tests_done))s"
exit "$status"
