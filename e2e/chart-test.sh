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
  [[ -n "${operator_pid:-}" ]] && kill "$operator_pid" 2>/dev/null && wait "$operator_pid" 2>/dev/null
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

# Every variable the operator's settings declare is set by the full values. The build lists them
# (dev.slipway.config.Settings, at process-classes); SettingsDeclarationsTest checks the README's
# Configuration table and the templates against the same declarations.
settings_list=operator/target/settings/variables.txt
if [[ ! -f "$settings_list" ]]; then
  echo "listing the declared settings (mvn -pl operator process-classes)..."
  mvn -B -ntp -q -pl operator process-classes > "$tmp/mvn-settings.log" 2>&1 || tail -30 "$tmp/mvn-settings.log"
fi
vars="$(cat "$settings_list" 2>/dev/null)"
check "the build lists the declared settings ($settings_list)" test -n "$vars"
missing=""
# (SLIPWAY_WATCH_NAMESPACES belongs to the namespaced mode, so that rendering counts too.)
for v in $vars; do grep -q "name: $v\$" "$tmp/full.yaml" "$tmp/namespaced.yaml" || missing+=" $v"; done
check "full (+ namespaced) values set all $(wc -w <<<"$vars") operator variables${missing:+ (missing:$missing)}" test -z "$missing"
unset_default="$(grep -oE 'name: SLIPWAY_[A-Z_]+' "$tmp/default.yaml" | awk '{print $2}' | sort | tr '\n' ' ')"
check "default values leave unset settings out (env: $unset_default)" \
  test "$unset_default" = "SLIPWAY_HTTP_PORT SLIPWAY_LEADER_ELECTION SLIPWAY_LEASE_NAME SLIPWAY_LEASE_NAMESPACE SLIPWAY_PROBE_PORT SLIPWAY_REGISTRY_CREDENTIALS "
check "the image digest wins over the tag" grep -q 'image: "registry.example.com/platform/slipway-operator@sha256:0123' "$tmp/full.yaml"
check "AWS credentials come only from an optional secretKeyRef" \
  bash -c "grep -A5 'name: SLIPWAY_AWS_SECRET_ACCESS_KEY' '$tmp/full.yaml' | grep -q 'optional: true'"
check "the webhook token comes from a Secret" \
  bash -c "grep -A4 'name: SLIPWAY_WEBHOOK_TOKEN' '$tmp/full.yaml' | grep -q 'name: \"slipway-webhook\"'"
check "the kubelet probes the probe port; the Service exposes only the HTTP port" bash -c "
  grep -A3 'livenessProbe:' '$tmp/full.yaml' | grep -q 'port: probes' && grep -A3 'readinessProbe:' '$tmp/full.yaml' | grep -q 'port: probes' &&
  grep -B1 -A1 'name: probes' '$tmp/full.yaml' | grep -q 'containerPort: 9091' &&
  grep -A1 'name: SLIPWAY_PROBE_PORT' '$tmp/full.yaml' | grep -q 'value: \"9091\"' &&
  '$helm_bin' template s '$chart' -f e2e/helm/values-full.yaml -s templates/service.yaml > '$tmp/service.yaml' &&
  grep -q 'port: 9090' '$tmp/service.yaml' && ! grep -qE '9091|probes' '$tmp/service.yaml'"
check "the chart refuses a probe port equal to the HTTP port" \
  bash -c "! '$helm_bin' template s '$chart' --set http.probePort=8080 >/dev/null 2>&1"
check "no wildcard and no escalate/bind/impersonate in any rendering" \
  bash -c "! grep -nE \"'\\*'|\\\"\\*\\\"|\\[\\*|\\*\\]|escalate|bind,|, bind|impersonate\" '$tmp/default.yaml' '$tmp/full.yaml' '$tmp/namespaced.yaml'"
check "namespaced mode renders no ClusterRole/ClusterRoleBinding" bash -c "! grep -qE '^kind: ClusterRole' '$tmp/namespaced.yaml'"
check "namespaced mode sets SLIPWAY_WATCH_NAMESPACES" grep -A1 -q 'name: SLIPWAY_WATCH_NAMESPACES' "$tmp/namespaced.yaml"
check "ServiceMonitor rendered when enabled and the API exists" grep -q '^kind: ServiceMonitor$' "$tmp/full.yaml"
check "no ServiceMonitor when enabled but the API is missing" \
  bash -c "! '$helm_bin' template s '$chart' --set metrics.serviceMonitor.enabled=true | grep -q 'kind: ServiceMonitor'"
