#!/usr/bin/env bash
# Runs the base-images tests the way a person would:
#   bash base-images/tests/run.sh [pytest args...]
# Idempotent: the virtualenv lives in ${SLIPWAY_IMAGES_VENV:-~/.cache/slipway/images-venv}
# and is (re)installed only when a requirements file changed.
set -euo pipefail

TESTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BASE_DIR="$(dirname "$TESTS_DIR")"
VENV="${SLIPWAY_IMAGES_VENV:-${HOME}/.cache/slipway/images-venv}"
PYTHON="${PYTHON:-python3}"
START=$(date +%s)

REQS=(
    "$TESTS_DIR/requirements.txt"
    "$BASE_DIR/runtime/requirements.txt"
    "$BASE_DIR/boilerplates/minimal/requirements.txt"
    "$BASE_DIR/boilerplates/webpack-sass/requirements.txt"
)

if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating virtualenv $VENV"
    mkdir -p "$(dirname "$VENV")"
    "$PYTHON" -m venv "$VENV"
fi

STAMP="$VENV/.slipway-requirements.sha256"
WANT="$(cat "${REQS[@]}" | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$STAMP" 2>/dev/null || true)" != "$WANT" ]; then
    echo "==> installing pytest, uWSGI (compiled from source) and the boilerplates' requirements"
    PIP_ARGS=()
    for r in "${REQS[@]}"; do PIP_ARGS+=(-r "$r"); done
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir "${PIP_ARGS[@]}"
    echo "$WANT" > "$STAMP"
else
    echo "==> virtualenv $VENV is up to date"
fi

echo "==> webpack-sass: npm ci + webpack build"
(
    cd "$BASE_DIR/boilerplates/webpack-sass"
    npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
    npm run --silent build
)

echo "==> pytest"
export SLIPWAY_TEST_VENV="$VENV"
set +e
"$VENV/bin/python" -m pytest -q -p no:cacheprovider "$TESTS_DIR" "$@"
RC=$?
set -e
echo "==> run.sh finished in $(( $(date +%s) - START ))s (pytest exit code $RC)"
exit $RC
