#!/usr/bin/env bash
# HAProxy (Debian's package) in front of the cluster's API processes, on PORT:
#   infra/cluster/haproxy.sh up|down|status     under the cluster's supervisor
#   infra/cluster/haproxy.sh run                the supervisor's command (foreground)
# Round robin over the API processes (env.sh's CLUSTER_API_PORTS), each checked on /readyz every
# second (out after 2 failures, back after 2 successes); a request whose connection fails, or
# whose server dies before answering, is retried once on the other process (GET and HEAD; other
# methods only when the connection could not be made). Stats page on
# 127.0.0.1:CLUSTER_HAPROXY_STATS_PORT.
set -euo pipefail
# shellcheck source=infra/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=infra/cluster/env.sh
. "$ROOT/infra/cluster/env.sh"

CONF="$CLUSTER_DIR/haproxy.cfg"
LOGFILE="$CLUSTER_LOGS/haproxy.log"

install_if_missing() { command -v haproxy >/dev/null || apt_install haproxy; }

render_config() {
  local n servers=""
  for n in $(seq 1 "${#API_PORTS[@]}"); do
    servers+="  server api-$n 127.0.0.1:${API_PORTS[n - 1]} check"$'\n'
  done
  mkdir -p "$CLUSTER_DIR"
  sed -e "s#@BIND@#${HOST:-0.0.0.0}:$HAPROXY_PORT#" -e "s#@STATS@#127.0.0.1:$HAPROXY_STATS_PORT#" \
    -e "/^@SERVERS@$/{r /dev/stdin" -e "d}" "$ROOT/infra/cluster/haproxy.cfg" <<<"${servers%$'\n'}" >"$CONF.tmp"
  haproxy -c -q -f "$CONF.tmp" || die "haproxy: the rendered configuration does not check (haproxy -c -f $CONF.tmp)"
  mv "$CONF.tmp" "$CONF"
}

run() {
  render_config
  exec haproxy -W -db -f "$CONF"
}

up() {
  install_if_missing
  if ! supervised_active haproxy; then
    port_open 127.0.0.1 "$HAPROXY_PORT" && die "haproxy: port $HAPROXY_PORT (PORT) is already in use; stop what holds it (make down) or set PORT"
  fi
  render_config
  "$SUPERVISE" start haproxy
  wait_until haproxy 30 "$LOGFILE" "" port_open 127.0.0.1 "$HAPROXY_PORT"
  log "haproxy: on port $HAPROXY_PORT in front of api-1..${#API_PORTS[@]} (stats http://127.0.0.1:$HAPROXY_STATS_PORT/)"
}

status() {
  supervised_status haproxy "port $HAPROXY_PORT stats=127.0.0.1:$HAPROXY_STATS_PORT" || status_line haproxy stopped "" "port $HAPROXY_PORT"
}

case "${1:-}" in
  up | status | run) "$1" ;;
  down) "$SUPERVISE" stop haproxy ;;
  *) echo "usage: $0 up|down|status|run" >&2; exit 2 ;;
esac
