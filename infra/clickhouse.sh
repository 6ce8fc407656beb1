#!/usr/bin/env bash
# ClickHouse for the native stack: infra/clickhouse.sh up|down|status (run: the supervisor's command)
# Debian's clickhouse-server (18.16) with the project's own config (infra/clickhouse/), data in
# .data/clickhouse, loopback only, HTTP port from CLICKHOUSE_URL, native port CLICKHOUSE_TCP_PORT.
# infra/cluster/clickhouse.sh sources this file for its functions and runs two replicas with them
# (CH_NAME .. CH_ERRLOG below are what it changes per replica, plus replica_config).
set -euo pipefail
# shellcheck source=infra/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

load_env
CLICKHOUSE_URL="${CLICKHOUSE_URL:-http://default:@127.0.0.1:8123}"
# A list of replicas (the cluster, infra/cluster/clickhouse.sh) names this server first.
parse_url "${CLICKHOUSE_URL%%,*}" 8123
CH_HOST="${URL_HOST:-127.0.0.1}" CH_HTTP_PORT="$URL_PORT"
CH_USER="${URL_USER:-default}" CH_PASS="$URL_PASS"
CH_TCP_PORT="${CLICKHOUSE_TCP_PORT:-9000}"
CH_DB="${CLICKHOUSE_DATABASE:-covid}"
# The API's read-only user (infra/clickhouse/users.d/reader.xml): its password is
# CLICKHOUSE_READ_URL's; unset, config.ts derives covid_reader without one (loopback only).
parse_url "${CLICKHOUSE_READ_URL:-http://covid_reader:@127.0.0.1}" 8123
CH_READER_USER="${URL_USER:-default}" CH_READER_PASS="$URL_PASS"
CH_NAME=clickhouse
CH_DIR="$DATA/clickhouse"
LOGFILE="$LOGS/clickhouse.log"
CH_ERRLOG="$LOGS/clickhouse.err.log"

# Settings merged over config.xml (written to etc/config.d/): none for the single node.
replica_config() { :; }

