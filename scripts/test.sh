#!/usr/bin/env bash
# Run the whole test suite: installs into .venv, then lint, types, layers and pytest.
# PostgreSQL tests start their own server when the PostgreSQL binaries are installed
# (Debian: apt-get install postgresql).
set -euo pipefail
source "$(dirname "$0")/venv.sh" "[dev]"
echo "== ruff"; .venv/bin/ruff check src tests examples bench
echo "== ruff format"; .venv/bin/ruff format --check src tests examples bench
echo "== mypy"; .venv/bin/mypy
echo "== import-linter"; .venv/bin/lint-imports
echo "== pytest"; .venv/bin/pytest "$@"
