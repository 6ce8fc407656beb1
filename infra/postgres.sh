#!/usr/bin/env bash
# PostgreSQL for the native stack: infra/postgres.sh up|down|status (run: the supervisor's command)
# Reuses a server that already answers DATABASE_URL's credentials; otherwise runs a private
# cluster in .data/postgres on the URL's port, loopback only.
set -euo pipefail
# shellcheck source=infra/lib.sh
. "$(dirname "$0")/lib.sh"

load_env
DATABASE_URL="${DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/covid}"
parse_url "$DATABASE_URL" 5432
PG_USER="${URL_USER:-postgres}" PG_PASS="$URL_PASS" PG_HOST="${URL_HOST:-127.0.0.1}" PG_PORT="$URL_PORT"
PG_DB="${URL_PATH:-$PG_USER}"
PGDATA_DIR="$DATA/postgres"
LOGFILE="$LOGS/postgres.log"
OS_USER=postgres   # initdb and postgres refuse to run as root

pg_bin() {
  local d
  if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return; fi
  d=$(printf '%s\n' /usr/lib/postgresql/*/bin | grep -v '\*' | sort -V | tail -n 1)
  [ -n "$d" ] && echo "$d"
}

psql_as_url_user() {
  PGPASSWORD="$PG_PASS" PGCONNECT_TIMEOUT=3 psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" \
    -U "$PG_USER" -d "${2:-postgres}" -tAc "$1"
}

answers_credentials() { command -v psql >/dev/null && psql_as_url_user 'select 1' >/dev/null 2>&1; }

install_if_missing() {
  local bin
  bin=$(pg_bin || true)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ] || ! command -v psql >/dev/null; then
    apt_install postgresql
  fi
  id "$OS_USER" >/dev/null 2>&1 ||
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash "$OS_USER"
}

# The postgres user must be able to reach .data/postgres: give o+x (traverse only, not read) to
# any parent directory that lacks it, e.g. a checkout under a 0700 home directory.
make_traversable() {
  local dir="$1"
  while [ "$dir" != "/" ]; do
    dir=$(dirname "$dir")
    [ "$(( 0$(stat -c %a "$dir") & 01 ))" -ne 0 ] || chmod o+x "$dir"
  done
}

as_os_user() { setpriv --reuid="$OS_USER" --regid="$OS_USER" --init-groups -- "$@"; }

init_cluster() {
  [ -f "$PGDATA_DIR/PG_VERSION" ] && return 0
  local bin pwfile
  bin=$(pg_bin)
  log "postgres: initdb $PGDATA_DIR ($("$bin/postgres" --version))"
  mkdir -p "$PGDATA_DIR"
  chmod 700 "$PGDATA_DIR"
  chown "$OS_USER:" "$PGDATA_DIR"
  make_traversable "$PGDATA_DIR"
  pwfile=$(mktemp "$DATA/.pgpass.XXXXXX")
  printf '%s\n' "$PG_PASS" >"$pwfile"
  chown "$OS_USER:" "$pwfile"
  if ! as_os_user "$bin/initdb" -D "$PGDATA_DIR" -U "$PG_USER" --pwfile="$pwfile" \
      --auth-host=scram-sha-256 --auth-local=peer -E UTF8 --locale=C.UTF-8 >>"$LOGFILE" 2>&1; then
    rm -f "$pwfile"
    rm -rf "$PGDATA_DIR"   # half-initialised: the next `up` starts over
    fail_with_log postgres "initdb failed" "$LOGFILE"
  fi
  rm -f "$pwfile"
}

# A cluster of ours still running although its pid file is gone (e.g. .data/run removed).
adopt_orphan() {
  local pid
  [ -f "$PGDATA_DIR/postmaster.pid" ] || return 1
  pid=$(head -n 1 "$PGDATA_DIR/postmaster.pid")
  pid_alive "$pid" && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = postgres ] || return 1
  echo "$pid" >"$RUN/postgres.pid"
  pid_start "$pid" >"$RUN/postgres.start"
  sed -n 4p "$PGDATA_DIR/postmaster.pid" >"$RUN/postgres.ports"
}

# The port is taken but our credentials fail there. A Debian cluster started by the package's
# install (e.g. 15/main on 5432) is stopped; anything else is reported, not killed.
free_port_or_fail() {
  local ver name port status
  if command -v pg_lsclusters >/dev/null; then
    while read -r ver name port status _; do
      if [ "$port" = "$PG_PORT" ] && [ "$status" = online ]; then
        log "postgres: stopping Debian cluster $ver/$name, which holds port $PG_PORT and rejects our credentials"
        pg_ctlcluster "$ver" "$name" stop
        sleep 1
      fi
    done < <(pg_lsclusters -h 2>/dev/null)
  fi
  if port_open 127.0.0.1 "$PG_PORT"; then
    die "postgres: port $PG_PORT is in use by a server that does not accept the credentials in DATABASE_URL; stop it or change DATABASE_URL"
  fi
}

ensure_database() {
  local exists quoted
  exists=$(psql_as_url_user "select 1 from pg_database where datname = '${PG_DB//\'/\'\'}'")
  if [ "$exists" != 1 ]; then
    quoted="\"${PG_DB//\"/\"\"}\""
    psql_as_url_user "create database $quoted" >/dev/null
    log "postgres: created database $PG_DB"
  fi
}

# Under the supervisor: the server in the foreground (supervisord's child, restarted when it dies).
# fsync/full_page_writes/synchronous_commit off: a disposable dev/test cluster, where speed
# matters and a crash may lose data (reset with rm -rf .data/postgres). No Unix socket: all
# clients use TCP, and it cannot clash with a system cluster's socket.
run() {
  exec setpriv --reuid="$OS_USER" --regid="$OS_USER" --init-groups -- \
    "$(pg_bin)/postgres" -D "$PGDATA_DIR" \
    -c listen_addresses=127.0.0.1 -c port="$PG_PORT" -c unix_socket_directories= \
    -c max_connections=200 -c fsync=off -c full_page_writes=off -c synchronous_commit=off \
    -c logging_collector=off -c log_min_messages=warning
}

up() {
  ensure_dirs
  local pid
  if supervised_active postgres; then
    "$SUPERVISE" start postgres
    check_same_ports postgres "$PG_PORT"
    wait_until postgres 60 "$LOGFILE" "" answers_credentials
    ensure_database
    log "postgres: already running under the supervisor (pid $("$SUPERVISE" pid postgres), port $PG_PORT)"
    return 0
  fi
  # Started by an earlier version of these scripts, before supervision: keep using it.
  if pid=$(running_pid postgres) || { adopt_orphan && pid=$(running_pid postgres); }; then
    check_same_ports postgres "$PG_PORT"
    wait_until postgres 60 "$LOGFILE" "$pid" answers_credentials
    ensure_database
    log "postgres: already running, not supervised (pid $pid, port $PG_PORT); 'infra/stack.sh down postgres' then up to supervise it"
    return 0
  fi
  if answers_credentials; then
    ensure_database
    log "postgres: reusing the server that answers $PG_HOST:$PG_PORT (not managed by this script)"
    return 0
  fi
  case "$PG_HOST" in
    127.0.0.1 | localhost | ::1) ;;
    *) die "postgres: $PG_HOST:$PG_PORT does not answer and is not local, so it cannot be started here" ;;
  esac
  install_if_missing
  if answers_credentials; then   # the package install may have started a matching server
    ensure_database
    log "postgres: reusing the server that answers $PG_HOST:$PG_PORT (not managed by this script)"
    return 0
  fi
  port_open 127.0.0.1 "$PG_PORT" && free_port_or_fail
  init_cluster
  echo "$PG_PORT" >"$RUN/postgres.ports"
  "$SUPERVISE" start postgres
  wait_until postgres 60 "$LOGFILE" "" answers_credentials
  ensure_database
  log "postgres: started under the supervisor (pid $("$SUPERVISE" pid postgres), 127.0.0.1:$PG_PORT, data $PGDATA_DIR)"
}

down() {
  # SIGINT is PostgreSQL's "fast" shutdown; SIGTERM would wait for every client to leave.
  "$SUPERVISE" stop postgres
  stop_legacy postgres INT 30
  rm -f "$RUN/postgres.ports"
}

status() {
  local pid where="127.0.0.1:$PG_PORT data=.data/postgres"
  if supervised_status postgres "$where"; then
    return 0
  elif pid=$(running_pid postgres); then
    status_line postgres running "$pid" "$where (not supervised: started before supervision)"
  elif answers_credentials; then
    status_line postgres external "" "$PG_HOST:$PG_PORT (not started by infra/)"
  else
    status_line postgres stopped "" "$PG_HOST:$PG_PORT"
  fi
}

case "${1:-}" in
  up | down | status | run) "$1" ;;
  *) echo "usage: $0 up|down|status|run" >&2; exit 2 ;;
esac
