#!/usr/bin/env bash
# Tests the Helm chart (helm/slipway): lints and renders it with default, full and namespaced
# values, then installs it twice on the local control plane (cluster-wide, and namespaced with
# --skip-crds) and checks the CRDs, the objects and what the operator's ServiceAccount may do.
#
# Prints one line per check and a final 'N passed, M failed'; exits non-zero if any failed.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
started=$SECONDS
passed=0 failed=0
pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() { local what="$1"; shift; if "$@" >"$tmp/out" 2>&1; then pass "$what"; else fail "$what"; sed 's/^/     /' "$tmp/out" | tail -20; fi; }
finish() {
  echo "chart test took $((SECONDS - started))s"
  echo "$passed passed, $failed failed"
  [[ $failed -eq 0 ]]
}

helm_bin="$("$root/e2e/build-helm.sh")" || { echo "cannot build helm"; echo "0 passed, 1 failed"; exit 1; }
bin="$("$root/e2e/build-controlplane.sh")" || { echo "cannot build the control plane"; echo "0 passed, 1 failed"; exit 1; }
helm() { "$helm_bin" "$@"; }
kubectl() { "$bin/kubectl" "$@"; }

tmp="$(mktemp -d)"
state="$tmp/controlplane"
harness_pid=""
cleanup() {
  [[ -n "$harness_pid" ]] && kill "$harness_pid" 2>/dev/null && wait "$harness_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# helm keeps its own state out of the home directory.
export HELM_CACHE_HOME="$tmp/helm/cache" HELM_CONFIG_HOME="$tmp/helm/config" HELM_DATA_HOME="$tmp/helm/data"

chart=helm/slipway

# --- without a cluster ------------------------------------------------------------------------
check "chart crds/ equal the repository's crds/ (diff -r)" diff -r crds "$chart/crds"
check "helm lint" helm lint "$chart"
check "helm lint with the full values" helm lint "$chart" -f e2e/helm/values-full.yaml
check "helm lint with the namespaced values" helm lint "$chart" -f e2e/helm/values-namespaced.yaml
check "helm template with default values" helm template slipway "$chart" -n slipway-system --output-dir "$tmp/default"
helm template slipway "$chart" -n slipway-system > "$tmp/default.yaml" 2>&1
helm template slipway "$chart" -n slipway-system -f e2e/helm/values-full.yaml \
  --api-versions monitoring.coreos.com/v1/ServiceMonitor > "$tmp/full.yaml" 2>&1
check "helm template with every value set (e2e/helm/values-full.yaml)" test -s "$tmp/full.yaml" -a "$(grep -c '^kind:' "$tmp/full.yaml")" -gt 0
helm template slipway "$chart" -n slipway-system -f e2e/helm/values-namespaced.yaml > "$tmp/namespaced.yaml" 2>&1
check "helm template with e2e/helm/values-namespaced.yaml" grep -q '^kind: Role$' "$tmp/namespaced.yaml"

# Every operator variable (README's Configuration table and OperatorConfig) is set by the full values.
vars="$( { grep -oE '^\| `SLIPWAY_[A-Z_]+`( / `SLIPWAY_[A-Z_]+`)?' README.md | grep -oE 'SLIPWAY_[A-Z_]+';
           grep -oE 'String [A-Z_]+ = "SLIPWAY_[A-Z_]+"' operator/src/main/java/dev/slipway/config/OperatorConfig.java | grep -oE 'SLIPWAY_[A-Z_]+'; } | sort -u)"
missing=""
# (SLIPWAY_WATCH_NAMESPACES belongs to the namespaced mode, so that rendering counts too.)
for v in $vars; do grep -q "name: $v\$" "$tmp/full.yaml" "$tmp/namespaced.yaml" || missing+=" $v"; done
check "full (+ namespaced) values set all $(wc -w <<<"$vars") operator variables${missing:+ (missing:$missing)}" test -z "$missing"
unset_default="$(grep -oE 'name: SLIPWAY_[A-Z_]+' "$tmp/default.yaml" | awk '{print $2}' | sort | tr '\n' ' ')"
check "default values leave unset settings out (env: $unset_default)" \
  test "$unset_default" = "SLIPWAY_HTTP_PORT SLIPWAY_LEADER_ELECTION SLIPWAY_LEASE_NAME SLIPWAY_LEASE_NAMESPACE "
check "the image digest wins over the tag" grep -q 'image: "registry.example.com/platform/slipway-operator@sha256:0123' "$tmp/full.yaml"
check "AWS credentials come only from an optional secretKeyRef" \
  bash -c "grep -A5 'name: SLIPWAY_AWS_SECRET_ACCESS_KEY' '$tmp/full.yaml' | grep -q 'optional: true'"
check "the webhook token comes from a Secret" \
  bash -c "grep -A4 'name: SLIPWAY_WEBHOOK_TOKEN' '$tmp/full.yaml' | grep -q 'name: \"slipway-webhook\"'"
check "no wildcard and no escalate/bind/impersonate in any rendering" \
  bash -c "! grep -nE \"'\\*'|\\\"\\*\\\"|\\[\\*|\\*\\]|escalate|bind,|, bind|impersonate\" '$tmp/default.yaml' '$tmp/full.yaml' '$tmp/namespaced.yaml'"
check "namespaced mode renders no ClusterRole/ClusterRoleBinding" bash -c "! grep -qE '^kind: ClusterRole' '$tmp/namespaced.yaml'"
check "namespaced mode sets SLIPWAY_WATCH_NAMESPACES" grep -A1 -q 'name: SLIPWAY_WATCH_NAMESPACES' "$tmp/namespaced.yaml"
check "ServiceMonitor rendered when enabled and the API exists" grep -q '^kind: ServiceMonitor$' "$tmp/full.yaml"
check "no ServiceMonitor when enabled but the API is missing" \
  bash -c "! '$helm_bin' template s '$chart' --set metrics.serviceMonitor.enabled=true | grep -q 'kind: ServiceMonitor'"
