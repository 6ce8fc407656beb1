#!/usr/bin/env bash
# The native stack as a cluster on this machine (`make up-cluster`; ports and layout: env.sh):
#   infra/cluster/up.sh up        PostgreSQL (the single server), ClickHouse (the replicas of
#                                 infra/cluster/clickhouse.sh, else the single server), three Kafka
#                                 nodes, migrations (topics with replication factor 3), two
#                                 workers, two sinks, two API processes and HAProxy on PORT
#   infra/cluster/up.sh down      stops what `up` started (the single-node stores stay: `make down`)
#   infra/cluster/up.sh status    one line per program
#   infra/cluster/up.sh exec CMD  runs CMD with the cluster's environment, e.g.
#                                 `infra/cluster/up.sh exec bin/covid-etl run --wait`
#   infra/cluster/up.sh env       prints that environment (the test suite reads it)
#   infra/cluster/up.sh pid NAME | kill NAME   the pid of a program (kafka-2, api-1, sink-2, ...)
#                                 / SIGKILL it (the supervisor starts it again)
# Everything but PostgreSQL and the single ClickHouse runs under the cluster's own supervisord
# (.data/cluster/supervisor), which restarts what dies; logs in .data/cluster/logs/.
set -euo pipefail
# shellcheck source=infra/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=infra/cluster/env.sh
. "$ROOT/infra/cluster/env.sh"

CLUSTER_CH="$ROOT/infra/cluster/clickhouse.sh"   # cluster-ch's replicas, when present

# The single-node scripts, with the single-node supervisor (not the cluster's).
single() { env -u SUPERVISOR_HOME -u SUPERVISOR_LOGS -u SUPERVISOR_PROGRAMS -u SUPERVISOR_METRICS_PORT "$@"; }

roles() {
  local kind n list
  for kind in worker sink api; do
    case "$kind" in worker) list=("${WORKER_HEALTH_PORTS[@]}") ;; sink) list=("${SINK_HEALTH_PORTS[@]}") ;; api) list=("${API_PORTS[@]}") ;; esac
    for n in $(seq 1 "${#list[@]}"); do echo "$kind-$n ${list[n - 1]}"; done
  done
}

healthy() { curl -fsS --max-time 2 "http://127.0.0.1:$1/healthz" >/dev/null 2>&1; }
ready_behind_haproxy() { curl -fsS --max-time 2 "http://127.0.0.1:$HAPROXY_PORT/readyz" >/dev/null 2>&1; }

up() {
  local start=$SECONDS name port names=()
  mkdir -p "$CLUSTER_LOGS"
  command -v curl >/dev/null || apt_install curl ca-certificates
  # PostgreSQL: the single server. Started before the cluster's environment is set, so that the
  # single-node supervisor (which may start here) never inherits the cluster's settings.
  single "$ROOT/infra/postgres.sh" up
  [ -x "$CLUSTER_CH" ] || single "$ROOT/infra/clickhouse.sh" up
  cluster_environment
  # Again with the cluster's URL: the server runs already; this creates the cluster's database.
  single env DATABASE_URL="$DATABASE_URL" "$ROOT/infra/postgres.sh" up
  if [ -x "$CLUSTER_CH" ]; then
    "$CLUSTER_CH" up
    cluster_environment   # now with the replicas' URLs
  else
    log "cluster: no infra/cluster/clickhouse.sh: one ClickHouse server (the single node's), database $CLICKHOUSE_DATABASE"
  fi
  "$ROOT/infra/cluster/kafka.sh" up
  "$ROOT/bin/covid-etl" migrate
  write_env
  while read -r name port; do
    supervised_active "$name" || ! port_open 127.0.0.1 "$port" ||
      die "$name: port $port is already in use by another process"
    names+=("$name")
  done < <(roles)
  "$SUPERVISE" start "${names[@]}"
  while read -r name port; do wait_until "$name" 90 "$CLUSTER_LOGS/$name.log" "" healthy "$port"; done < <(roles)
  "$ROOT/infra/cluster/haproxy.sh" up
  wait_until haproxy 60 "$CLUSTER_LOGS/haproxy.log" "" ready_behind_haproxy
  log "cluster up in $((SECONDS - start))s: API on http://127.0.0.1:$HAPROXY_PORT (HAProxy over ${API_PORTS[*]}), Kafka $KAFKA_BROKERS (replication factor $KAFKA_REPLICATION_FACTOR), ClickHouse $(redact "$CLICKHOUSE_URL") database $CLICKHOUSE_DATABASE, PostgreSQL database ${DATABASE_URL##*/}; load: infra/cluster/up.sh exec bin/covid-etl run --wait"
}

