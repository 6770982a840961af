#!/usr/bin/env bash
# A quick scale probe of the operator (not `make bench`): N Projects x 2 Environments on the
# local control plane, the real jar in its own JVM. Prints time to steady, writes per
# Environment (audit log), heap after full GC, CPU, and the writes of a restart.
# Usage: e2e/perf-probe.sh [projects=500] [namespaces=5] [repos=10]   (run `mvn package` first)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/operator"
export SLIPWAY_BIN_DIR="${SLIPWAY_BIN_DIR:-$("$root/e2e/build-controlplane.sh")}"
cp_file=target/test-classpath.txt
if [[ ! -s $cp_file || pom.xml -nt $cp_file ]]; then
  mvn -B -ntp -q dependency:build-classpath -Dmdep.outputFile=$cp_file -Dmdep.includeScope=test >&2
fi
exec java -Xmx1g -cp "target/test-classes:target/classes:$(cat $cp_file)" -Dslipway.repoRoot="$root" dev.slipway.perf.PerfProbe "$@"