check "the schema refuses a bad registry layout and duration" \
  bash -c "! '$helm_bin' template s '$chart' --set registry.layout=bogus --set source.pollInterval=10x"

# --- on the local control plane ---------------------------------------------------------------
"$bin/harness" -bin "$bin" -dir "$state" > "$tmp/harness.log" 2>&1 &
harness_pid=$!
for _ in $(seq 1 300); do
  [[ -f "$state/ready" ]] && break
  kill -0 "$harness_pid" 2>/dev/null || break
  sleep 0.5
done
if [[ ! -f "$state/ready" ]]; then
  fail "the control plane started"; cat "$tmp/harness.log"; finish; exit 1
fi
pass "the control plane started"
export KUBECONFIG="$state/kubeconfig"
# The project namespaces (a namespaced release's Roles need theirs to exist).
check "namespaces team-a and team-b created" \
  bash -c "'$bin/kubectl' create namespace team-a && '$bin/kubectl' create namespace team-b"

check "helm install slipway (cluster-wide)" \
  helm install slipway "$chart" -n slipway-system --create-namespace --wait=false
check "CRDs Established" \
  kubectl wait --for=condition=Established --timeout=60s crd/projects.slipway.dev crd/environments.slipway.dev
check "NOTES say how to create a first Project" \
  bash -c "'$helm_bin' get notes slipway -n slipway-system | grep -q 'Create a first Project'"
helm get manifest slipway -n slipway-system > "$tmp/manifest.yaml"
objects="$(grep -c '^kind:' "$tmp/manifest.yaml")"
check "every rendered object present ($objects)" \
  bash -c "[[ \$('$bin/kubectl' get -f '$tmp/manifest.yaml' -o name | wc -l) -eq $objects ]]"
sa="$(kubectl get -f "$tmp/manifest.yaml" -o jsonpath='{range .items[?(@.kind=="ServiceAccount")]}{.metadata.name}{end}')"

# can SA EXPECT VERB RESOURCE [ARGS...]: kubectl auth can-i as that ServiceAccount answers EXPECT.
can() {
  local who="$1" want="$2"; shift 2
  local got; got="$(kubectl auth can-i --as="$who" "$@" 2>"$tmp/can-i.err")"
  [[ -n "$got" ]] || got="$(tr '\n' ' ' < "$tmp/can-i.err")"
  if [[ "$got" == "$want" ]]; then pass "can-i $* -> $got"; else fail "can-i $* -> $got (want $want)"; fi
}
as="system:serviceaccount:slipway-system:$sa"
can "$as" yes create jobs -n team-a
can "$as" yes patch environments.slipway.dev --subresource=status -n team-a
can "$as" yes patch projects.slipway.dev --subresource=status -n team-a
can "$as" yes create environments.slipway.dev -n team-a
can "$as" yes list projects.slipway.dev --all-namespaces
can "$as" yes create events -n team-a
can "$as" yes get secrets -n team-a
can "$as" yes create secrets -n team-a
can "$as" yes create statefulsets.apps -n team-a
can "$as" yes create poddisruptionbudgets.policy -n team-a
can "$as" yes create ingresses.networking.k8s.io -n team-a
can "$as" yes create leases.coordination.k8s.io -n slipway-system
can "$as" no create clusterroles
can "$as" no create roles -n team-a
can "$as" no bind clusterroles
can "$as" no escalate roles -n team-a
can "$as" no impersonate users
can "$as" no delete nodes
can "$as" no create pods -n team-a
can "$as" no create leases.coordination.k8s.io -n team-a
can "$as" no create customresourcedefinitions.apiextensions.k8s.io

# A second release watching only team-b, CRDs already there.
check "helm install slipway-b (namespaced, --skip-crds)" \
  helm install slipway-b "$chart" -n slipway-b-system --create-namespace --skip-crds --wait=false -f e2e/helm/values-namespaced.yaml
helm get manifest slipway-b -n slipway-b-system > "$tmp/manifest-b.yaml"
objects_b="$(grep -c '^kind:' "$tmp/manifest-b.yaml")"
check "every rendered object of slipway-b present ($objects_b)" \
  bash -c "[[ \$('$bin/kubectl' get -f '$tmp/manifest-b.yaml' -o name | wc -l) -eq $objects_b ]]"
sa_b="$(kubectl get -f "$tmp/manifest-b.yaml" -o jsonpath='{range .items[?(@.kind=="ServiceAccount")]}{.metadata.name}{end}')"
as_b="system:serviceaccount:slipway-b-system:$sa_b"
can "$as_b" yes get secrets -n team-b
can "$as_b" yes list projects.slipway.dev -n team-b
can "$as_b" yes create leases.coordination.k8s.io -n slipway-b-system
can "$as_b" no get secrets -n team-a
can "$as_b" no list projects.slipway.dev --all-namespaces
can "$as_b" no create jobs -n team-a
check "slipway-b's Deployment sets SLIPWAY_WATCH_NAMESPACES=team-b" \
  bash -c "[[ \$('$bin/kubectl' get deploy -n slipway-b-system slipway-b -o jsonpath='{.spec.template.spec.containers[0].env[?(@.name==\"SLIPWAY_WATCH_NAMESPACES\")].value}') == team-b ]]"
check "helm uninstall slipway-b" helm uninstall slipway-b -n slipway-b-system
check "helm uninstall slipway keeps the CRDs" \
  bash -c "'$helm_bin' uninstall slipway -n slipway-system && '$bin/kubectl' get crd projects.slipway.dev environments.slipway.dev"

finish
