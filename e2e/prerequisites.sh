#!/usr/bin/env bash
# Checks (and where possible installs) what the build and the tests need.
set -euo pipefail

need() { command -v "$1" >/dev/null 2>&1 || { echo "missing: $1 ($2)" >&2; exit 1; }; }
need java "Java 17 or newer"
need mvn "Apache Maven 3.8 or newer"
need go "Go 1.25 or newer, to build the local control plane"
need git "git"
need python3 "Python 3"

java_major="$(java -XshowSettings:properties -version 2>&1 | awk -F= '/java.specification.version/ {gsub(/ /, "", $2); print $2}')"
if [[ "${java_major%%.*}" -lt 17 ]]; then
  echo "Java 17 or newer is needed (found $java_major)" >&2
  exit 1
fi
echo "java $java_major, $(mvn -v 2>/dev/null | head -1 | sed 's/\x1b\[[0-9;]*m//g'), $(go version | awk '{print $3}'), $(git --version)"
