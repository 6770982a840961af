#!/usr/bin/env bash
# 'make run' with a real node: the platform working on this machine, end to end.
#
# Starts the local control plane WITH the real one-node cluster (e2e/harness -node: kubelet,
# containerd, kube-proxy, CoreDNS, Traefik, a registry; see e2e/node/README.md), the platform's
# package index and runtime base image, a Postgres server on the node IP for shared databases,
# a Git server (git daemon) with a sample repository made from base-images/boilerplates/minimal,
# the operator (its image and the chart from helm/slipway, as a platform team installs it; with
# SLIPWAY_RUN_OPERATOR=jar the jar on this machine), and a sample Project: test deploys every commit of develop, live runs what
# test has Ready (deployed here once test is Ready). Prints each Environment with its URL and
# the curl line that fetches its page through the ingress. Ctrl-C stops everything and the
# harness undoes every host change.
#
#   --check   exit 0 once every sample Environment is Ready and its page answers through the
#             ingress (within SLIPWAY_RUN_TIMEOUT seconds, default 900), else 1. 'make test'
#             runs this.
#
# Needs root (the node). e2e/run-local.sh calls it; run that ('make run').
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
check=false
[[ "${1:-}" == "--check" ]] && check=true
jar="$root/operator/target/slipway-operator.jar"
state="${SLIPWAY_RUN_DIR:-$root/.slipway/run}"
timeout="${SLIPWAY_RUN_TIMEOUT:-900}"
operator_mode="${SLIPWAY_RUN_OPERATOR:-helm}"   # helm: the chart, in a pod; jar: on this machine
[[ "$operator_mode" == helm || "$operator_mode" == jar ]] \
  || { echo "OPERATOR must be helm or jar, not '$operator_mode'" >&2; exit 2; }
namespace=default
base_domain="${SLIPWAY_BASE_DOMAIN:-apps.slipway.test}"
started=$SECONDS
say() { printf '[%4ds] %s\n' $((SECONDS - started)) "$*" >&2; }

rm -rf "$state" && mkdir -p "$state"
pids=() pg_data=""
cleanup() {
  trap - EXIT INT TERM
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  if [[ -n "$pg_data" && -f "$pg_data/postmaster.pid" ]]; then
    setpriv --reuid=postgres --regid=postgres --init-groups -- "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w -t 20 stop >/dev/null 2>&1 || true
  fi
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  say "stopped; the node's host changes are undone (logs in $state)"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the cluster ------------------------------------------------------------------------------
say "building (or finding in ~/.cache/slipway) the control plane and the node..."
bundle="$("$root/e2e/build-node.sh")"
"$bundle/bin/harness" -bin "$bundle/bin" -dir "$state/node" -node -registry-seed "$(readlink -f "$bundle/registry")" \
  -crds "$root/crds" > "$state/harness.log" 2>&1 &
pids+=($!)
harness_pid=$!
( cd "$root" && { [[ -f "$jar" && -z "$(find operator/src/main operator/pom.xml pom.xml -newer "$jar" -print -quit)" ]] \
    || mvn -B -q -DskipTests package; } ) >&2
for _ in $(seq 1 240); do
  [[ -f "$state/node/ready" ]] && break
  kill -0 "$harness_pid" 2>/dev/null || { say "the node did not start:"; tail -40 "$state/harness.log" >&2; exit 1; }
  sleep 0.5
done
[[ -f "$state/node/ready" ]] || { say "the node was not ready in time:"; tail -40 "$state/harness.log" >&2; exit 1; }
ready_line="$(grep -m1 '^READY ' "$state/harness.log")"
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$ready_line"; }
export KUBECONFIG="$(field kubeconfig)"
node_ip="$(field node-ip)" registry="$(field registry)" pod_cidr="$(field pod-cidr)"
ingress="$(field ingress)"; ingress="${ingress:-$node_ip:80}"
kubectl() { "$bundle/bin/kubectl" "$@"; }
say "node ready: node IP $node_ip, registry $registry, ingress $ingress"

image() { # image NAME -> registry/repository@digest from the bundle's images.env
  local repo digest
  repo="$(sed -n "s/^$1_IMAGE=//p" "$bundle/images.env")"; digest="$(sed -n "s/^$1_DIGEST=//p" "$bundle/images.env")"
  echo "$registry/${repo%%:*}@$digest"
}

# --- the platform's package index and runtime base image --------------------------------------
say "package index and runtime image..."
"$root/e2e/node/platform.sh" --kubeconfig "$KUBECONFIG" --bundle "$bundle" --registry "$registry" --node-ip "$node_ip" \
  --state "$state/platform" > "$state/platform.log" 2>&1 || { say "the platform images or the package index failed:"; tail -40 "$state/platform.log" >&2; exit 1; }
SLIPWAY_PIP_INDEX_URL="$(sed -n 's/^SLIPWAY_PIP_INDEX_URL=//p' "$state/platform/platform.env")"
SLIPWAY_RUNTIME_IMAGE="$(sed -n 's/^SLIPWAY_RUNTIME_IMAGE=//p' "$state/platform/platform.env")"
export SLIPWAY_PIP_INDEX_URL SLIPWAY_RUNTIME_IMAGE
say "package index at $SLIPWAY_PIP_INDEX_URL, runtime image $SLIPWAY_RUNTIME_IMAGE"

# --- a Postgres server on the node IP for shared databases ------------------------------------
pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
pg_dir="$state/postgres" pg_data="$state/postgres/data" pg_port=55432
pg_password="$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
mkdir -p "$pg_dir" && printf '%s\n' "$pg_password" > "$pg_dir/pwfile" && chown -R postgres:postgres "$pg_dir" && chmod 700 "$pg_dir"
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; }
as_postgres "$pg_bin/initdb" -D "$pg_data" --username=admin --auth=scram-sha-256 --pwfile="$pg_dir/pwfile" \
  --encoding=UTF8 --locale=C --no-sync >"$pg_dir/initdb.log" 2>&1
