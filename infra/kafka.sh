#!/usr/bin/env bash
# Kafka for the native stack: infra/kafka.sh up|down|status
# Apache Kafka 4.x, single node in KRaft mode, from Maven Central jars (infra/kafka/pom.xml,
# copied once into .tools/kafka/libs), data in .data/kafka, loopback only.
set -euo pipefail
# shellcheck source=infra/lib.sh
. "$(dirname "$0")/lib.sh"

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

kjava() { "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -cp "$LIBS/*" "$@"; }   # short-lived tools
topics_list() { timeout 30 "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -cp "$LIBS/*" \
  -Dlog4j2.configurationFile="$ROOT/infra/kafka/log4j2.xml" \
  org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_HOST:$KAFKA_PORT" --list; }
START_LINE=1   # first line of the current start's output in the log
broker_started() {
  port_open 127.0.0.1 "$KAFKA_PORT" && tail -n +"$START_LINE" "$LOGFILE" | grep -q 'Kafka Server started'
}

install_if_missing() {
  command -v "$JAVA" >/dev/null || apt_install openjdk-17-jre-headless
  local pom="$ROOT/infra/kafka/pom.xml" stamp="$LIBS/.pom.sha256" sum tmp
  sum=$(sha256sum "$pom" | cut -d' ' -f1)
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ] && return 0
  command -v mvn >/dev/null || apt_install maven
  log "kafka: fetching broker jars from Maven Central into .tools/kafka/libs"
  tmp="$ROOT/.tools/kafka/libs.tmp"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  if ! mvn -B -q -f "$pom" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$tmp" >"$LOGS/kafka-maven.log" 2>&1; then
    fail_with_log kafka "mvn dependency:copy-dependencies failed" "$LOGS/kafka-maven.log"
  fi
  # Swap in whole, so an interrupted download never leaves a half set of jars in use.
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
  echo "$sum" >"$stamp"
}

render_config() {
  mkdir -p "$KAFKA_DIR/data"
  sed -e "s#@DATA@#$KAFKA_DIR#g" -e "s#@HOST@#$KAFKA_HOST#g" \
    -e "s#@BROKER_PORT@#$KAFKA_PORT#g" -e "s#@CONTROLLER_PORT@#$CONTROLLER_PORT#g" \
    "$ROOT/infra/kafka/server.properties" >"$KAFKA_DIR/server.properties"
}

# Storage is formatted once with a cluster id kept in .data/kafka/cluster.id. The controller's
# endpoint is written into the metadata at format time, so a later port change needs a reset.
format_storage() {
  local ports="$KAFKA_PORT/$CONTROLLER_PORT"
  if [ -f "$KAFKA_DIR/data/meta.properties" ]; then
    [ "$(cat "$KAFKA_DIR/formatted-ports" 2>/dev/null)" = "$ports" ] ||
      die "kafka: storage was formatted for ports $(cat "$KAFKA_DIR/formatted-ports" 2>/dev/null) but now $ports; reset with: infra/kafka.sh down && rm -rf .data/kafka"
    return 0
  fi
  [ -s "$KAFKA_DIR/cluster.id" ] ||
    head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' >"$KAFKA_DIR/cluster.id"
  log "kafka: formatting storage (cluster id $(cat "$KAFKA_DIR/cluster.id"))"
  if ! kjava -Dlog4j2.configurationFile="$ROOT/infra/kafka/log4j2.xml" kafka.tools.StorageTool \
      format --standalone -t "$(cat "$KAFKA_DIR/cluster.id")" -c "$KAFKA_DIR/server.properties" \
      >>"$LOGFILE" 2>&1; then
    fail_with_log kafka "storage format failed" "$LOGFILE"
  fi
  echo "$ports" >"$KAFKA_DIR/formatted-ports"
}

wait_ready() {
  local pid="$1"
  # The log line first (cheap to poll), then a real admin request as the proof.
  wait_until kafka 90 "$LOGFILE" "$pid" broker_started
  wait_until kafka 60 "$LOGFILE" "$pid" topics_list
}

up() {
  ensure_dirs
  local pid
  if pid=$(running_pid kafka); then
    check_same_ports kafka "$KAFKA_HOST:$KAFKA_PORT/$CONTROLLER_PORT"
    port_open 127.0.0.1 "$KAFKA_PORT" || wait_ready "$pid"
    log "kafka: already running (pid $pid, $KAFKA_HOST:$KAFKA_PORT)"
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
  render_config
  format_storage
  # A marker so the readiness check only looks at this start's lines.
  echo "===== infra/kafka.sh up $(date -u +%FT%TZ) =====" >>"$LOGFILE"
  START_LINE=$(wc -l <"$LOGFILE")
  spawn kafka "$LOGFILE" "$JAVA" -Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$ROOT/infra/kafka/log4j2.xml" \
    -Dkafka.logs.dir="$LOGS" -cp "$LIBS/*" kafka.Kafka "$KAFKA_DIR/server.properties"
  pid=$(cat "$RUN/kafka.pid")
  echo "$KAFKA_HOST:$KAFKA_PORT/$CONTROLLER_PORT" >"$RUN/kafka.ports"
  wait_ready "$pid"
  log "kafka: started $(basename "$(ls "$LIBS"/kafka_2.13-*.jar)" .jar) (pid $pid, $KAFKA_HOST:$KAFKA_PORT, controller $CONTROLLER_PORT, data $KAFKA_DIR)"
}

down() { stop_service kafka TERM 60; }

status() {
  local pid
  if pid=$(running_pid kafka); then
    status_line kafka running "$pid" "$KAFKA_HOST:$KAFKA_PORT controller=$CONTROLLER_PORT data=.data/kafka"
  elif port_open 127.0.0.1 "$KAFKA_PORT"; then
    status_line kafka external "" "$KAFKA_HOST:$KAFKA_PORT (not started by infra/)"
  else
    status_line kafka stopped "" "$KAFKA_HOST:$KAFKA_PORT"
  fi
}

case "${1:-}" in
  up | down | status) "$1" ;;
  # Kafka's topic CLI against this broker, e.g. `infra/kafka.sh topics --list` or
  # `infra/kafka.sh topics --describe --topic covid.daily`.
  topics)
    shift
    exec "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -cp "$LIBS/*" \
      -Dlog4j2.configurationFile="$ROOT/infra/kafka/log4j2.xml" \
      org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_HOST:$KAFKA_PORT" "$@"
    ;;
  *) echo "usage: $0 up|down|status|topics [TopicCommand args]" >&2; exit 2 ;;
esac
