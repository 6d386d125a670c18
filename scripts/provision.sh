#!/usr/bin/env bash
# Provisions everything divert needs on a fresh Debian/Ubuntu machine, idempotently:
# a Python venv with the project installed, and (when DATABASE_URL is not set) a local
# PostgreSQL 15 + PostGIS 3 cluster with a `divert` database.  Safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[provision] %s\n' "$*" >&2; }

# --- Python -----------------------------------------------------------------
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  log "creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)
if [ ! -f "$stamp" ]; then
  log "installing the project and its dev dependencies into .venv"
  .venv/bin/pip install -q --upgrade pip >/dev/null
  .venv/bin/pip install -q -e '.[dev]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi

# --- Chromium (the web pages' browser tests drive the system browser; no downloads) ---
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if ! command -v chromium >/dev/null 2>&1; then
  log "installing Debian chromium for the browser tests"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq chromium >/dev/null || log "chromium not installed; tests/web will be skipped"
fi

# --- PostgreSQL + PostGIS ------------------------------------------------------
if [ -n "${DATABASE_URL:-}" ]; then
  log "DATABASE_URL is set; using it as it is"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [ ! -d /usr/share/postgresql/15/extension ] || ! ls /usr/share/postgresql/15/extension/postgis.control >/dev/null 2>&1; then
  log "installing PostgreSQL 15 + PostGIS 3 from Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq postgresql-15-postgis-3 >/dev/null
fi
if ! pg_lsclusters -h 2>/dev/null | grep -q '^15 *main'; then
  log "creating cluster 15/main"
  $SUDO pg_createcluster 15 main >/dev/null
fi
if ! pg_lsclusters -h | grep -q '^15 *main .* online'; then
  log "starting cluster 15/main"
  $SUDO pg_ctlcluster 15 main start
fi
for _ in $(seq 1 50); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 0.2
done
as_pg() { if [ "$(id -u)" -eq 0 ]; then su postgres -c "$*"; else sudo -u postgres sh -c "$*"; fi; }
# The local default: postgres:postgres on 127.0.0.1:5432 (loopback only), database `divert`.
as_pg "psql -qtAc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
if [ "$(as_pg "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='divert'\"")" != "1" ]; then
  as_pg "createdb divert"
fi
as_pg "psql -q -d divert -c 'CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS pg_trgm'" >/dev/null
# Sized for this machine (scripts/tune-postgres.sh): the configuration the benchmarks measure.  Settings
# already chosen with ALTER SYSTEM are kept; restarted only when shared_buffers changes.  Opt out with
# DIVERT_TUNE_POSTGRES=0 (or =print to see the statements).
PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres PGPASSWORD=postgres PGDATABASE=postgres \
  DIVERT_PG_RESTART="$SUDO pg_ctlcluster 15 main restart" bash scripts/tune-postgres.sh
log "PostgreSQL + PostGIS ready at postgresql://postgres:postgres@127.0.0.1:5432/divert"