rm -f "$pg_dir/pwfile"
# the pods, and the operator on this machine (it connects to the node IP too, like the pods)
printf 'host all all %s scram-sha-256\nhost all all %s/32 scram-sha-256\n' "$pod_cidr" "$node_ip" >> "$pg_data/pg_hba.conf"
as_postgres "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_dir/postgres.log" -w -t 30 \
  -o "-c listen_addresses=127.0.0.1,$node_ip -c port=$pg_port -c unix_socket_directories=$pg_dir -c fsync=off" start >/dev/null
say "Postgres on $node_ip:$pg_port"

# --- a Git server with the sample repository --------------------------------------------------
git_root="$state/git"
mkdir -p "$git_root"
work="$(mktemp -d)"
cp -r "$root/base-images/boilerplates/minimal/." "$work/"
rm -rf "$work/__pycache__" "$work/staticfiles" "$work/db.sqlite3"
git -C "$work" init -q -b develop
git -C "$work" -c user.name=Slipway -c user.email=run@slipway.invalid add -A
git -C "$work" -c user.name=Slipway -c user.email=run@slipway.invalid commit -qm "the minimal boilerplate"
git clone -q --bare "$work" "$git_root/sample.git"
rm -rf "$work"
# git-daemon itself, not the 'git daemon' wrapper: a signal to the wrapper leaves its child behind
"$(git --exec-path)/git-daemon" --reuseaddr --listen="$node_ip" --port=9418 --base-path="$git_root" --export-all \
  --enable=receive-pack "$git_root" > "$state/git-daemon.log" 2>&1 &
pids+=($!)
say "Git: git://$node_ip/sample.git (clone it, commit to develop, push: test follows)"

# --- the operator -----------------------------------------------------------------------------
kubectl get namespace slipway-system >/dev/null 2>&1 || kubectl create namespace slipway-system >/dev/null
kubectl -n slipway-system create secret generic shared-db --from-literal=host="$node_ip" --from-literal=port="$pg_port" \
  --from-literal=username=admin --from-literal=password="$pg_password" --from-literal=database=postgres \
  --from-literal=sslmode=disable >/dev/null
operator_log="$state/operator.log"
if [[ "$operator_mode" == jar ]]; then
  # The developer's inner loop: the jar on this machine, started in a second.
  SLIPWAY_LEASE_NAMESPACE=slipway-system \
  SLIPWAY_HTTP_PORT="${SLIPWAY_HTTP_PORT:-8080}" \
  SLIPWAY_REGISTRY="$registry/slipway" \
  SLIPWAY_REGISTRY_INSECURE=true \
  SLIPWAY_KANIKO_IMAGE="$(image KANIKO)" \
  SLIPWAY_GIT_IMAGE="$(image GIT)" \
  SLIPWAY_LOCAL_POSTGRES_IMAGE="$(image POSTGRES)" \
  SLIPWAY_BASE_DOMAIN="$base_domain" \
  SLIPWAY_INGRESS_CLASS=traefik \
  SLIPWAY_DATABASE_MODE=shared \
  SLIPWAY_SHARED_DATABASE_SECRET=shared-db \
  SLIPWAY_POLL_INTERVAL="${SLIPWAY_POLL_INTERVAL:-10s}" \
    java -jar "$jar" > "$operator_log" 2>&1 &
  pids+=($!)
  operator_pid=$!
  operator_running() { kill -0 "$operator_pid" 2>/dev/null; }
  operator_logs() { tail -40 "$operator_log"; }
  say "operator started on this machine (OPERATOR=jar; log: $operator_log)"