# URLs without their passwords, for the log.
redact() { sed -E 's#(://[^:/@,]*):[^@,]*@#\1:***@#g' <<<"$1"; }

# The environment of the cluster's programs, for `exec`, the test suite and a curious operator.
write_env() {
  {
    echo "# Written by infra/cluster/up.sh up; the cluster's environment (infra/cluster/up.sh exec reads it too)."
    local var
    for var in DATABASE_URL CLICKHOUSE_URL CLICKHOUSE_DATABASE KAFKA_BROKERS KAFKA_REPLICATION_FACTOR; do
      printf '%s=%s\n' "$var" "${!var}"
    done
    [ -z "${CLICKHOUSE_CLUSTER:-}" ] || printf 'CLICKHOUSE_CLUSTER=%s\n' "$CLICKHOUSE_CLUSTER"
    printf 'CLUSTER_PORT=%s\nCLUSTER_API_PORTS=%s\nCLUSTER_WORKER_HEALTH_PORTS=%s\nCLUSTER_SINK_HEALTH_PORTS=%s\nCLUSTER_KAFKA_PORTS=%s\nCLUSTER_HAPROXY_STATS_PORT=%s\n' \
      "$HAPROXY_PORT" "$(IFS=,; echo "${API_PORTS[*]}")" "$(IFS=,; echo "${WORKER_HEALTH_PORTS[*]}")" \
      "$(IFS=,; echo "${SINK_HEALTH_PORTS[*]}")" "$(IFS=,; echo "${KAFKA_NODE_PORTS[*]}")" "$HAPROXY_STATS_PORT"
  } >"$CLUSTER_DIR/cluster.env.tmp"
  mv "$CLUSTER_DIR/cluster.env.tmp" "$CLUSTER_DIR/cluster.env"
}

down() {
  local name names=()
  # HAProxy and the producers first, the sinks after them (they commit what was sent), Kafka last.
  "$SUPERVISE" stop haproxy
  while read -r name _; do [[ "$name" == sink-* ]] || names+=("$name"); done < <(roles)
  "$SUPERVISE" stop "${names[@]}"
  names=()
  while read -r name _; do [[ "$name" != sink-* ]] || names+=("$name"); done < <(roles)
  "$SUPERVISE" stop "${names[@]}"
  "$ROOT/infra/cluster/kafka.sh" down
  [ ! -x "$CLUSTER_CH" ] || "$CLUSTER_CH" down
  "$SUPERVISE" shutdown
}

status() {
  if [ "$("$SUPERVISE" info | awk '{print $2}')" != running ]; then
    status_line cluster stopped "" "(make up-cluster)"
    return 0
  fi
  "$SUPERVISE" info
  "$ROOT/infra/cluster/kafka.sh" status
  local name port
  while read -r name port; do
    supervised_status "$name" "127.0.0.1:$port$(healthy "$port" && echo ' (healthy)' || echo ' (not answering)')" ||
      status_line "$name" stopped "" "127.0.0.1:$port"
  done < <(roles)
  "$ROOT/infra/cluster/haproxy.sh" status
  [ ! -x "$CLUSTER_CH" ] || "$CLUSTER_CH" status
}

case "${1:-}" in
  up | down | status) "$1" ;;
  env) cluster_environment; write_env; cat "$CLUSTER_DIR/cluster.env" ;;
  pid) "$SUPERVISE" pid "${2:?usage: $0 pid NAME}" ;;
  kill)
    pid=$("$SUPERVISE" pid "${2:?usage: $0 kill NAME}") || die "${2}: not running under the cluster supervisor"
    kill -KILL "$pid"
    log "${2}: SIGKILL sent to pid $pid (the cluster supervisor starts it again)"
    ;;
  exec)
    shift
    [ $# -gt 0 ] || die "usage: $0 exec COMMAND [ARGS...]"
    cluster_environment
    exec "$@"
    ;;
  *) echo "usage: $0 up|down|status|env|pid NAME|kill NAME|exec COMMAND..." >&2; exit 2 ;;
esac