ch_query() {
  curl -fsS --max-time 10 -u "$CH_USER:$CH_PASS" "http://$CH_HOST:$CH_HTTP_PORT/" --data-binary "$1"
}
pings() { [ "$(curl -fsS --max-time 2 "http://$CH_HOST:$CH_HTTP_PORT/ping" 2>/dev/null)" = "Ok." ]; }

install_if_missing() {
  command -v curl >/dev/null || apt_install curl ca-certificates
  # apt_install waits on the dpkg lock, so a package install already running elsewhere (e.g. a
  # background `apt-get install clickhouse-server`) is waited for, not raced.
  command -v clickhouse-server >/dev/null || apt_install clickhouse-server clickhouse-client
}

render_config() {
  mkdir -p "$CH_DIR/etc" "$CH_DIR/data" "$CH_DIR/tmp" "$CH_DIR/user_files" "$CH_DIR/format_schemas"
  # Rendered each `up` so a changed port or template takes effect; users.xml sits next to it
  # because the server resolves users_config relative to the config file.
  sed -e "s#@DATA@#$CH_DIR#g" -e "s#@LOG@#$LOGFILE#g" -e "s#@ERRLOG@#$CH_ERRLOG#g" \
    -e "s#@HTTP_PORT@#$CH_HTTP_PORT#g" -e "s#@TCP_PORT@#$CH_TCP_PORT#g" \
    "$ROOT/infra/clickhouse/config.xml" >"$CH_DIR/etc/config.xml"
  cp "$ROOT/infra/clickhouse/users.xml" "$CH_DIR/etc/users.xml"
  # users.d/ is merged over users.xml, and re-read while the server runs (as users.xml is).
  rm -rf "$CH_DIR/etc/users.d"
  cp -r "$ROOT/infra/clickhouse/users.d" "$CH_DIR/etc/users.d"
  # The server merges every etc/config.d/*.xml over config.xml (18.16 and current alike).
  rm -rf "$CH_DIR/etc/config.d"
  local extra
  extra=$(replica_config)
  if [ -n "$extra" ]; then
    mkdir -p "$CH_DIR/etc/config.d"
    echo "$extra" >"$CH_DIR/etc/config.d/replication.xml"
  fi
}

ensure_database() {
  ch_query "CREATE DATABASE IF NOT EXISTS \`$CH_DB\`" >/dev/null
}

# Under the supervisor: the server in the foreground (supervisord's child, restarted when it
# dies). 18.16 runs as root without complaint (checked), so no service user is needed.
run() {
  render_config
  # users.d/reader.xml reads the reader's password from the environment (from_env).
  CLICKHOUSE_READER_PASSWORD="$CH_READER_PASS" exec clickhouse-server --config-file="$CH_DIR/etc/config.xml"
}

# The API connects as CLICKHOUSE_READ_URL's user: say so in `up` when it cannot (a user other
# than covid_reader is not created here; a server started before users.d/ existed lacks it).
check_reader() {
  curl -fsS --max-time 10 -u "$CH_READER_USER:$CH_READER_PASS" "http://$CH_HOST:$CH_HTTP_PORT/" --data-binary 'SELECT 1' >/dev/null 2>&1 ||
    log "clickhouse: warning: the API's user \"$CH_READER_USER\" (CLICKHOUSE_READ_URL) cannot log in to $CH_HOST:$CH_HTTP_PORT; the API will not be ready"
}

up() {
  ensure_dirs
  install_if_missing
  local pid
  if supervised_active clickhouse; then
    "$SUPERVISE" start clickhouse
    check_same_ports clickhouse "$CH_HTTP_PORT/$CH_TCP_PORT"
    wait_until clickhouse 60 "$LOGFILE" "" pings
    ensure_database
    check_reader
    log "clickhouse: already running under the supervisor (pid $("$SUPERVISE" pid clickhouse), http $CH_HTTP_PORT)"
    return 0
  fi
  if pid=$(running_pid clickhouse); then   # started before supervision
    check_same_ports clickhouse "$CH_HTTP_PORT/$CH_TCP_PORT"
    wait_until clickhouse 60 "$LOGFILE" "$pid" pings
    ensure_database
    log "clickhouse: already running, not supervised (pid $pid, http $CH_HTTP_PORT); 'infra/stack.sh down clickhouse' then up to supervise it"
    return 0
  fi
  if pings; then
    ensure_database
    log "clickhouse: reusing the server that answers $CH_HOST:$CH_HTTP_PORT (not managed by this script)"
    return 0
  fi
  case "$CH_HOST" in
    127.0.0.1 | localhost | ::1) ;;
    *) die "clickhouse: $CH_HOST:$CH_HTTP_PORT does not answer and is not local, so it cannot be started here" ;;
  esac
  for port in "$CH_HTTP_PORT" "$CH_TCP_PORT"; do
    port_open 127.0.0.1 "$port" && die "clickhouse: port $port is already in use by another process"
  done
  echo "$CH_HTTP_PORT/$CH_TCP_PORT" >"$RUN/clickhouse.ports"
  "$SUPERVISE" start clickhouse
  wait_until clickhouse 60 "$LOGFILE" "" pings
  ensure_database
  check_reader
  log "clickhouse: started $(ch_query 'SELECT version()') under the supervisor (pid $("$SUPERVISE" pid clickhouse), http 127.0.0.1:$CH_HTTP_PORT, tcp $CH_TCP_PORT, data $CH_DIR)"
}

down() {
  "$SUPERVISE" stop clickhouse
  stop_legacy clickhouse TERM 30
  rm -f "$RUN/clickhouse.ports"
}

status() {
  local pid where="http=127.0.0.1:$CH_HTTP_PORT tcp=$CH_TCP_PORT data=.data/clickhouse"
  if supervised_status clickhouse "$where"; then
    return 0
  elif pid=$(running_pid clickhouse); then
    status_line clickhouse running "$pid" "$where (not supervised: started before supervision)"
  elif pings; then
    status_line clickhouse external "" "$CH_HOST:$CH_HTTP_PORT (not started by infra/)"
  else
    status_line clickhouse stopped "" "$CH_HOST:$CH_HTTP_PORT"
  fi
}

# Sourced (infra/cluster/clickhouse.sh): the functions only.
[[ "${BASH_SOURCE[0]}" == "$0" ]] || return 0

case "${1:-}" in
  up | down | status | run) "$1" ;;
  *) echo "usage: $0 up|down|status|run" >&2; exit 2 ;;
esac