check "the schema refuses a bad registry layout and duration" \
  bash -c "! '$helm_bin' template s '$chart' --set registry.layout=bogus --set source.pollInterval=10x"

# The package index (packageIndex): off by default; its objects are checked on the API server below.
check "package index off by default: no object of it, no SLIPWAY_PIP_INDEX_URL" \
  bash -c "! grep -qE 'package-index|SLIPWAY_PIP_INDEX_URL' '$tmp/default.yaml'"
check "helm lint with the package index enabled" \
  helm lint "$chart" --set packageIndex.enabled=true --set packageIndex.uploadCredentialsSecret=index-uploaders
index_url=https://pypi.example.com/simple/
helm template slipway "$chart" -n slipway-index --set packageIndex.enabled=true > "$tmp/index.yaml" 2>&1
helm template slipway "$chart" -n slipway-index --set packageIndex.enabled=true \
  --set packageIndex.uploadCredentialsSecret=index-uploaders --set packageIndex.persistence.enabled=false > "$tmp/index-credentials.yaml" 2>&1
helm template slipway "$chart" -n slipway-index --set packageIndex.enabled=true --set build.pipIndexUrl="$index_url" \
  > "$tmp/index-explicit.yaml" 2>&1
check "full values: the index with its StorageClass and upload Secret; their build.pipIndexUrl wins" bash -c "
  grep -q 'name: slipway-operator-package-index' '$tmp/full.yaml' && grep -q 'storageClassName: \"gp3\"' '$tmp/full.yaml' &&
  grep -q 'secretName: \"package-index-uploaders\"' '$tmp/full.yaml' &&
  grep -A1 'name: SLIPWAY_PIP_INDEX_URL' '$tmp/full.yaml' | grep -q 'value: \"https://pypi.example.com/simple\"'"
for bad in packageIndex.enabled=yes packageIndex.replicas=2 packageIndex.service.port=http \
    packageIndex.persistence.size=lots packageIndex.image.digest=latest packageIndex.uploadCredentialsSecret=Not_A_Name \
    packageIndex.unknown=1; do
  check "the schema refuses $bad" bash -c "! '$helm_bin' template s '$chart' --set '$bad' >/dev/null 2>&1"
done

# --- on the local control plane ---------------------------------------------------------------
# The audit log records every request of the release's ServiceAccounts (reads too) besides the
# writes of everyone; OwnerReferencesPermissionEnforcement is on, as on OpenShift and hardened
# clusters, so the operator run below also proves the owner-reference rules.
cat > "$tmp/audit-policy.yaml" <<'EOF'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
  userGroups: ["system:serviceaccounts:slipway-system"]
- level: Metadata
  verbs: ["create", "update", "patch", "delete", "deletecollection"]
- level: None
EOF
"$bin/harness" -bin "$bin" -dir "$state" -audit-policy "$tmp/audit-policy.yaml" \
  -apiserver-arg=--enable-admission-plugins=OwnerReferencesPermissionEnforcement > "$tmp/harness.log" 2>&1 &
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

# The package index renderings, as the API server takes them: a server-side dry run with strict
# field validation in a namespace that enforces (and warns about) Pod Security 'restricted'.
check "namespace slipway-index enforcing Pod Security 'restricted'" bash -c "
  '$bin/kubectl' create namespace slipway-index && '$bin/kubectl' label namespace slipway-index \
    pod-security.kubernetes.io/enforce=restricted pod-security.kubernetes.io/warn=restricted"
for rendering in index index-credentials index-explicit; do
  check "API server accepts $rendering.yaml (dry run, strict validation, no Pod Security warning)" bash -c "
    '$bin/kubectl' create --dry-run=server --validate=strict -o json -f '$tmp/$rendering.yaml' > '$tmp/$rendering.json' 2> '$tmp/$rendering.err'
    rc=\$?; cat '$tmp/$rendering.err'; [[ \$rc -eq 0 ]] && ! grep -qi 'warning' '$tmp/$rendering.err'"
done
python3 e2e/chart-package-index.py slipway slipway-index "$tmp/index.json" "$tmp/index-credentials.json" \
  "$tmp/index-explicit.json" "$index_url" > "$tmp/index-checks" 2>&1
