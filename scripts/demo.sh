#!/usr/bin/env bash
# Install Headwater into .venv and materialize the example shop project into the
# embedded default storage (SQLite under examples/shop/.headwater), then serve the web UI
# with the automation daemon beside it (`headwater dev`).
set -euo pipefail
source "$(dirname "$0")/venv.sh"
cd examples/shop
../../.venv/bin/headwater check
../../.venv/bin/headwater migrate  # an event log from an older Headwater is upgraded (a new one is created)
../../.venv/bin/headwater materialize
../../.venv/bin/headwater assets list
../../.venv/bin/headwater runs list --limit 5
echo "web UI: http://127.0.0.1:${HEADWATER_WEB_PORT:-3000}/ (Ctrl-C to stop)"
exec ../../.venv/bin/headwater dev --host 127.0.0.1 --port "${HEADWATER_WEB_PORT:-3000}"
