#!/usr/bin/env bash
# Keeps every verb honest on a new machine: each verb's entry script must call the prerequisites
# step (e2e/prerequisites.sh) before its first build. Runs each entry script with fakes first on
# PATH -- dpkg-query that reports one required package missing, apt-get that cannot install it,
# go and mvn that record a build and fail -- and checks that the script asked apt-get for that
# package before any build, printed the command to run, and stopped within seconds.
# Not root (a fake id, no sudo): 'make run' says at once that it runs the control plane alone.
#
# Prints one line per check and 'N passed, M failed'; exits non-zero if any failed.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

fakes="$tmp/bin"
mkdir -p "$fakes"
# Every fake says on stderr that it was called, so the order of calls and messages is one stream.
cat > "$fakes/dpkg-query" <<'EOF'
#!/usr/bin/env bash
pkg="${!#}"
for m in $FAKE_MISSING; do [[ $m == "$pkg" ]] && { echo "dpkg-query: no packages found matching $pkg" >&2; exit 1; }; done
printf installed
EOF
cat > "$fakes/apt-get" <<'EOF'
#!/usr/bin/env bash
echo "FAKE apt-get $*" >&2
case " $* " in
  *" install "*) echo "E: Unable to locate package ${!#}" >&2; exit 100 ;;
esac
exit 0
EOF
cat > "$fakes/go" <<'EOF'
#!/usr/bin/env bash
case "$1" in
  version) echo "go version go1.26.0 linux/amd64"; exit 0 ;;
  env) echo "go1.26.0"; exit 0 ;;
esac
echo "FAKE BUILD go $*" >&2
exit 1
EOF
cat > "$fakes/mvn" <<'EOF'
#!/usr/bin/env bash
[[ "$1" == -v || "$1" == --version ]] && { echo "Apache Maven 3.8.7"; exit 0; }
echo "FAKE BUILD mvn $*" >&2
exit 1
EOF
cat > "$fakes/id" <<'EOF'
#!/usr/bin/env bash
[[ "$1" == -u ]] && { echo "${FAKE_UID:-0}"; exit 0; }
exec /usr/bin/id "$@"
EOF
cat > "$fakes/sudo" <<'EOF'
#!/usr/bin/env bash
echo "sudo: a password is required" >&2
exit 1
EOF
chmod +x "$fakes"/*

# verb NAME MISSING UID COMMAND... : runs COMMAND with the fakes, prints its output into $tmp/NAME.out
run_verb() {
  local name=$1 missing=$2 uid=$3; shift 3
  local start=$SECONDS
  (cd "$root" && env -u KUBECONFIG PATH="$fakes:$PATH" FAKE_MISSING="$missing" FAKE_UID="$uid" \
     SLIPWAY_CACHE="$tmp/cache-$name" SLIPWAY_RUN_DIR="$tmp/run-$name" timeout 60 "$@" </dev/null >"$tmp/$name.out" 2>&1)
  echo "$? $((SECONDS - start))"
}
verdict() { # name ok what
  if [[ $2 == ok ]]; then passed=$((passed + 1)); echo "PASS $1: $3"
  else failed=$((failed + 1)); echo "FAIL $1: $3"; sed 's/^/     /' "$tmp/$1.out" | tail -15; fi
}
# asks_first NAME PACKAGE COMMAND...: the verb asks apt-get for PACKAGE before any build, says
# the command to run, fails, and does so within 30 s
asks_first() {
  local name=$1 pkg=$2; shift 2
  read -r rc took < <(run_verb "$name" "$pkg" 0 "$@")
  local out="$tmp/$name.out" ask build
  ask="$(grep -n "^FAKE apt-get .*install.* $pkg" "$out" | head -1 | cut -d: -f1)"
  build="$(grep -n '^FAKE BUILD' "$out" | head -1 | cut -d: -f1)"
  if [[ $rc -ne 0 && -n $ask && -z $build && $took -le 30 ]] && grep -q "apt-get install -y --no-install-recommends .*$pkg" "$out"; then
    verdict "$name" ok "asked for $pkg before any build, stopped with the command to run (exit $rc, ${took}s)"
  else
    verdict "$name" fail "exit $rc after ${took}s; apt-get asked at line ${ask:-never}, first build at line ${build:-none}"
  fi
}

asks_first "make-run" debootstrap e2e/run-local.sh
asks_first "make-run-registry" docker-registry e2e/run-local.sh
asks_first "make-test" openssh-server e2e/test.sh
asks_first "make-faults" docker-registry e2e/faults.sh
asks_first "make-bench" postgresql e2e/bench.sh 10
asks_first "make-bench-smoke" postgresql e2e/bench.sh --smoke

# Not root, nothing missing: 'make run' says it runs the control plane alone before building.
read -r rc took < <(run_verb "make-run-not-root" "" 1000 e2e/run-local.sh)
said="$(grep -n 'no real node here' "$tmp/make-run-not-root.out" | head -1 | cut -d: -f1)"
build="$(grep -n '^FAKE BUILD' "$tmp/make-run-not-root.out" | head -1 | cut -d: -f1)"
if [[ -n $said && ( -z $build || $said -lt $build ) ]]; then
  verdict make-run-not-root ok "said 'no real node here' (line $said) before the first build (line ${build:-none})"
else
  verdict make-run-not-root fail "'no real node here' at line ${said:-never}, first build at line ${build:-none}"
fi
# Not root and a package missing, no sudo: the exact command, nothing built, no apt-get tried.
read -r rc took < <(run_verb "make-faults-not-root" docker-registry 1000 e2e/faults.sh)
if [[ $rc -ne 0 && $took -le 30 ]] && ! grep -q '^FAKE \(BUILD\|apt-get\)' "$tmp/make-faults-not-root.out" \
    && grep -q "sudo sh -c 'apt-get update && apt-get install -y --no-install-recommends docker-registry'" "$tmp/make-faults-not-root.out"; then
  verdict make-faults-not-root ok "printed the sudo command, tried nothing (exit $rc, ${took}s)"
else
  verdict make-faults-not-root fail "exit $rc after ${took}s"
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