index_rc=$?
while read -r status what; do
  case "$status" in ok) pass "$what" ;; not) fail "${what#ok }" ;; esac
done < "$tmp/index-checks"
if [[ $index_rc -ne 0 ]] && ! grep -q '^not ok' "$tmp/index-checks"; then
  fail "e2e/chart-package-index.py exited $index_rc"; sed 's/^/     /' "$tmp/index-checks" | tail -20
fi

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
deployment="$(kubectl get -f "$tmp/manifest.yaml" -o jsonpath='{range .items[?(@.kind=="Deployment")]}{.metadata.name}{end}')"

# can SA EXPECT VERB RESOURCE [ARGS...]: kubectl auth can-i as that ServiceAccount answers EXPECT.
can() {
  local who="$1" want="$2"; shift 2
  local got; got="$(kubectl auth can-i --as="$who" "$@" 2>"$tmp/can-i.err")"
  [[ -n "$got" ]] || got="$(tr '\n' ' ' < "$tmp/can-i.err")"
  if [[ "$got" == "$want" ]]; then pass "can-i $* -> $got"; else fail "can-i $* -> $got (want $want)"; fi
}
as="system:serviceaccount:slipway-system:$sa"
lease="$(kubectl get deploy -n slipway-system "$deployment" -o jsonpath='{.spec.template.spec.containers[0].env[?(@.name=="SLIPWAY_LEASE_NAME")].value}')"

# --- RBAC: exactly the table in helm/slipway/README.md ------------------------------------------
# What the API server says the ServiceAccount may do equals the README's table, rule for rule:
# everything not listed there is denied.
kubectl auth can-i --list --as="$as" -n team-a > "$tmp/can-list-watched" 2>&1
check "can-i --list in a watched namespace equals README's 'watched' rules" \
  python3 e2e/chart-rbac.py list "$chart/README.md" watched "$tmp/can-list-watched" "leaderElection.leaseName=$lease"
kubectl auth can-i --list --as="$as" -n slipway-system > "$tmp/can-list-release" 2>&1
check "can-i --list in the release namespace equals README's 'watched' + 'release' rules" \
  python3 e2e/chart-rbac.py list "$chart/README.md" watched,release "$tmp/can-list-release" "leaderElection.leaseName=$lease"
# Every documented verb is allowed, one can-i each.
while read -r line; do
  line="${line//WATCHED_NS/team-a}"; line="${line//RELEASE_NS/slipway-system}"
  # shellcheck disable=SC2086
  can "$as" yes $line
done < <(python3 e2e/chart-rbac.py can-args "$chart/README.md" "leaderElection.leaseName=$lease")
can "$as" yes list projects.slipway.dev --all-namespaces
# ... and what a least-privilege operator must not do, denied.
for denied in "list secrets" "watch secrets" "update secrets" "delete secrets" "deletecollection secrets" \
    "update projects.slipway.dev" "patch projects.slipway.dev" "create projects.slipway.dev" "delete projects.slipway.dev" \
    "update projects.slipway.dev --subresource=status" "update environments.slipway.dev" \
    "update environments.slipway.dev --subresource=status" "deletecollection environments.slipway.dev" \
    "create pods --subresource=exec" "get pods --subresource=log" "create pods" "delete pods" "get pods" \
    "create pods --subresource=eviction" "get jobs.batch" "patch jobs.batch" "update jobs.batch" \
    "get deployments.apps" "update deployments.apps" "get cronjobs.batch" "update cronjobs.batch" "delete statefulsets.apps" \
    "list statefulsets.apps" "update services" "delete services" "update ingresses.networking.k8s.io" \
    "patch events" "delete events" "get configmaps" "create persistentvolumeclaims" "create serviceaccounts --subresource=token" \
    "create leases.coordination.k8s.io" "create roles" "create rolebindings" "escalate roles"; do
  # shellcheck disable=SC2086
  can "$as" no $denied -n team-a
