#!/usr/bin/env bash
# Kafka for the native stack: infra/kafka.sh up|down|status (run: the supervisor's command)
# Apache Kafka 4.x, single node in KRaft mode, from Maven Central jars (infra/kafka/pom.xml,
# copied once into .tools/kafka/libs), data in .data/kafka, loopback only.
# infra/cluster/kafka.sh sources this file for its functions and runs three nodes with them
# (the KAFKA_NAME .. KAFKA_FORMAT globals below are what it changes per node).
set -euo pipefail
# shellcheck source=infra/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

load_env
KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:9092}"
first="${KAFKA_BROKERS%%,*}"
first="${first// /}"
KAFKA_HOST="${first%:*}" KAFKA_PORT="${first##*:}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
KAFKA_DIR="$DATA/kafka"
LIBS="$ROOT/.tools/kafka/libs"   # outside .data: survives `rm -rf .data`, downloaded once
LOGFILE="$LOGS/kafka.log"
JAVA="${JAVA:-java}"
# Per node (infra/cluster/kafka.sh sets them for each of its nodes): name in messages and
# the supervisor, config template, node id and controller voters (static quorum), where the
# cluster id is kept, how storage is formatted, and the heap.
KAFKA_NAME=kafka
KAFKA_TEMPLATE="$ROOT/infra/kafka/server.properties"
KAFKA_NODE_ID=1 KAFKA_VOTERS=""
KAFKA_CLUSTER_ID_FILE="$KAFKA_DIR/cluster.id"
KAFKA_FORMAT=(--standalone)   # a dynamic quorum of one; a static quorum needs no flag
KAFKA_HEAP=(-Xms256m -Xmx512m)

