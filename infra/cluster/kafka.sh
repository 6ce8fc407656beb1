#!/usr/bin/env bash
# The cluster's three Kafka nodes (KRaft, each broker + controller), under the cluster's supervisor:
#   infra/cluster/kafka.sh up|down|status       all three
#   infra/cluster/kafka.sh run N                the supervisor's command for node N
#   infra/cluster/kafka.sh topics ARGS...       Kafka's TopicCommand, e.g. --describe
# Same jars, install and functions as the single node (infra/kafka.sh, sourced); per node a data
# directory .data/cluster/kafka-N, a log .data/cluster/logs/kafka-N.log, ports from env.sh.
set -euo pipefail
# shellcheck source=infra/kafka.sh
. "$(dirname "$0")/../kafka.sh"
# shellcheck source=infra/cluster/env.sh
. "$ROOT/infra/cluster/env.sh"

KAFKA_TEMPLATE="$ROOT/infra/cluster/kafka.properties"
KAFKA_CLUSTER_ID_FILE="$CLUSTER_DIR/kafka.cluster.id"
KAFKA_FORMAT=()
# Three JVMs beside everything else on a small machine.
KAFKA_HEAP=(-Xms128m -Xmx384m)
KAFKA_RESET="infra/cluster/up.sh down && rm -rf .data/cluster/kafka-*"
KAFKA_VOTERS=""
for n in 1 2 3; do
  KAFKA_VOTERS+="${KAFKA_VOTERS:+,}$n@127.0.0.1:$((KAFKA_NODE_PORTS[n - 1] + 1))"
done

# Points infra/kafka.sh's globals at node N.
node() {
  [[ "${1:-}" =~ ^[123]$ ]] || die "cluster kafka: node must be 1, 2 or 3, not '${1:-}'"
  KAFKA_NAME="kafka-$1" KAFKA_NODE_ID="$1"
  KAFKA_HOST=127.0.0.1 KAFKA_PORT="${KAFKA_NODE_PORTS[$1 - 1]}" CONTROLLER_PORT=$((KAFKA_PORT + 1))
  KAFKA_DIR="$CLUSTER_DIR/kafka-$1"
  LOGFILE="$CLUSTER_LOGS/kafka-$1.log"
}

# The cluster answers when a broker lists topics; the brokers each need their port open.
cluster_up() {
  local n
  mkdir -p "$CLUSTER_LOGS"
  install_if_missing
  for n in 1 2 3; do
    node "$n"
    if ! supervised_active "$KAFKA_NAME"; then
      port_open 127.0.0.1 "$KAFKA_PORT" && die "$KAFKA_NAME: port $KAFKA_PORT is already in use by another process"
      port_open 127.0.0.1 "$CONTROLLER_PORT" && die "$KAFKA_NAME: port $CONTROLLER_PORT is already in use by another process"
    fi
    # Rendered and formatted here, so that a problem shows in `up`, not in a crash loop.
    render_config
    format_storage
  done
  "$SUPERVISE" start kafka-1 kafka-2 kafka-3
  for n in 1 2 3; do
    node "$n"
    wait_until "$KAFKA_NAME" 120 "$LOGFILE" "" port_open 127.0.0.1 "$KAFKA_PORT"
  done
  node 1
  wait_until kafka 90 "$LOGFILE" "" topics_list
  log "kafka: three nodes up under the cluster supervisor (brokers $KAFKA_BROKERS_LIST, data .data/cluster/kafka-N)"
}

cluster_down() { "$SUPERVISE" stop kafka-3 kafka-2 kafka-1; }

cluster_status() {
  local n
  for n in 1 2 3; do
    node "$n"
    supervised_status "$KAFKA_NAME" "127.0.0.1:$KAFKA_PORT controller=$CONTROLLER_PORT data=.data/cluster/kafka-$n" ||
      status_line "$KAFKA_NAME" stopped "" "127.0.0.1:$KAFKA_PORT"
  done
}

KAFKA_BROKERS_LIST=$(printf '127.0.0.1:%s,' "${KAFKA_NODE_PORTS[@]}")
KAFKA_BROKERS_LIST="${KAFKA_BROKERS_LIST%,}"

case "${1:-}" in
  up) cluster_up ;;
  down) cluster_down ;;
  status) cluster_status ;;
  run) node "${2:-}"; run ;;
  topics) shift; topic_command "$KAFKA_BROKERS_LIST" "$@" ;;
  *) echo "usage: $0 up|down|status|run N|topics [TopicCommand args]" >&2; exit 2 ;;
esac