done
for denied in "list secrets --all-namespaces" "* *" "* * --all-namespaces" "* secrets" "get *" "* jobs.batch" \
    "list nodes" "get nodes" "delete nodes" "create clusterroles" "bind clusterroles" "escalate clusterroles" \
    "create clusterrolebindings" "impersonate users" "impersonate serviceaccounts" "list namespaces" "delete namespaces" \
    "create customresourcedefinitions.apiextensions.k8s.io" "create mutatingwebhookconfigurations.admissionregistration.k8s.io" \
    "list leases.coordination.k8s.io -n slipway-system" "delete leases.coordination.k8s.io -n slipway-system" \
    "get leases.coordination.k8s.io/kube-controller-manager -n slipway-system" \
    "update leases.coordination.k8s.io/another-lease -n slipway-system"; do
  set -f  # the '*' are arguments, not globs
  # shellcheck disable=SC2086
  can "$as" no $denied
  set +f
done
# Server-side apply that creates an object needs create besides patch (why deployments, services,
# statefulsets, ingresses, PDBs and environments have create although the code only applies).
check "server-side apply that creates is refused with patch alone, allowed with create too" bash -c "
  set -e; k() { '$bin/kubectl' \"\$@\"; }
  k create role ssa-probe -n team-b --verb=get,patch --resource=configmaps >/dev/null
  k create rolebinding ssa-probe -n team-b --role=ssa-probe --user=ssa-prober >/dev/null
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa-probe, namespace: team-b}\n' > '$tmp/ssa-probe.yaml'
  ! k apply --server-side --as=ssa-prober -f '$tmp/ssa-probe.yaml' 2>'$tmp/ssa.err'
  grep -q 'cannot create resource' '$tmp/ssa.err'
  k create role ssa-probe-create -n team-b --verb=create --resource=configmaps >/dev/null
  k create rolebinding ssa-probe-create -n team-b --role=ssa-probe-create --user=ssa-prober >/dev/null
  k apply --server-side --as=ssa-prober -f '$tmp/ssa-probe.yaml'
  k delete role,rolebinding ssa-probe ssa-probe-create -n team-b >/dev/null; k delete configmap ssa-probe -n team-b >/dev/null"

# --- the operator itself, as the chart's ServiceAccount ------------------------------------------
# await SECONDS DESCRIPTION COMMAND...: passes once the command succeeds, fails after SECONDS.
await() {
  local secs="$1" what="$2"; shift 2
  local end=$((SECONDS + secs))
  until "$@" >"$tmp/out" 2>&1; do
    if ((SECONDS >= end)); then fail "$what (not within ${secs}s)"; sed 's/^/     /' "$tmp/out" | tail -10; return 1; fi
    sleep 1
  done
  pass "$what"
}
jsonpath() { kubectl get "$1" "$2" -n team-a -o jsonpath="$3" 2>/dev/null; }
is() { local got; got="$(jsonpath "$1" "$2" "$3")"; [[ "$got" == "$4" ]] || { echo "$1 $2 $3: '$got'"; return 1; }; }
gone() { ! kubectl get "$1" "$2" -n team-a >/dev/null 2>&1; }
pods_with() { [[ -n "$(kubectl get pod -n team-a -l "$1" -o name 2>/dev/null)" ]]; }
# The kubelet's part: Pods with these labels end (exit code, termination message) or run ready.
pod_status() { # SELECTOR PHASE EXIT_CODE MESSAGE
  local now pod containers
  now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  [[ -n "$(kubectl get pod -n team-a -l "$1" -o name)" ]] || { echo "no Pod with $1"; return 1; }
  for pod in $(kubectl get pod -n team-a -l "$1" -o jsonpath='{.items[*].metadata.name}'); do
    containers="$(kubectl get pod -n team-a "$pod" -o jsonpath='{range .spec.initContainers[*]}init {.name} {.image}{"\n"}{end}{range .spec.containers[*]}main {.name} {.image}{"\n"}{end}')"
    python3 - "$2" "$3" "$4" "$now" "$containers" > "$tmp/pod-status.json" <<'EOF'
import json, sys
phase, code, message, now, containers = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
init, main = [], []
for line in containers.splitlines():
    kind, name, image = line.split(" ", 2)
    s = {"name": name, "image": image, "imageID": image, "restartCount": 0}
    if phase == "Running":
        s.update(ready=True, started=True, state={"running": {"startedAt": now}})
    else:  # init containers succeeded; the main one ends with the code and message
        last = kind == "main"
        s.update(ready=False, started=False, state={"terminated": {
            "exitCode": code if last else 0, "reason": ("Completed" if not last or code == 0 else "Error"),
            "message": message if last else "done", "startedAt": now, "finishedAt": now}})
    (init if kind == "init" else main).append(s)
ready = "True" if phase == "Running" else "False"
conditions = [{"type": t, "status": ready if t in ("Ready", "ContainersReady") else "True", "lastTransitionTime": now}
              for t in ("Initialized", "ContainersReady", "Ready", "PodScheduled")]
print(json.dumps({"status": {"phase": phase, "startTime": now, "podIP": "10.0.0.9",
                             "initContainerStatuses": init, "containerStatuses": main, "conditions": conditions}}))
EOF
    kubectl patch pod -n team-a "$pod" --subresource=status --type=merge --patch-file "$tmp/pod-status.json" >/dev/null || return 1
  done
}

