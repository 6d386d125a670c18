#!/usr/bin/env bash
# Tunes a local PostgreSQL server for the machine it runs on (called by scripts/provision.sh for the
# cluster it manages; never for a DATABASE_URL server).  What a newcomer's `make demo` gets is then the
# configuration the benchmarks measure, not PostgreSQL's 128 MB default (docs/operations.md).
#
#   shared_buffers        RAM/4, at most 8 GB (beyond that the OS cache serves as well)
#   effective_cache_size  RAM*3/4 (what the planner may assume is cached, its or the OS's)
#   work_mem 16MB, maintenance_work_mem 512MB
#   random_page_cost 1.1, effective_io_concurrency 200 (SSD: a random read costs about a sequential one)
#   jit off (our statements are short: compiling costs more than it saves)
#
# A setting already in postgresql.auto.conf (an earlier run's, or an operator's ALTER SYSTEM) is kept
# as it is: running this again changes nothing, and `ALTER SYSTEM RESET <name>` hands a setting back.
# The server is reloaded, and restarted only when a changed setting needs it (pg_settings.pending_restart).
#
# Connection: the usual libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD), as a superuser.
# DIVERT_PG_RESTART: the command that restarts the server (required only if a restart is needed).
# DIVERT_TUNE_POSTGRES: 1 (default) tune; 0 change nothing; print = say what would be done, change nothing.
# DIVERT_TUNE_RAM_MB: the RAM to size for (default: MemTotal of /proc/meminfo).
set -euo pipefail

log() { printf '[tune-postgres] %s\n' "$*" >&2; }

mode=${DIVERT_TUNE_POSTGRES:-1}
case "$mode" in
  0) log "DIVERT_TUNE_POSTGRES=0: settings left as they are"; exit 0 ;;
  1|print) ;;
  *) log "DIVERT_TUNE_POSTGRES must be 1, 0 or print, got '$mode'"; exit 2 ;;
esac

# The machine's RAM, or a container's memory limit when that is lower (cgroup v2, then v1): sizing a
# container's server for the host's RAM would leave it unable to start after the restart.
machine_ram_mb() {
  local ram limit
  ram=$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo)
  for f in /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory/memory.limit_in_bytes; do
    if [ -r "$f" ]; then
      limit=$(cat "$f")
      if [[ "$limit" =~ ^[0-9]+$ ]] && [ $((limit / 1048576)) -lt "$ram" ]; then
        ram=$((limit / 1048576))
      fi
      break
    fi
  done
  echo "$ram"
}
ram_mb=${DIVERT_TUNE_RAM_MB:-$(machine_ram_mb)}
if ! [[ "$ram_mb" =~ ^[0-9]+$ ]] || [ "$ram_mb" -lt 256 ]; then
  log "cannot size for RAM '${ram_mb}' MB; settings left as they are"
  exit 2
fi
shared_mb=$((ram_mb / 4))
[ "$shared_mb" -le 8192 ] || shared_mb=8192
cache_mb=$((ram_mb * 3 / 4))

# name=value pairs, in the order they are applied.
wanted=(
  "shared_buffers=${shared_mb}MB"
  "effective_cache_size=${cache_mb}MB"
  "work_mem=16MB"
  "maintenance_work_mem=512MB"
  "random_page_cost=1.1"
  "effective_io_concurrency=200"
  "jit=off"
)

q() { psql -X -qtA -v ON_ERROR_STOP=1 "$@"; }

# Settings an ALTER SYSTEM already chose (postgresql.auto.conf), kept as they are.
kept=$(q -c "SELECT string_agg(DISTINCT name, ' ') FROM pg_file_settings WHERE sourcefile LIKE '%postgresql.auto.conf'")
args=()
for pair in "${wanted[@]}"; do
  name=${pair%%=*}
  value=${pair#*=}
  if [[ " $kept " == *" $name "* ]]; then
    log "$name: kept as set by ALTER SYSTEM before"
    continue
  fi
  # One -c per statement: ALTER SYSTEM cannot run inside a transaction block, and psql sends a
  # single -c string with several statements as one.
  args+=(-c "ALTER SYSTEM SET $name = '$value'")
done

if [ "$mode" = print ]; then
  for ((i = 1; i < ${#args[@]}; i += 2)); do printf '%s;\n' "${args[$i]}"; done
  printf 'SELECT pg_reload_conf();\n'
  log "print only: nothing changed (a restart would follow if shared_buffers is among the statements)"
  exit 0
fi

if [ "${#args[@]}" -eq 0 ]; then
  log "every setting already chosen; nothing to change"
else
  q "${args[@]}" >/dev/null
  log "set ${wanted[*]} (RAM ${ram_mb} MB)"
fi
# The reload is a signal: wait until the postmaster has read the files (new sessions see it then).
loaded=$(q -c "SELECT pg_conf_load_time()")
q -c "SELECT pg_reload_conf()" >/dev/null
for _ in $(seq 1 50); do
  [ "$(q -c "SELECT pg_conf_load_time()")" != "$loaded" ] && break
  sleep 0.1
done
pending=$(q -c "SELECT string_agg(name, ' ') FROM pg_settings WHERE pending_restart")
if [ -z "$pending" ]; then
  log "reloaded; no restart needed"
  exit 0
fi
if [ -z "${DIVERT_PG_RESTART:-}" ]; then
  log "a restart is needed for: $pending (no DIVERT_PG_RESTART command given; restart the server yourself)"
  exit 0
fi
log "restarting the server for: $pending"
sh -c "$DIVERT_PG_RESTART"
for _ in $(seq 1 100); do
  q -c "SELECT 1" >/dev/null 2>&1 && break
  sleep 0.2
done
q -c "SELECT 1" >/dev/null
log "restarted"
