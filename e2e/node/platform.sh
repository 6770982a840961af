#!/usr/bin/env bash
# The platform's own images and its package index, on a running real node (e2e/harness -node):
#
#   1. seed: this machine's pip downloads, once, every distribution the runtime image, the
#      boilerplates and the index itself install, for the runtime image's platform (Debian 12:
#      CPython 3.11, glibc 2.36, x86_64): wheels where PyPI has them, the sdist where it has none
#      (uWSGI) — package-index/seed.py. Pods reach no outside index; this is all they get.
#   2. a bootstrap index: those files as a static PEP 503 tree, served from this machine on the
#      node IP for the three builds below (the real index is one of them).
#   3. Kaniko, in real pods, from the repository's Dockerfiles (context: a hostPath copy):
#        slipway/runtime         base-images/runtime, OS image = the Debian OS image (debootstrap)
#        slipway/wheel-builder   the same Dockerfile's wheel-builder stage (compilers, same Python)
#        slipway/package-index   base-images/package-index, FROM the runtime image just built
#   4. the package index (pypiserver) as a Deployment + Service in slipway-platform, its storage
#      starting from the seed, uploads for one generated user;
#   5. the wheel-building Job, in the wheel-builder image: `pip wheel` of every requirement file
#      against the index; the wheels it compiled (uWSGI) are uploaded, so builds install wheels only.
#
# Steps 3 and 5 are cached under ~/.cache/slipway/node/platform/<key> (the images as OCI
# layouts pushed back with crane, the compiled wheels copied into the index's storage), keyed by
# every input: Dockerfiles and files of both contexts, the seed's SHA256SUMS, the OS and Kaniko
# image digests. A warm run takes seconds; a cold one a few minutes (uWSGI compiles twice: once
# in the runtime build from the sdist, once in the wheel Job).
#
#   e2e/node/platform.sh --kubeconfig K --bundle B --registry 10.200.0.1:5000 --node-ip 10.200.0.1 --state DIR
#
# Prints, last, KEY=value lines (and writes them to DIR/platform.env):
#   SLIPWAY_RUNTIME_IMAGE, SLIPWAY_WHEEL_BUILDER_IMAGE, SLIPWAY_PACKAGE_INDEX_IMAGE (by digest,
#   as pods pull them), SLIPWAY_PIP_INDEX_URL (in-cluster Service URL, …/simple/),
#   SLIPWAY_PACKAGE_INDEX_PACKAGES (the distributions it serves, space-separated file names).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
kubeconfig="" bundle="" registry="" node_ip="" state=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --kubeconfig) kubeconfig="$2"; shift 2 ;;
    --bundle) bundle="$2"; shift 2 ;;
    --registry) registry="$2"; shift 2 ;;
    --node-ip) node_ip="$2"; shift 2 ;;
    --state) state="$2"; shift 2 ;;
    *) echo "platform: unknown argument $1" >&2; exit 2 ;;
  esac
done
: "${kubeconfig:?--kubeconfig}" "${bundle:?--bundle}" "${registry:?--registry}" "${node_ip:?--node-ip}" "${state:?--state}"

cache="${SLIPWAY_CACHE:-$HOME/.cache/slipway}/node/platform"
kubectl=("$bundle/bin/kubectl" --kubeconfig "$kubeconfig")
crane="$bundle/bin/crane"
# not the operator's namespace: the platform's Kaniko pods run as root, and the chart installs a
# package index of its own (the same name) into the release namespace
ns=slipway-platform
index_name=slipway-package-index
index_port=8080
index_url="http://$index_name.$ns.svc.cluster.local:$index_port/simple/"
log() { echo "platform: $*" >&2; }
started=$SECONDS
mkdir -p "$cache" "$state"
# shellcheck disable=SC1091
source "$bundle/images.env"
os_image="$registry/$OS_IMAGE@$OS_DIGEST"
kaniko_image="$registry/$KANIKO_IMAGE@$KANIKO_DIGEST"