operator_pid=""
operator_run() {
  local jar=operator/target/slipway-operator.jar
  if [[ ! -f "$jar" ]]; then
    echo "building $jar (mvn -DskipTests package)..."
    mvn -B -ntp -q -DskipTests package > "$tmp/mvn.log" 2>&1 || tail -30 "$tmp/mvn.log"
  fi
  if [[ ! -f "$jar" ]]; then fail "the operator jar $jar exists"; return; fi
  pass "the operator jar $jar exists"

  # A kubeconfig with nothing but a token of the chart's ServiceAccount.
  local server ca token
  server="$(kubectl config view --raw -o jsonpath='{.clusters[0].cluster.server}')"
  ca="$(kubectl config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')"
  token="$(kubectl create token "$sa" -n slipway-system --duration=1h)"
  cat > "$tmp/operator.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster: {server: "$server", certificate-authority-data: "$ca"}
users:
- name: $sa
  user: {token: "$token"}
contexts:
- name: operator
  context: {cluster: local, user: $sa}
current-context: operator
EOF
  check "a token of ServiceAccount $sa authenticates as $as" bash -c \
    "[[ \$('$bin/kubectl' --kubeconfig '$tmp/operator.kubeconfig' auth whoami -o jsonpath='{.status.userInfo.username}') == '$as' ]]"

  # A Git remote on the file system, one commit on develop.
  local repo="$tmp/git/repo.git" src="$tmp/git/src" commit sha12
  git init -q -b develop "$src" && printf 'FROM scratch\n' > "$src/Dockerfile" && git -C "$src" add Dockerfile \
    && git -C "$src" -c user.name=chart-test -c user.email=chart-test@example.com commit -qm first \
    && git clone -q --bare "$src" "$repo"
  commit="$(git -C "$src" rev-parse HEAD)"; sha12="${commit:0:12}"

  # The Deployment's settings (leader election on, the Lease in the release namespace), plus
  # what a platform sets (README's Configuration table) and a free HTTP port.
  local -a settings
  mapfile -t settings < <(kubectl get deploy -n slipway-system "$deployment" \
    -o jsonpath='{range .spec.template.spec.containers[0].env[?(@.value)]}{.name}={.value}{"\n"}{end}')
  settings+=(KUBECONFIG="$tmp/operator.kubeconfig" POD_NAME=chart-test-operator POD_NAMESPACE=slipway-system
    SLIPWAY_HTTP_PORT=0 SLIPWAY_PROBE_PORT=0 SLIPWAY_REGISTRY=registry.example.com/slipway SLIPWAY_POLL_INTERVAL=5s
    SLIPWAY_INGRESS_CLASS=nginx SLIPWAY_DATABASE_MODE=dedicated)
  env "${settings[@]}" java -Xmx384m -XX:+UseSerialGC -jar "$jar" > "$tmp/operator.log" 2>&1 &
  operator_pid=$!
  await 90 "the operator (as $sa) holds the Lease slipway-system/$lease" \
    bash -c "[[ \$('$bin/kubectl' get lease -n slipway-system '$lease' -o jsonpath='{.spec.holderIdentity}') == chart-test-operator_* ]]"

  cat > "$tmp/projects.yaml" <<EOF
apiVersion: slipway.dev/v1alpha1
kind: Project
metadata: {name: shop, namespace: team-a}
spec:
  source: {url: "file://$repo"}
  database: {mode: none}
  environments:
  - {name: test, branch: develop, autoDeploy: true, domains: [shop-test.example.com]}
  - {name: live, promoteFrom: test, autoDeploy: true, replicas: 2}
---
apiVersion: slipway.dev/v1alpha1
kind: Project
metadata: {name: notes, namespace: team-a}
spec:
  source: {url: "file://$repo"}
  environments:
  - {name: local, stage: local, branch: develop}
EOF
  check "Projects shop (no database; test, and live promoted from test) and notes (stage local) applied" \
    kubectl apply -f "$tmp/projects.yaml"
  await 60 "Environments created by the Project controller (shop-test, shop-live, notes-local)" \
    kubectl get env -n team-a shop-test shop-live notes-local
  await 60 "build Jobs shop-build-$sha12 and notes-build-$sha12 created" kubectl get job -n team-a "shop-build-$sha12" "notes-build-$sha12"
  await 30 "Environment status written: shop-test is Building" is env shop-test '{.status.phase}' Building
  await 30 "Project status written: shop lists test and live" is proj shop '{.status.environmentNames}' test,live
  await 30 "notes-local's Local Postgres: credentials Secret, StatefulSet and Service created" \
    kubectl get -n team-a secret/notes-local-database statefulset/notes-local-postgres service/notes-local-postgres

  # Builds and rollouts.
  await 30 "build Pod of shop-build-$sha12 created" pods_with "job-name=shop-build-$sha12"
  check "kubelet: the build Pod ends with the digest as termination message" \
    pod_status "job-name=shop-build-$sha12" Succeeded 0 "sha256:$(printf shop | sha256sum | cut -c1-64)"
  await 60 "shop-test: Deployment, Service and Ingress applied" kubectl get -n team-a deploy/shop-test svc/shop-test ingress/shop-test
  await 30 "shop-test's web Pod created" pods_with "slipway.dev/project=shop,slipway.dev/environment=test,slipway.dev/component=web"
  check "kubelet: shop-test's Pod runs and is ready" pod_status "slipway.dev/project=shop,slipway.dev/environment=test,slipway.dev/component=web" Running 0 ""
  await 60 "shop-test Ready" is env shop-test '{.status.phase}' Ready
  await 60 "shop-live (promoted from test): Deployment, Service and PodDisruptionBudget applied" \
    kubectl get -n team-a deploy/shop-live svc/shop-live pdb/shop-live

  # The Local database, the release Job, then the rollout.
  await 30 "notes-local's Postgres Pod created" pods_with "slipway.dev/project=notes,slipway.dev/component=database"
  check "kubelet: the Postgres Pod runs and is ready" pod_status "slipway.dev/project=notes,slipway.dev/component=database" Running 0 ""
  await 60 "notes-local: DatabaseReady, DATABASE_URL written to its Secret" \
    bash -c "[[ -n \$('$bin/kubectl' get secret -n team-a notes-local-database -o jsonpath='{.data.DATABASE_URL}') ]]"
  await 30 "build Pod of notes-build-$sha12 created" pods_with "job-name=notes-build-$sha12"
  check "kubelet: notes' build Pod ends with its digest" \
    pod_status "job-name=notes-build-$sha12" Succeeded 0 "sha256:$(printf notes | sha256sum | cut -c1-64)"
  await 60 "release Job notes-local-migrate-$sha12 created" pods_with "job-name=notes-local-migrate-$sha12"
  check "kubelet: the release Pod succeeds" pod_status "job-name=notes-local-migrate-$sha12" Succeeded 0 "migrated"
  await 60 "notes-local: Deployment applied after the release Job" kubectl get -n team-a deploy/notes-local

  # What the operator deletes.
  check "shop: live down to one replica" kubectl patch proj shop -n team-a --type=json \
    -p '[{"op":"replace","path":"/spec/environments/1/replicas","value":1}]'
  await 60 "PodDisruptionBudget shop-live deleted" gone pdb shop-live
  check "shop: test without its domain" kubectl patch proj shop -n team-a --type=json \
    -p '[{"op":"remove","path":"/spec/environments/0/domains"}]'
  await 60 "Ingress shop-test deleted (no host left)" gone ingress shop-test
  check "shop: live removed from the mapping" kubectl patch proj shop -n team-a --type=json \
    -p '[{"op":"remove","path":"/spec/environments/1"}]'
  await 60 "Environment shop-live deleted (finalizer removed)" gone env shop-live
  printf 'RUN true\n' >> "$src/Dockerfile"
  git -C "$src" -c user.name=chart-test -c user.email=chart-test@example.com commit -qam second && git -C "$src" push -q "$repo" develop
  local second; second="$(git -C "$src" rev-parse HEAD)"; second="${second:0:12}"
  await 60 "a new commit: build Pod of shop-build-$second created" pods_with "job-name=shop-build-$second"
  check "kubelet: that build fails" pod_status "job-name=shop-build-$second" Failed 1 "error building image"
  await 60 "shop-test: the failed build shows (Built=False)" \
    is env shop-test '{.status.conditions[?(@.type=="Built")].status} {.status.conditions[?(@.type=="Built")].reason}' "False BuildFailed"
  local uid; uid="$(jsonpath job "shop-build-$second" '{.metadata.uid}')"
  check "shop-test: retry asked with slipway.dev/refresh" kubectl annotate env shop-test -n team-a slipway.dev/refresh=retry-1
  await 60 "the failed build Job deleted and started again" \
    bash -c "u=\$('$bin/kubectl' get job -n team-a shop-build-$second -o jsonpath='{.metadata.uid}') && [[ -n \$u && \$u != '$uid' ]]"

  # The proof: the API server refused nothing, and what was asked is what the table says.
  check "operator still running and holding the Lease" bash -c "kill -0 $operator_pid && \
    [[ \$('$bin/kubectl' get lease -n slipway-system '$lease' -o jsonpath='{.spec.holderIdentity}') == chart-test-operator_* ]]"
  local audit
  if audit="$(python3 e2e/chart-rbac.py audit "$chart/README.md" "$state/audit.log" "$as" 2>&1)"; then
    pass "audit log: no request of the operator refused, each covered by README's table, each documented verb requested ($(tail -1 <<<"$audit"))"
  else
    fail "audit log: no request of the operator refused, each covered by README's table, each documented verb requested"
    sed 's/^/     /' <<<"$audit" | tail -30; sed 's/^/     /' "$tmp/operator.log" | grep -iE 'forbidden|403' | head -5
  fi
  check "operator log: no Forbidden and no 403" bash -c "! grep -nE 'Forbidden|forbidden|HTTP 403|code: 403' '$tmp/operator.log'"
  kill -TERM "$operator_pid" 2>/dev/null
  check "the operator stops on SIGTERM" bash -c "for _ in \$(seq 1 60); do kill -0 $operator_pid 2>/dev/null || exit 0; sleep 0.5; done; exit 1"
  operator_pid=""
}
# The real jar with a token of the ServiceAccount, leader election on, the Deployment's settings:
# it must get through builds, a Local database, a release Job, rollouts and deletions with no
# request refused. No kubelet here: the test writes the Pod status a kubelet would.
operator_run

