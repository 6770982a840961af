#!/usr/bin/env bash
# 'make faults': the fault scenarios of issue 11 (operator/src/test/java/dev/slipway/faults), each a
# test that can fail, against the local control plane with the operator as the real jar in its own
# process (SIGKILLed where a scenario says so), moto behind a fault-injecting proxy, and the fake
# kubelet. Prints one line per scenario -- result, time to recover, leftovers, ERROR lines in the
# operator's log -- and 'N passed, N failed'. Exit code 0 only when every scenario passed.
#   FAULTS=Fault07*IT e2e/faults.sh   runs some of them.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
start=$SECONDS

echo "==> toolchain and Debian packages (docker-registry, Postgres, git)"
"$root/e2e/prerequisites.sh" faults || exit 1

echo "==> control plane and moto (cached after the first time)"
SLIPWAY_BIN_DIR="$("$root/e2e/build-controlplane.sh")" || { echo "control plane build failed" >&2; exit 1; }
export SLIPWAY_BIN_DIR
"$root/e2e/moto-venv.sh" >/dev/null || { echo "moto venv failed" >&2; exit 1; }

results="$root/operator/target/faults/results.tsv"
rm -f "$root"/operator/target/failsafe-reports/TEST-dev.slipway.faults.*.xml
rm -rf "$root/operator/target/faults"
mkdir -p "$root/operator/target/faults"

# mvn verify packages the operator jar (the scenarios run it as a process) before the scenarios.
echo "==> operator jar and fault scenarios (log: operator/target/faults/mvn.log)"
mvn -B -ntp verify -Dtest=skip -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test="${FAULTS:-Fault*IT}" -Dfailsafe.failIfNoSpecifiedTests=false \
  -Dgroups=faults -Dfaults.exclude=none -Dfailsafe.runOrder=alphabetical \
  >"$root/operator/target/faults/mvn.log" 2>&1
mvn_rc=$?

python3 - "$results" "$root/operator/target/failsafe-reports" <<'PY'
import csv, glob, os, re, sys
import xml.etree.ElementTree as ET
results, reports = sys.argv[1], sys.argv[2]
rows = {}
if os.path.exists(results):
    for r in csv.reader(open(results), delimiter="\t"):
        if len(r) >= 8:
            n = int(r[0])
            if n in rows:
                # Several tests of one scenario (scenario 2's crash points): one row, failed if any failed.
                old = rows[n]
                r = [old[0], old[1], "PASS" if old[2] == r[2] == "PASS" else "FAIL", old[3] + "; " + r[3],
                     str(int(old[4]) + int(r[4])) if old[4].isdigit() and r[4].isdigit() else old[4],
                     str(int(old[5]) + int(r[5])) if old[5].isdigit() and r[5].isdigit() else old[5],
                     old[6] + " + " + r[6], old[7] + "; " + r[7]]
            rows[n] = r
# A scenario class that failed before its test ran (setup) has no line: take it from the reports.
for f in glob.glob(os.path.join(reports, "TEST-dev.slipway.faults.Fault*IT.xml")):
    m = re.search(r"Fault(\d+)", f)
    n = int(m.group(1))
    if n in rows:
        continue
    suite = ET.parse(f).getroot()
    failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    if failed:
        msg = ""
        for tc in suite.iter("testcase"):
            for e in list(tc):
                if e.tag in ("failure", "error"):
                    msg = (e.get("message") or e.tag).splitlines()[0][:160] if (e.get("message") or e.tag) else e.tag
        rows[n] = [str(n), suite.get("name").split(".")[-1], "FAIL", "-", "-", "-", "-", msg]
names = ["", "crash between create and record", "crash points (build, release, role, copy)", "delete during create",
         "delete while operator down", "leader failover, 50 environments", "API server restart + watch 410",
         "external edits", "AWS throttling and outages", "Postgres and Git outages", "registry down during promotion",
         "fuzzed specs", "big objects in watched namespaces", "secret canary"]
w = [3, 44, 6, 16, 9, 6, 7]
head = ["#", "scenario", "result", "recovery", "leftovers", "ERRORs", "took"]
print()
print("  ".join(h.ljust(x) for h, x in zip(head, w)) + "  note")
print("-" * 120)
passed = failed = 0
for n in range(1, 14):
    r = rows.get(n)
    if r is None:
        print("  ".join(c.ljust(x) for c, x in zip([str(n), names[n], "-", "-", "-", "-", "-"], w)) + "  not built")
        continue
    if r[2] == "PASS":
        passed += 1
    else:
        failed += 1
    print("  ".join(c.ljust(x) for c, x in zip(r[:7], w)) + "  " + r[7])
print("-" * 120)
print(f"{passed} passed, {failed} failed")
sys.exit(0 if failed == 0 and passed > 0 else 1)
PY
table_rc=$?
took=$((SECONDS - start))
printf 'make faults took %dm%02ds (operator logs, dumps: operator/target/faults/)\n' $((took / 60)) $((took % 60))
if [[ $mvn_rc -ne 0 && $table_rc -eq 0 ]]; then
  echo "mvn verify failed (exit $mvn_rc) although every scenario passed: see operator/target/faults/mvn.log" >&2
  exit 1
fi
exit $table_rc
