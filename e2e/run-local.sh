#!/usr/bin/env bash
# 'make run': the operator against a cluster.
#
#   KUBECONFIG set   -> runs the operator against that cluster (CRDs must be installed:
#                       kubectl apply -f crds/).
#   KUBECONFIG unset, as root -> the platform on a real node (e2e/run-node.sh): the operator
#                       installed with Helm in a pod (SLIPWAY_RUN_OPERATOR=jar, 'make run
#                       OPERATOR=jar': the jar on this machine), a sample Project built, migrated
#                       and served through an ingress on this machine.
#   KUBECONFIG unset, otherwise (or SLIPWAY_RUN_NODE=0) -> starts the local control plane (etcd, kube-apiserver,
#                       kube-controller-manager on loopback), installs the CRDs, runs the
#                       operator against it, applies examples/ and shows
#                       'kubectl get proj,env' until Ctrl-C. Everything stops on exit.
#
#   --check          -> (local mode) exit 0 as soon as every example Project shows all its
#                       Environments with a phase, or 1 after a timeout; used by 'make test'.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
check=false
[[ "${1:-}" == "--check" ]] && check=true
jar="$root/operator/target/slipway-operator.jar"

# Ctrl-C ends 'make run' with exit 0. At a terminal the run goes on as a job of its own, which
# holds the terminal (bash job control), so the interrupt reaches it and its cleanup, and not
# make, which would report the run as failed.
if ! $check && [[ -t 0 && -z "${SLIPWAY_RUN_AS_JOB:-}" ]]; then
  set -m
  rc=0
  SLIPWAY_RUN_AS_JOB=1 "$0" "$@" || rc=$?
  (( rc == 130 )) && rc=0   # stopped by Ctrl-C, cleaned up
  exit "$rc"
fi

build_jar() {
  if [[ ! -f "$jar" || -n "$(find "$root/operator/src/main" "$root/operator/pom.xml" "$root/pom.xml" -newer "$jar" -print -quit)" ]]; then
    echo "building the operator..." >&2
    (cd "$root" && mvn -B -q -DskipTests package) >&2
  fi
}

