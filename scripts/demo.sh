#!/usr/bin/env bash
# Install Headwater into .venv and materialize the example shop project into the
# embedded default storage (SQLite under examples/shop/.headwater).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
cd examples/shop
../../.venv/bin/headwater check
../../.venv/bin/headwater materialize
../../.venv/bin/headwater assets list
../../.venv/bin/headwater runs list --limit 5