# ---- 1. seed -----------------------------------------------------------------------------
requirements=(base-images/runtime/requirements.txt base-images/boilerplates/*/requirements.txt
  base-images/package-index/requirements.txt)
seed_key="$( (cd "$root" && cat "${requirements[@]}" base-images/package-index/build-requirements.txt \
  e2e/node/package-index/seed.py; python3 --version) | sha256sum | cut -c1-16)"
seed="$cache/seed/$seed_key"
exec 9>"$cache/.lock"
flock 9
if [[ ! -s $seed/SHA256SUMS ]]; then
  log "seeding the package index with this machine's pip (Python 3.11, glibc 2.36, x86_64)"
  rm -rf "$seed.tmp" && mkdir -p "$seed.tmp"
  (cd "$root" && python3 e2e/node/package-index/seed.py --dest "$seed.tmp/files" --python 3.11 --glibc 2.36 \
    --constraints base-images/package-index/build-requirements.txt "${requirements[@]}")
  mv "$seed.tmp/files/SHA256SUMS" "$seed.tmp/SHA256SUMS"
  rm -rf "$seed" && mv "$seed.tmp" "$seed"
fi

# ---- the cache key of the images and the compiled wheels -----------------------------------
key="$( (cd "$root" && find base-images/runtime base-images/package-index e2e/node/package-index \
    e2e/node/platform.sh -type f | LC_ALL=C sort | xargs sha256sum
  cat "$seed/SHA256SUMS"; echo "$OS_DIGEST $KANIKO_DIGEST") | sha256sum | cut -c1-16)"
built="$cache/built/$key"

# ---- 2. the bootstrap index: a static PEP 503 tree on the node IP ----------------------------
boot="$state/platform/bootstrap"
rm -rf "$boot" && mkdir -p "$boot/files" "$boot/simple"
cp "$seed"/files/* "$boot/files/"
python3 - "$boot" <<'EOF'
import pathlib, re, sys, hashlib, html
root = pathlib.Path(sys.argv[1])
projects = {}
for f in sorted((root / "files").iterdir()):
    n = f.name
    name = n.split("-")[0] if n.endswith(".whl") else re.sub(r"\.(tar\.gz|zip)$", "", n).rsplit("-", 1)[0]
    projects.setdefault(re.sub(r"[-_.]+", "-", name).lower(), []).append(f)
for p, files in projects.items():
    d = root / "simple" / p
    d.mkdir(parents=True)
    links = "".join(f'<a href="../../files/{html.escape(f.name)}#sha256={hashlib.sha256(f.read_bytes()).hexdigest()}">{html.escape(f.name)}</a>\n' for f in files)
    (d / "index.html").write_text(f"<!DOCTYPE html><html><body>\n{links}</body></html>\n")
(root / "simple" / "index.html").write_text("<!DOCTYPE html><html><body>\n" + "".join(f'<a href="{p}/">{p}</a>\n' for p in sorted(projects)) + "</body></html>\n")
EOF
boot_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("'"$node_ip"'",0)); print(s.getsockname()[1])')"
python3 -m http.server --bind "$node_ip" --directory "$boot" "$boot_port" >"$state/platform/bootstrap-index.log" 2>&1 &
boot_pid=$!
trap 'kill $boot_pid 2>/dev/null || true' EXIT
boot_url="http://$node_ip:$boot_port/simple/"

"${kubectl[@]}" get namespace "$ns" >/dev/null 2>&1 || "${kubectl[@]}" create namespace "$ns" >/dev/null

# ---- 3. Kaniko builds, in real pods --------------------------------------------------------
# kaniko_build NAME CONTEXT_DIR DESTINATION [kaniko args...]: prints the pushed digest
kaniko_build() {
  local name=$1 context=$2 destination=$3; shift 3
  local ctx="$state/platform/context-$name"
  rm -rf "$ctx" && mkdir -p "$ctx" && cp -a "$context"/. "$ctx"/
  local args="" a
  for a in --context=dir:///workspace --destination="$destination" --cache=false \
      --digest-file=/dev/termination-log --insecure --skip-tls-verify --insecure-pull --skip-tls-verify-pull "$@"; do
    args+="        - \"$a\""$'\n'
  done
  "${kubectl[@]}" -n "$ns" delete pod "build-$name" --ignore-not-found --wait=true >/dev/null
  "${kubectl[@]}" -n "$ns" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: build-$name, labels: {app.kubernetes.io/part-of: slipway-platform}}
spec:
  restartPolicy: Never
  containers:
    - name: kaniko
      image: $kaniko_image
      args:
$args      terminationMessagePolicy: File
      volumeMounts: [{name: context, mountPath: /workspace}]
  volumes:
    - {name: context, hostPath: {path: $ctx, type: Directory}}
EOF
  local t0=$SECONDS phase=""
  while (( SECONDS - t0 < 1200 )); do
    phase="$("${kubectl[@]}" -n "$ns" get pod "build-$name" -o jsonpath='{.status.phase}' 2>/dev/null || true)"
    [[ $phase == Succeeded || $phase == Failed ]] && break
    sleep 3
  done
  "${kubectl[@]}" -n "$ns" logs "build-$name" >"$state/platform/build-$name.log" 2>&1 || true
  if [[ $phase != Succeeded ]]; then
    log "Kaniko build of $name: pod $phase after $((SECONDS - t0))s; log tail:"
    tail -n 40 "$state/platform/build-$name.log" >&2
    exit 1
  fi
  local digest
  digest="$("${kubectl[@]}" -n "$ns" get pod "build-$name" -o jsonpath='{.status.containerStatuses[0].state.terminated.message}')"
  "${kubectl[@]}" -n "$ns" delete pod "build-$name" --wait=false >/dev/null
  log "Kaniko built $name in $((SECONDS - t0))s: $destination@$digest"
  echo "$digest"
}

if [[ -s $built/platform.env ]]; then
  log "images and compiled wheels cached ($built); pushing them to $registry"
  for image in runtime wheel-builder package-index; do
    "$crane" push --insecure "$built/$image" "$registry/slipway/$image:$key" >/dev/null 2>>"$state/platform/crane.log"
  done
else
  rm -rf "$built.tmp" && mkdir -p "$built.tmp"
  runtime_digest="$(kaniko_build runtime "$root/base-images/runtime" "$registry/slipway/runtime:$key" \
    --build-arg=UBUNTU_IMAGE="$os_image" --build-arg=PYTHON_SHARED_LIB=libpython3.11 \
    --build-arg=PIP_INDEX_URL="$boot_url" --build-arg=PIP_TRUSTED_HOST="$node_ip")"
  builder_digest="$(kaniko_build wheel-builder "$root/base-images/runtime" "$registry/slipway/wheel-builder:$key" \
    --target=wheel-builder --build-arg=UBUNTU_IMAGE="$os_image")"
  index_digest="$(kaniko_build package-index "$root/base-images/package-index" "$registry/slipway/package-index:$key" \
    --build-arg=SLIPWAY_RUNTIME_IMAGE="$registry/slipway/runtime@$runtime_digest" \
    --build-arg=PIP_INDEX_URL="$boot_url" --build-arg=PIP_TRUSTED_HOST="$node_ip")"
  printf 'runtime=%s\nwheel-builder=%s\npackage-index=%s\n' "$runtime_digest" "$builder_digest" "$index_digest" >"$built.tmp/digests"
fi
# the digests, whether built now or pushed from the cache (an OCI layout keeps its digest)
digest_of() { "$crane" digest --insecure "$registry/slipway/$1:$key"; }
runtime_image="$registry/slipway/runtime@$(digest_of runtime)"
builder_image="$registry/slipway/wheel-builder@$(digest_of wheel-builder)"
index_image="$registry/slipway/package-index@$(digest_of package-index)"

# ---- 4. the package index ------------------------------------------------------------------
data="$state/platform/index-data"
rm -rf "$data" && mkdir -p "$data"
cp "$seed"/files/* "$data/"
if [[ -d $built/wheels ]]; then cp "$built"/wheels/* "$data/"; fi
chown -R 10001:10001 "$data"
upload_password="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
htpasswd_line="uploader:$(openssl passwd -6 "$upload_password")"
"${kubectl[@]}" -n "$ns" create secret generic "$index_name-upload" --from-literal=htpasswd="$htpasswd_line" \
  --from-literal=password="$upload_password" --dry-run=client -o yaml | "${kubectl[@]}" apply -f - >/dev/null
"${kubectl[@]}" -n "$ns" apply -f - >/dev/null <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: $index_name, labels: {app.kubernetes.io/name: package-index}}
spec:
  replicas: 1
  strategy: {type: Recreate}
  selector: {matchLabels: {app.kubernetes.io/name: package-index}}
  template:
    metadata: {labels: {app.kubernetes.io/name: package-index}}
    spec:
      securityContext: {runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: {type: RuntimeDefault}}
      containers:
        - name: index
          image: $index_image
          env:
            - {name: PACKAGE_INDEX_ROOT, value: /data/packages}
            - {name: PACKAGE_INDEX_HTPASSWD, value: /etc/slipway/package-index/htpasswd}
          ports: [{name: http, containerPort: $index_port}]
          readinessProbe: {httpGet: {path: /health, port: http}, periodSeconds: 2}
          securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
          volumeMounts:
            - {name: data, mountPath: /data/packages}
            - {name: upload, mountPath: /etc/slipway/package-index, readOnly: true}
            - {name: tmp, mountPath: /tmp}
      volumes:
        - {name: data, hostPath: {path: $data, type: Directory}}
        - {name: upload, secret: {secretName: $index_name-upload, items: [{key: htpasswd, path: htpasswd}]}}
        - {name: tmp, emptyDir: {}}
---
apiVersion: v1
kind: Service
metadata: {name: $index_name}
spec:
  selector: {app.kubernetes.io/name: package-index}
  ports: [{name: http, port: $index_port, targetPort: http}]
EOF
if ! "${kubectl[@]}" -n "$ns" rollout status "deployment/$index_name" --timeout=180s >&2; then
  "${kubectl[@]}" -n "$ns" logs "deployment/$index_name" --tail=40 >&2 || true
  exit 1
fi
log "package index ready: $index_url ($(ls "$data" | wc -l) files)"

# ---- 5. the wheel-building Job --------------------------------------------------------------
if [[ ! -s $built/platform.env ]]; then
  job=wheels
  "${kubectl[@]}" -n "$ns" delete job "$job" --ignore-not-found --wait=true >/dev/null
  "${kubectl[@]}" -n "$ns" create configmap wheel-job --dry-run=client -o yaml \
    --from-file=runtime.txt="$root/base-images/runtime/requirements.txt" \
    --from-file=minimal.txt="$root/base-images/boilerplates/minimal/requirements.txt" \
    --from-file=webpack-sass.txt="$root/base-images/boilerplates/webpack-sass/requirements.txt" \
    --from-file=package-index.txt="$root/base-images/package-index/requirements.txt" \
    --from-file=upload.py="$here/package-index/upload.py" \
    --from-file=wheel-job.sh="$here/package-index/wheel-job.sh" | "${kubectl[@]}" -n "$ns" apply -f - >/dev/null
  "${kubectl[@]}" -n "$ns" apply -f - >/dev/null <<EOF
apiVersion: batch/v1
kind: Job
metadata: {name: $job}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      securityContext: {runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: {type: RuntimeDefault}}
      containers:
        - name: wheels
          image: $builder_image
          command: [/bin/sh, /requirements/wheel-job.sh]
          env:
            - {name: HOME, value: /tmp}
            - {name: INDEX_URL, value: "$index_url"}
            - {name: INDEX_HOST, value: "$index_name.$ns.svc.cluster.local"}
            - {name: UPLOAD_URL, value: "http://$index_name.$ns.svc.cluster.local:$index_port/"}
            - {name: UPLOAD_USER, value: uploader}
          securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
          volumeMounts:
            - {name: requirements, mountPath: /requirements}
            - {name: upload, mountPath: /upload}
            - {name: tmp, mountPath: /tmp}
      volumes:
        - {name: requirements, configMap: {name: wheel-job}}
        - {name: upload, secret: {secretName: $index_name-upload, items: [{key: password, path: password}]}}
        - {name: tmp, emptyDir: {}}
EOF
  t0=$SECONDS
  if ! "${kubectl[@]}" -n "$ns" wait "job/$job" --for=condition=Complete --timeout=900s >/dev/null; then
    "${kubectl[@]}" -n "$ns" logs "job/$job" --tail=60 >&2 || true
    log "the wheel-building Job failed"
    exit 1
  fi
  "${kubectl[@]}" -n "$ns" logs "job/$job" >"$state/platform/wheels.log" 2>&1 || true
  log "wheel-building Job done in $((SECONDS - t0))s: $(grep -E '^(uploaded|present):' "$state/platform/wheels.log" | tr '\n' ' ')"
  # what the Job compiled and uploaded: kept for warm runs, so those skip the Job
  mkdir -p "$built.tmp/wheels"
  comm -13 <(ls "$seed/files" | sort) <(ls "$data" | sort) | while read -r f; do cp "$data/$f" "$built.tmp/wheels/"; done
  for image in runtime wheel-builder package-index; do
    "$crane" pull --insecure --format=oci "$registry/slipway/$image:$key" "$built.tmp/$image" >/dev/null 2>>"$state/platform/crane.log"
  done
  echo "$key" >"$built.tmp/platform.env"
  rm -rf "$built" && mkdir -p "$(dirname "$built")" && mv "$built.tmp" "$built"
fi
if ! ls "$data" | grep -qiE '^uwsgi-.*\.whl$'; then
  log "the package index holds no uWSGI wheel after the wheel-building Job"
  exit 1
fi

packages="$(ls "$data" | LC_ALL=C sort | tr '\n' ' ')"
{
  echo "SLIPWAY_RUNTIME_IMAGE=$runtime_image"
  echo "SLIPWAY_WHEEL_BUILDER_IMAGE=$builder_image"
  echo "SLIPWAY_PACKAGE_INDEX_IMAGE=$index_image"
  echo "SLIPWAY_PIP_INDEX_URL=$index_url"
  echo "SLIPWAY_PACKAGE_INDEX_PACKAGES=\"${packages% }\""
} | tee "$state/platform.env"
log "ready in $((SECONDS - started))s"