# What the first run builds, before it starts: each part's cold time on a 2-core machine.
announce_builds() { # with_node
  local parts=()
  "$root/e2e/build-controlplane.sh" --cached \
    || parts+=("the control plane from Go modules (etcd, kube-apiserver, kube-controller-manager, kubectl): about 7 min")
  if "$1" && ! "$root/e2e/build-node.sh" --cached; then
    parts+=("the node: kubelet, kube-proxy, CoreDNS, Traefik, Kaniko and crane from Go modules, and its offline images by debootstrap: about 13 min (both at once)")
  fi
  [[ -f "$jar" ]] || parts+=("the operator jar (Maven): about 2 min with an empty Maven cache")
  "$1" && parts+=("then, in pods on the node, the platform's runtime image and package index: about 3.5 min the first time, less later")
  (( ${#parts[@]} )) || return 0
  echo "make run: building what is not in the cache yet (~/.cache/slipway; the next run starts in about 1.5 min):" >&2
  local p; for p in "${parts[@]}"; do echo "  - $p" >&2; done
}

if [[ -n "${KUBECONFIG:-}" ]] && ! $check; then
  "$root/e2e/prerequisites.sh" run-controlplane
  build_jar
  echo "running the operator against $(kubectl config current-context 2>/dev/null || echo "$KUBECONFIG")" >&2
  exec java -jar "$jar"
fi

# A real node needs root and cgroups; without them, the control plane alone (nothing runs pods).
node_missing=""
[[ "$(id -u)" -eq 0 ]] || node_missing="root (the node's kubelet, containerd and network setup)"
[[ -z "$node_missing" && ! -d /sys/fs/cgroup ]] && node_missing="cgroups (/sys/fs/cgroup)"
if [[ "${SLIPWAY_RUN_NODE:-1}" != "0" && -z "$node_missing" ]]; then
  "$root/e2e/prerequisites.sh" run
  announce_builds true
  exec "$root/e2e/run-node.sh" "$@"
fi
if [[ -n "$node_missing" ]]; then
  echo "no real node here: it needs $node_missing. Running the control plane alone: Projects and" >&2
  echo "Environments are reconciled, but no pod runs, so nothing builds or serves." >&2
fi
"$root/e2e/prerequisites.sh" run-controlplane
announce_builds false

bin="$("$root/e2e/build-controlplane.sh")"
state="${SLIPWAY_RUN_DIR:-$root/.slipway/run}"
mkdir -p "$state"
harness_pid="" operator_pid=""
cleanup() {
  trap - EXIT INT TERM
  [[ -n "$operator_pid" ]] && kill "$operator_pid" 2>/dev/null && wait "$operator_pid" 2>/dev/null || true
  [[ -n "$harness_pid" ]] && kill "$harness_pid" 2>/dev/null && wait "$harness_pid" 2>/dev/null || true
  echo "stopped (logs in $state)" >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$bin/harness" -bin "$bin" -dir "$state/controlplane" -crds "$root/crds" > "$state/harness.log" 2>&1 &
harness_pid=$!
build_jar
for _ in $(seq 1 300); do
  [[ -f "$state/controlplane/ready" ]] && break
  if ! kill -0 "$harness_pid" 2>/dev/null; then
    echo "the control plane did not start:" >&2; cat "$state/harness.log" >&2; exit 1
  fi
  sleep 0.5
done
[[ -f "$state/controlplane/ready" ]] || { echo "the control plane was not ready in time:" >&2; cat "$state/harness.log" >&2; exit 1; }
export KUBECONFIG="$state/controlplane/kubeconfig"
kubectl() { "$bin/kubectl" "$@"; }
echo "control plane ready: $(head -1 "$state/harness.log")" >&2

# Nothing pulls or serves here (no kubelet): the registry and domain only shape what is created.
SLIPWAY_LEASE_NAMESPACE="${SLIPWAY_LEASE_NAMESPACE:-default}" \
SLIPWAY_HTTP_PORT="${SLIPWAY_HTTP_PORT:-8080}" \
SLIPWAY_REGISTRY="${SLIPWAY_REGISTRY:-registry.local.invalid:5000/slipway}" \
SLIPWAY_BASE_DOMAIN="${SLIPWAY_BASE_DOMAIN:-apps.local.invalid}" \
SLIPWAY_POLL_INTERVAL="${SLIPWAY_POLL_INTERVAL:-30s}" \
  java -jar "$jar" > "$state/operator.log" 2>&1 &
operator_pid=$!
echo "operator started (log: $state/operator.log, metrics: http://127.0.0.1:${SLIPWAY_HTTP_PORT:-8080}/metrics)" >&2

kubectl apply -n default -f "$root/examples/" >&2

# Every example Project and the number of Environments its mapping asks for.
# (An empty mapping means the two default environments.)
expected_envs() {
  kubectl get proj -n default -o jsonpath='{range .items[*]}{.metadata.name}:{range .spec.environments[*]}{.name},{end}{"\n"}{end}' |
    awk -F: '{ n += ($2 == "") ? 2 : gsub(/,/, ",", $2) } END { print n + 0 }'
}

deadline=$((SECONDS + 180))
while true; do
  if ! kill -0 "$operator_pid" 2>/dev/null; then
    echo "the operator stopped:" >&2; tail -40 "$state/operator.log" >&2; exit 1
  fi
  table="$(kubectl get proj,env -n default 2>&1 || true)"
  if $check; then
    want="$(expected_envs)"
    have="$(kubectl get env -n default -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | grep -c . || true)"
    projects="$(kubectl get proj -n default -o name | grep -c . || true)"
    reported="$(kubectl get proj -n default -o jsonpath='{range .items[*]}{.status.ready}{"\n"}{end}' | grep -c . || true)"
    if [[ "$want" -gt 0 && "$have" -ge "$want" && "$reported" -ge "$projects" ]]; then
      echo "$table"
      echo "make run: $have Environments of the example Projects reconciled" >&2
      exit 0
    fi
    if (( SECONDS > deadline )); then
      echo "$table" >&2
      echo "make run: only $have of $want Environments reconciled after 180s" >&2
      tail -40 "$state/operator.log" >&2
      exit 1
    fi
  else
    printf '\033[H\033[2J%s\n\n(Ctrl-C stops the operator and the control plane; KUBECONFIG=%s)\n' "$table" "$KUBECONFIG"
  fi
  sleep 2
done