else
  # As a platform team installs it: the operator's image (jib, on the node's jlinked JRE) in the
  # node's registry, and the chart from helm/slipway, one replica with leader election.
  helm="$("$root/e2e/build-helm.sh")"
  operator_image="$(java -cp "$jar" dev.slipway.image.OperatorImage --jar "$jar" --to "$registry/slipway/operator:run" \
    --base "$(image JLINK)" --insecure 2>>"$state/image.log" | tail -1)"
  say "operator image $operator_image"
  cat > "$state/values.yaml" <<VALUES
image:
  repository: ${operator_image%@*}
  digest: ${operator_image#*@}
replicaCount: 1
watchNamespaces: [$namespace]
registry:
  url: $registry/slipway
  insecure: true
build:
  kanikoImage: $(image KANIKO)
  gitImage: $(image GIT)
  runtimeImage: $SLIPWAY_RUNTIME_IMAGE
  pipIndexUrl: $SLIPWAY_PIP_INDEX_URL
source:
  pollInterval: ${SLIPWAY_POLL_INTERVAL:-10s}
database:
  mode: shared
  shared:
    secretName: shared-db
  localPostgresImage: $(image POSTGRES)
ingress:
  baseDomain: $base_domain
  className: traefik
VALUES
  "$helm" upgrade --install slipway "$root/helm/slipway" -n slipway-system -f "$state/values.yaml" --wait --timeout 5m \
    > "$state/helm.log" 2>&1 || { say "helm install failed:"; cat "$state/helm.log" >&2; kubectl -n slipway-system get pods -o wide >&2 || true; exit 1; }
  operator_running() {
    [[ "$(kubectl -n slipway-system get deployment slipway -o jsonpath='{.status.readyReplicas}' 2>/dev/null)" == 1 ]]
  }
  operator_logs() { kubectl -n slipway-system logs deployment/slipway --tail=40 2>&1; }
  say "operator installed with Helm: helm -n slipway-system status slipway (values: $state/values.yaml;" \
    "log: kubectl -n slipway-system logs deploy/slipway)"
fi

kubectl apply -n "$namespace" -f - >/dev/null <<EOF
apiVersion: slipway.dev/v1alpha1
kind: Project
metadata:
  name: sample
spec:
  source:
    url: git://$node_ip/sample.git
  boilerplate: minimal
  database:
    mode: shared
  environments:
  - name: test
    branch: develop
    autoDeploy: true
  - name: live
    promoteFrom: test
EOF
say "Project sample applied: test builds develop, live runs what test has Ready"

# --- until Ctrl-C (or, with --check, until the pages answer) ----------------------------------
deployed_live=false announced=false
page() { curl -s --max-time 5 -H "Host: $1" "http://$ingress/"; }
while true; do
  operator_running || { say "the operator stopped:"; operator_logs >&2; exit 1; }
  kill -0 "$harness_pid" 2>/dev/null || { say "the node stopped:"; tail -40 "$state/harness.log" >&2; exit 1; }
  table="$(kubectl get proj,env -n "$namespace" 2>&1 || true)"
  phases="$(kubectl get env -n "$namespace" -o jsonpath='{range .items[*]}{.metadata.name}={.status.phase}{"\n"}{end}' 2>/dev/null || true)"
  if ! $deployed_live && grep -q '^sample-test=Ready$' <<<"$phases"; then
    kubectl annotate env -n "$namespace" sample-live slipway.dev/deploy="$(date +%s)" --overwrite >/dev/null
    deployed_live=true
    say "sample-test is Ready; deploying it to sample-live"
  fi
  all_ready=false
  if grep -q '^sample-test=Ready$' <<<"$phases" && grep -q '^sample-live=Ready$' <<<"$phases" \
      && page "sample-test.$base_domain" | grep -q 'It works' && page "sample-live.$base_domain" | grep -q 'It works'; then
    all_ready=true
  fi
  if $check; then
    if $all_ready; then
      echo "$table"
      say "make run: every sample Environment is Ready and answers through the ingress:"
      for env in test live; do
        echo "  curl -H 'Host: sample-$env.$base_domain' http://$ingress/"
      done
      exit 0
    fi
    if (( SECONDS - started > timeout )); then
      echo "$table" >&2
      say "make run: not every sample Environment answered within ${timeout}s"
      kubectl get pods -A -o wide >&2 || true
      operator_logs >&2
      exit 1
    fi
  else
    printf '\033[H\033[2J%s\n\n' "$table"
    if $all_ready; then
      echo "Ready. Each Environment's page, through the ingress on this machine:"
      for env in test live; do
        echo "  curl -H 'Host: sample-$env.$base_domain' http://$ingress/"
      done
      echo
      echo "Push to develop and watch test follow:  git clone git://$node_ip/sample.git"
      $announced || say "ready after $((SECONDS - started))s"
      announced=true
    fi
    echo "(Ctrl-C stops everything and undoes the node's host changes; KUBECONFIG=$KUBECONFIG)"
  fi
  sleep 3
done
