#!/usr/bin/env bash
# The whole test suite, from nothing: provision (venv, PostgreSQL + PostGIS), then pytest.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision.sh
# Tests make their own databases on this server (see tests/conftest.py).
exec .venv/bin/pytest "$@"
