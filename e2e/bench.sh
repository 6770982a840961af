#!/usr/bin/env bash
# 'make bench': the operator at scale, measured against the raw API floor in the same run.
#
#   e2e/bench.sh [SIZES]        SIZES: numbers of Projects, default "100 300 500" (2 Environments each)
#   e2e/bench.sh --smoke        N=10, correctness only (make test): exits 1 unless every Environment
#                               gets Ready in every phase and the counts add up; never judges a time
#                               (5 single changes instead of 100, no restarts)
#
# Builds (or finds in ~/.cache/slipway) the control plane, kube-scheduler and kwok (from the Go
# module sigs.k8s.io/kwok, e2e/bench/kwok), packages the operator jar, then runs the driver
# (operator/src/test/java/dev/slipway/bench) on the test classpath. Everything runs on loopback.
# Output: operator/target/bench/ (results.md, results.json, bench.png, per size: logs, audit log,
# JFR recordings of the operator).
# Environment: BENCH_CHANGES (single changes timed, default 100), BENCH_SHARED (projects with a
# shared database, default 100, at most N/5), BENCH_OUT (output folder).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
here="$root/e2e"
cache="${SLIPWAY_CACHE:-$HOME/.cache/slipway}"
smoke=false
sizes="${SIZES:-100 300 500}"
if [[ "${1:-}" == "--smoke" ]]; then
  smoke=true
  sizes=10
elif [[ $# -gt 0 ]]; then
  sizes="$*"
fi
out="${BENCH_OUT:-$root/operator/target/bench}"
$smoke && out="${BENCH_OUT:-$root/operator/target/bench-smoke}"
changes="${BENCH_CHANGES:-100}"
$smoke && changes="${BENCH_CHANGES:-5}"
log() { echo "bench: $*" >&2; }
start=$SECONDS

# 1. toolchain and Debian packages (Postgres, git), before anything slow; then the control plane
#    (+ kube-scheduler) and the harness
"$here/prerequisites.sh" bench
bin="$("$here/build-controlplane.sh")"

# 2. kwok from its Go module, keyed by the module files and the Go version
go_version="$(go env GOVERSION)"
kwok_key="$( (cd "$here/bench/kwok" && cat go.mod go.sum tools.go; echo "$go_version") | sha256sum | cut -c1-16)"
kwok_dir="$cache/kwok/$kwok_key"
if [[ ! -x "$kwok_dir/kwok" ]]; then
  log "building kwok from sigs.k8s.io/kwok (first time; cached in $kwok_dir)..."
  mkdir -p "$cache/kwok"
  exec 7>"$cache/kwok/.build.lock"
  flock 7
  if [[ ! -x "$kwok_dir/kwok" ]]; then
    rm -rf "$kwok_dir.tmp" && mkdir -p "$kwok_dir.tmp"
    t=$SECONDS
    (cd "$here/bench/kwok" && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$kwok_dir.tmp/kwok" sigs.k8s.io/kwok/cmd/kwok) >&2
    rm -rf "$kwok_dir" && mv "$kwok_dir.tmp" "$kwok_dir"
    log "kwok built in $((SECONDS - t))s"
  fi
  exec 7>&-
fi

# 3. the operator jar and the driver (test classes) with their classpath (make test has built them)
jar="$root/operator/target/slipway-operator.jar"
if [[ ! -f "$jar" || ! -d "$root/operator/target/test-classes/dev/slipway/bench" \
      || -n "$(find "$root/operator/src" "$root/operator/pom.xml" "$root/pom.xml" -newer "$jar" -print -quit)" ]]; then
  log "packaging the operator and the benchmark driver..."
  (cd "$root" && mvn -B -ntp -q -DskipTests package) >&2
fi
cp_file="$root/operator/target/bench.classpath"
if [[ ! -s "$cp_file" || "$root/operator/pom.xml" -nt "$cp_file" || "$root/pom.xml" -nt "$cp_file" ]]; then
  (cd "$root" && mvn -B -ntp -q -pl operator dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file") >&2
fi
classpath="$root/operator/target/test-classes:$root/operator/target/classes:$(cat "$cp_file")"

# 4. the runs
rm -rf "$out" && mkdir -p "$out"
log "sizes: $sizes (Projects; 2 Environments each); output in $out"
args=(--root "$root" --bin "$bin" --kwok "$kwok_dir/kwok" --jar "$jar"
      --out "$out" --sizes "$sizes" --changes "$changes" --shared "${BENCH_SHARED:-100}")
$smoke && args+=(--smoke --restarts 0)
status=0
java -Xmx1g -cp "$classpath" dev.slipway.bench.Bench "${args[@]}" || status=$?

# 5. the plot (matplotlib in a cached venv), not for the smoke check
if ! $smoke && [[ -f "$out/results.json" ]]; then
  venv="$cache/bench-venv"
  if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import matplotlib' 2>/dev/null; then
    log "installing matplotlib into $venv (once)..."
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q 'matplotlib==3.10.*' >&2
  fi
  if "$venv/bin/python" "$here/bench/plot.py" "$out/results.json" "$out/bench.png" >&2; then
    echo "plot: $out/bench.png"
  fi
fi
log "took $((SECONDS - start))s"
exit $status