# A second release watching only team-b, CRDs already there.
check "helm install slipway-b (namespaced, --skip-crds)" \
  helm install slipway-b "$chart" -n slipway-b-system --create-namespace --skip-crds --wait=false -f e2e/helm/values-namespaced.yaml
helm get manifest slipway-b -n slipway-b-system > "$tmp/manifest-b.yaml"
objects_b="$(grep -c '^kind:' "$tmp/manifest-b.yaml")"
check "every rendered object of slipway-b present ($objects_b)" \
  bash -c "[[ \$('$bin/kubectl' get -f '$tmp/manifest-b.yaml' -o name | wc -l) -eq $objects_b ]]"
sa_b="$(kubectl get -f "$tmp/manifest-b.yaml" -o jsonpath='{range .items[?(@.kind=="ServiceAccount")]}{.metadata.name}{end}')"
as_b="system:serviceaccount:slipway-b-system:$sa_b"
kubectl auth can-i --list --as="$as_b" -n team-b > "$tmp/can-list-b-watched" 2>&1
check "slipway-b: can-i --list in team-b equals README's 'watched' rules" \
  python3 e2e/chart-rbac.py list "$chart/README.md" watched "$tmp/can-list-b-watched" "leaderElection.leaseName=slipway-operator"
kubectl auth can-i --list --as="$as_b" -n slipway-b-system > "$tmp/can-list-b-release" 2>&1
check "slipway-b: can-i --list in its release namespace equals README's 'release' rules (no ClusterRole)" \
  python3 e2e/chart-rbac.py list "$chart/README.md" release "$tmp/can-list-b-release" "leaderElection.leaseName=slipway-operator"
kubectl auth can-i --list --as="$as_b" -n team-a > "$tmp/can-list-b-other" 2>&1
check "slipway-b: nothing at all in team-a" \
  python3 e2e/chart-rbac.py list "$chart/README.md" none "$tmp/can-list-b-other"
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
