#!/usr/bin/env bash
# Installs moto's server (the AWS API fake the RDS integration tests run against) into a Python
# virtualenv once, and prints the venv's path on stdout. Idempotent: a complete venv with the pinned
# version (marked by a stamp file written last) is reused; a half-finished one is redone.
# SLIPWAY_MOTO_VENV overrides the location (default ~/.cache/slipway/moto-venv).
set -euo pipefail
version="5.2.5"
venv="${SLIPWAY_MOTO_VENV:-${HOME}/.cache/slipway/moto-venv}"
stamp="$venv/.slipway-moto-$version"
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9   # one installer at a time (make test and the test fixture may both call this)
if [[ -x "$venv/bin/moto_server" && -f "$stamp" ]]; then
  echo "$venv"
  exit 0
fi
start=$(date +%s)
echo "moto-venv: installing moto[server]==$version into $venv (once)" >&2
rm -rf "$venv"
python3 -m venv "$venv" >&2
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "moto[server]==$version" >&2
"$venv/bin/moto_server" --help >/dev/null
touch "$stamp"
echo "moto-venv: installed in $(( $(date +%s) - start )) s" >&2
echo "$venv"
