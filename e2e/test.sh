#!/usr/bin/env bash
# 'make test': everything a fresh machine needs, then every test.
#  1. checks the toolchain (Java 17+, Maven, Go, git) and installs the Debian packages, then checks
#     that every verb's entry script does the same before its first build
#  2. builds the local control plane from Go modules (cached after the first time)
#  3. builds the real node's binaries and images (root; cached after the first time), and Flux's
#     source-controller and kustomize-controller from their Go modules (cached), for RealNodeFluxIT;
#     both start in the background beside step 2
#  4. runs unit tests (Surefire) and integration tests against the real control plane (Failsafe),
#     then the real-node tier (RealNode*IT: real pods on a one-node cluster), then the K3sContainer
#     tier (K3s*IT on a dockerd of its own, e2e/k3s/run.sh)
#     and the run-wide secret check over both JVMs' searches (e2e/secret-check.py)
#  4. fails if the CRDs the build generated differ from the committed crds/
#  5. runs 'make run' in check mode: as root the real node and the sample Project until its pages
#     answer through the ingress (otherwise the control plane + operator + examples/ until reconciled)
#  6. runs 'make bench' at N=10 as a smoke check (e2e/bench.sh --smoke): correctness, never timing
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# Each phase says how long the previous one took; the totals list them all.
phase_name="" phase_start=$SECONDS run_start=$SECONDS timings=""
end_phase() {
  if [[ -n "$phase_name" ]]; then
    local took=$((SECONDS - phase_start))
    printf '    (%s: %dm%02ds)\n' "$phase_name" $((took / 60)) $((took % 60))
    timings+="$(printf '%6ds  %s' "$took" "$phase_name")"$'\n'
  fi
}
step() { end_phase; phase_name="$*"; phase_start=$SECONDS; printf '\n==> %s\n' "$*"; }

step "toolchain"
"$root/e2e/prerequisites.sh" test

step "every verb calls the prerequisites step before its first build (e2e/prerequisites-test.sh)"
bash "$root/e2e/prerequisites-test.sh"

# The three builds start together: on a cold machine each one waits on downloads part of the time
# (Go modules, Debian packages), which the others fill; warm, each finds its cache in a second.
builds="$(mktemp -d)"
background_build() { # name script -> runs it in the background, stdout and stderr to $builds/<name>.*
  "$2" >"$builds/$1.out" 2>"$builds/$1.log" &
  eval "${1}_pid=$!"
}
finish_build() { # name -> waits for it (in this shell: it is this shell's child), shows what it said
  local pid_var="${1}_pid" rc=0
  wait "${!pid_var}" || rc=$?
  cat "$builds/$1.log"
  if (( rc != 0 )); then echo "$1 build failed (exit $rc)" >&2; exit "$rc"; fi
}
background_build node "$root/e2e/build-node.sh"
background_build flux "$root/e2e/flux/build.sh"
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT

step "local control plane (etcd, kube-apiserver, kube-controller-manager, kubectl)"
SLIPWAY_BIN_DIR="$("$root/e2e/build-controlplane.sh")"
export SLIPWAY_BIN_DIR
"$SLIPWAY_BIN_DIR/kube-apiserver" --version

step "real node: kubelet, kube-proxy, kube-scheduler, CoreDNS, Traefik, Kaniko, crane and the offline images (cached in ~/.cache/slipway)"
finish_build node
SLIPWAY_NODE_BUNDLE="$(cat "$builds/node.out")"
export SLIPWAY_NODE_BUNDLE

step "Flux source-controller and kustomize-controller from their Go modules, for the GitOps test (cached in ~/.cache/slipway/flux)"
finish_build flux
SLIPWAY_FLUX_DIR="$(cat "$builds/flux.out")"
export SLIPWAY_FLUX_DIR
trap - EXIT
rm -rf "$builds"

step "Argo CD health checks (helm/slipway/extras/argocd-cm.yaml) on sample objects, in gopher-lua as Argo CD runs them"
(cd "$root/e2e/argocd-health" && go test -count=1 -v .)

step "moto server for the RDS tests (installed once into ~/.cache/slipway)"
"$root/e2e/moto-venv.sh"

step "unit and integration tests"
rm -rf "$root/operator/target/secret-check"
mvn -B -ntp verify

step "secret check over the run: no credential any test met in a status, Event, Job, log line or server log"
python3 "$root/e2e/secret-check.py" "$root/operator/target/secret-check"

step "K3sContainer tier: the operator against k3s (or its stand-in slipway/k3s-compat) in a container Testcontainers starts, on a dockerd of its own (e2e/k3s)"
"$root/e2e/k3s/run.sh" --compiled

step "base images and boilerplates: the real entrypoint and uwsgi.ini, against a real Postgres (pytest)"
bash "$root/base-images/tests/run.sh"

step "Helm chart: lint, template, install into the local control plane, RBAC checks"
bash "$root/e2e/chart-test.sh"

step "CRDs in crds/ and helm/slipway/crds match the classes"
if [[ -d .git ]] || git rev-parse --git-dir >/dev/null 2>&1; then
  changed="$(git status --porcelain -- crds helm/slipway/crds)"
  if [[ -n "$changed" ]]; then
    echo "$changed"
    git --no-pager diff -- crds helm/slipway/crds | head -80
    echo "crds/ or helm/slipway/crds differ from what the classes generate: run 'make crds' and commit the result" >&2
    exit 1
  fi
  echo "crds/ and helm/slipway/crds are up to date"
else
  echo "not a git checkout: cannot compare crds/ with the committed copy" >&2
  exit 1
fi

step "make run (check mode)"
SLIPWAY_RUN_DIR="$root/operator/target/run-check" SLIPWAY_HTTP_PORT=0 "$root/e2e/run-local.sh" --check

step "bench smoke: make bench at N=10 with kwok as the kubelet, correctness only (every Environment Ready, counts add up)"
"$root/e2e/bench.sh" --smoke

step "totals"
python3 "$root/e2e/test-totals.py" "$root/operator/target/surefire-reports" "$root/operator/target/failsafe-reports"
end_phase
printf '\nphases:\n%s%6ds  in all\n' "$timings" $((SECONDS - run_start))
