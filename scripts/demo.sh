#!/usr/bin/env bash
# Install Headwater into .venv and materialize the example shop project into the
# embedded default storage (SQLite under examples/shop/.headwater).
set -euo pipefail
source "$(dirname "$0")/venv.sh"
cd examples/shop
../../.venv/bin/headwater check
../../.venv/bin/headwater materialize
../../.venv/bin/headwater assets list
../../.venv/bin/headwater runs list --limit 5