kjava() { "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -cp "$LIBS/*" "$@"; }   # short-lived tools
# Kafka's topic CLI against the brokers given (host:port[,...]), then TopicCommand's own arguments.
topic_command() {
  local bootstrap="$1"
  shift
  exec "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -cp "$LIBS/*" \
    -Dlog4j2.configurationFile="$ROOT/infra/kafka/log4j2.xml" \
    org.apache.kafka.tools.TopicCommand --bootstrap-server "$bootstrap" "$@"
}
topics_list() { timeout 30 "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -cp "$LIBS/*" \
  -Dlog4j2.configurationFile="$ROOT/infra/kafka/log4j2.xml" \
  org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_HOST:$KAFKA_PORT" --list; }

install_if_missing() {
  command -v "$JAVA" >/dev/null || apt_install openjdk-17-jre-headless
  maven_jars kafka "$ROOT/infra/kafka/pom.xml" "$LIBS"
}

render_config() {
  mkdir -p "$KAFKA_DIR/data"
  sed -e "s#@DATA@#$KAFKA_DIR#g" -e "s#@HOST@#$KAFKA_HOST#g" \
    -e "s#@BROKER_PORT@#$KAFKA_PORT#g" -e "s#@CONTROLLER_PORT@#$CONTROLLER_PORT#g" \
    -e "s#@NODE_ID@#$KAFKA_NODE_ID#g" -e "s#@VOTERS@#$KAFKA_VOTERS#g" \
    "$KAFKA_TEMPLATE" >"$KAFKA_DIR/server.properties"
}

# Storage is formatted once with a cluster id kept in .data/kafka/cluster.id. The controller's
# endpoint is written into the metadata at format time, so a later port change needs a reset.
format_storage() {
  local ports="$KAFKA_PORT/$CONTROLLER_PORT"
  if [ -f "$KAFKA_DIR/data/meta.properties" ]; then
    [ "$(cat "$KAFKA_DIR/formatted-ports" 2>/dev/null)" = "$ports" ] ||
      die "$KAFKA_NAME: storage was formatted for ports $(cat "$KAFKA_DIR/formatted-ports" 2>/dev/null) but now $ports; reset with: ${KAFKA_RESET:-infra/kafka.sh down && rm -rf .data/kafka}"
    return 0
  fi
  # A random UUID in Kafka's URL-safe base64, never starting with '-' (the storage tool would read
  # it as an option; Kafka's own Uuid.randomUuid() skips those too).
  local id
  while [ ! -s "$KAFKA_CLUSTER_ID_FILE" ]; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    [[ "$id" == -* ]] || echo -n "$id" >"$KAFKA_CLUSTER_ID_FILE"
  done
  log "$KAFKA_NAME: formatting storage (cluster id $(cat "$KAFKA_CLUSTER_ID_FILE"))"
  if ! kjava -Dlog4j2.configurationFile="$ROOT/infra/kafka/log4j2.xml" kafka.tools.StorageTool \
      format "${KAFKA_FORMAT[@]}" -t "$(cat "$KAFKA_CLUSTER_ID_FILE")" -c "$KAFKA_DIR/server.properties" \
      >>"$LOGFILE" 2>&1; then
    fail_with_log "$KAFKA_NAME" "storage format failed" "$LOGFILE"
  fi
  echo "$ports" >"$KAFKA_DIR/formatted-ports"
}

wait_ready() {
  wait_until "$KAFKA_NAME" 90 "$LOGFILE" "" port_open 127.0.0.1 "$KAFKA_PORT"
  wait_until "$KAFKA_NAME" 60 "$LOGFILE" "" topics_list
}

# Under the supervisor: the broker in the foreground (supervisord's child, restarted when it dies).
run() {
  render_config
  format_storage
  exec "$JAVA" "${KAFKA_HEAP[@]}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$ROOT/infra/kafka/log4j2.xml" \
    -Dkafka.logs.dir="$(dirname "$LOGFILE")" -cp "$LIBS/*" kafka.Kafka "$KAFKA_DIR/server.properties"
}

up() {
  ensure_dirs
  local pid
  if supervised_active kafka; then
    "$SUPERVISE" start kafka
    check_same_ports kafka "$KAFKA_HOST:$KAFKA_PORT/$CONTROLLER_PORT"
    port_open 127.0.0.1 "$KAFKA_PORT" || wait_ready
    log "kafka: already running under the supervisor (pid $("$SUPERVISE" pid kafka), $KAFKA_HOST:$KAFKA_PORT)"
    return 0
  fi
  if pid=$(running_pid kafka); then   # started before supervision
    check_same_ports kafka "$KAFKA_HOST:$KAFKA_PORT/$CONTROLLER_PORT"
    port_open 127.0.0.1 "$KAFKA_PORT" || wait_ready
    log "kafka: already running, not supervised (pid $pid, $KAFKA_HOST:$KAFKA_PORT); 'infra/stack.sh down kafka' then up to supervise it"
    return 0
  fi
  install_if_missing
  # A broker started elsewhere (another checkout, a container) that answers: use it.
  if port_open 127.0.0.1 "$KAFKA_PORT" && topics_list >/dev/null 2>&1; then
    log "kafka: reusing the broker that answers $KAFKA_HOST:$KAFKA_PORT (not managed by this script)"
    return 0
  fi
  for port in "$KAFKA_PORT" "$CONTROLLER_PORT"; do
    port_open 127.0.0.1 "$port" &&
      die "kafka: port $port is already in use by another process (not a broker started by infra/kafka.sh)"
  done
  # Rendered and formatted here too, so that a problem shows in `up`, not in a crash loop.
  render_config
  format_storage
  echo "===== infra/kafka.sh up $(date -u +%FT%TZ) =====" >>"$LOGFILE"
  echo "$KAFKA_HOST:$KAFKA_PORT/$CONTROLLER_PORT" >"$RUN/kafka.ports"
  "$SUPERVISE" start kafka
  wait_ready
  log "kafka: started $(basename "$(ls "$LIBS"/kafka_2.13-*.jar)" .jar) under the supervisor (pid $("$SUPERVISE" pid kafka), $KAFKA_HOST:$KAFKA_PORT, controller $CONTROLLER_PORT, data $KAFKA_DIR)"
}

down() {
  "$SUPERVISE" stop kafka
  stop_legacy kafka TERM 60
  rm -f "$RUN/kafka.ports"
}

status() {
  local pid where="$KAFKA_HOST:$KAFKA_PORT controller=$CONTROLLER_PORT data=.data/kafka"
  if supervised_status kafka "$where"; then
    return 0
  elif pid=$(running_pid kafka); then
    status_line kafka running "$pid" "$where (not supervised: started before supervision)"
  elif port_open 127.0.0.1 "$KAFKA_PORT"; then
    status_line kafka external "" "$KAFKA_HOST:$KAFKA_PORT (not started by infra/)"
  else
    status_line kafka stopped "" "$KAFKA_HOST:$KAFKA_PORT"
  fi
}

# Sourced (infra/cluster/kafka.sh): the functions only.
[[ "${BASH_SOURCE[0]}" == "$0" ]] || return 0

case "${1:-}" in
  up | down | status | run) "$1" ;;
  # Kafka's topic CLI against this broker, e.g. `infra/kafka.sh topics --list` or
  # `infra/kafka.sh topics --describe --topic covid.daily`.
  topics) shift; topic_command "$KAFKA_HOST:$KAFKA_PORT" "$@" ;;
  *) echo "usage: $0 up|down|status|run|topics [TopicCommand args]" >&2; exit 2 ;;
esac
