#!/usr/bin/env bash
# The cluster's ClickHouse: two replicas of one shard and the ZooKeeper they replicate through.
#   infra/cluster/clickhouse.sh up        ZooKeeper, then both replicas (idempotent); waits until
#                                         each answers and holds a ZooKeeper session; writes
#                                         .data/cluster/clickhouse.env (CLICKHOUSE_URL of both
#                                         replicas, comma-separated, and CLICKHOUSE_CLUSTER)
#   infra/cluster/clickhouse.sh down      stops them (the data stays in .data/cluster/)
#   infra/cluster/clickhouse.sh status    one line per program
#   infra/cluster/clickhouse.sh url       prints that CLICKHOUSE_URL
#   infra/cluster/clickhouse.sh kill N    SIGKILL replica N (1, 2) or `zookeeper`: its supervisor
#                                         starts it again at once, as after a crash
#   infra/cluster/clickhouse.sh stop N    stops replica N (or zookeeper) until `start N`
#   infra/cluster/clickhouse.sh start N   starts it again and waits until it answers
#   infra/cluster/clickhouse.sh run N|zookeeper   the supervisor's command
# Ports (defaults; each can be set in .env or the environment):
#   ZOOKEEPER_PORT 2181                        ZooKeeper's client port
#   CLUSTER_CLICKHOUSE_HTTP_PORTS 8124,8125    the replicas' HTTP (the single node's 8123 + N)
#   CLUSTER_CLICKHOUSE_TCP_PORTS 9001,9002     native protocol (the single node's 9000 + N)
#   CLUSTER_CLICKHOUSE_INTERSERVER_PORTS 9011,9012  where a replica fetches parts from the other
# The replicas run Debian's clickhouse-server with infra/clickhouse/config.xml (as the single
# node, infra/clickhouse.sh, whose functions this sources) plus etc/config.d/replication.xml:
# ZooKeeper, macros {shard}/{replica} and the remote_servers cluster CLICKHOUSE_CLUSTER
# (default covid_cluster). ZooKeeper is Apache ZooKeeper from Maven Central
# (infra/cluster/zookeeper/pom.xml), -Xmx256m. Data in .data/cluster/{zookeeper,clickhouse-N},
# logs in .data/cluster/logs/; all three under a supervisord of their own
# (.data/cluster/clickhouse-supervisor). How it works: docs/clickhouse-replication.md.
set -euo pipefail
# shellcheck source=infra/clickhouse.sh
. "$(dirname "$0")/../clickhouse.sh"
# shellcheck source=infra/cluster/env.sh
. "$ROOT/infra/cluster/env.sh"

split_ports CH_HTTP_PORTS "${CLUSTER_CLICKHOUSE_HTTP_PORTS:-8124,8125}"
split_ports CH_TCP_PORTS "${CLUSTER_CLICKHOUSE_TCP_PORTS:-9001,9002}"
split_ports CH_INTERSERVER_PORTS "${CLUSTER_CLICKHOUSE_INTERSERVER_PORTS:-9011,9012}"
ZK_PORT="${ZOOKEEPER_PORT:-2181}"
CH_CLUSTER="${CLICKHOUSE_CLUSTER:-covid_cluster}"
for list in CH_HTTP_PORTS CH_TCP_PORTS CH_INTERSERVER_PORTS; do
  declare -n ports="$list"
  ((${#ports[@]} == 2)) || die "cluster clickhouse: $list must list two ports, one per replica"
  for p in "${ports[@]}"; do
    [[ "$p" =~ ^[1-9][0-9]{0,4}$ ]] && ((p <= 65535)) || die "cluster clickhouse: $list has '$p', not a port number"
  done
  unset -n ports
done
[[ "$ZK_PORT" =~ ^[1-9][0-9]{0,4}$ ]] && ((ZK_PORT <= 65535)) || die "ZOOKEEPER_PORT must be a port number, not '$ZK_PORT'"
[[ "$CH_CLUSTER" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "CLICKHOUSE_CLUSTER must be a plain identifier, not '$CH_CLUSTER'"

# A supervisord of their own: the rest of the cluster (infra/cluster/up.sh) has another, so
# either can be stopped and started without the other.
export SUPERVISOR_HOME="$CLUSTER_DIR/clickhouse-supervisor" SUPERVISOR_LOGS="$CLUSTER_LOGS"
export SUPERVISOR_PROGRAMS="zookeeper clickhouse-1 clickhouse-2"
export SUPERVISOR_METRICS_PORT="${CLUSTER_CLICKHOUSE_SUPERVISOR_METRICS_PORT:-0}"

ZK_DIR="$CLUSTER_DIR/zookeeper"
ZK_LIBS="$ROOT/.tools/zookeeper/libs"
ZK_LOG="$CLUSTER_LOGS/zookeeper.log"
ENV_FILE="$CLUSTER_DIR/clickhouse.env"

# Points infra/clickhouse.sh's globals at replica N.
replica() {
  [[ "${1:-}" =~ ^[12]$ ]] || die "cluster clickhouse: replica must be 1 or 2, not '${1:-}'"
  REPLICA="$1" CH_NAME="clickhouse-$1"
  CH_HOST=127.0.0.1 CH_USER=default CH_PASS=""
  CH_HTTP_PORT="${CH_HTTP_PORTS[$1 - 1]}" CH_TCP_PORT="${CH_TCP_PORTS[$1 - 1]}"
  CH_DIR="$CLUSTER_DIR/clickhouse-$1"
  LOGFILE="$CLUSTER_LOGS/clickhouse-$1.log" CH_ERRLOG="$CLUSTER_LOGS/clickhouse-$1.err.log"
}

# Merged over config.xml by infra/clickhouse.sh's render_config for the replica in `replica`.
replica_config() {
  cat <<XML
<?xml version="1.0"?>
<!-- Rendered by infra/cluster/clickhouse.sh: replica $REPLICA of the one shard of $CH_CLUSTER. -->
<yandex>
    <interserver_http_port>${CH_INTERSERVER_PORTS[$REPLICA - 1]}</interserver_http_port>
    <interserver_http_host>127.0.0.1</interserver_http_host>
    <zookeeper>
        <node><host>127.0.0.1</host><port>$ZK_PORT</port></node>
        <session_timeout_ms>30000</session_timeout_ms>
    </zookeeper>
    <!-- ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/<db>/<table>', '{replica}', version) -->
    <macros>
        <shard>01</shard>
        <replica>clickhouse-$REPLICA</replica>
    </macros>
    <remote_servers>
        <$CH_CLUSTER>
            <shard>
                <internal_replication>true</internal_replication>
                <replica><host>127.0.0.1</host><port>${CH_TCP_PORTS[0]}</port></replica>
                <replica><host>127.0.0.1</host><port>${CH_TCP_PORTS[1]}</port></replica>
            </shard>
        </$CH_CLUSTER>
    </remote_servers>
    <!-- ON CLUSTER queries go through this queue (not used by the migrations, which ask each replica). -->
    <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>
</yandex>
XML
}

zk_install() {
  command -v "${JAVA:-java}" >/dev/null || apt_install openjdk-17-jre-headless
  maven_jars zookeeper "$ROOT/infra/cluster/zookeeper/pom.xml" "$ZK_LIBS"
}

zk_render() {
  mkdir -p "$ZK_DIR/data" "$CLUSTER_LOGS"
  sed -e "s#@DATA@#$ZK_DIR/data#g" -e "s#@PORT@#$ZK_PORT#g" "$ROOT/infra/cluster/zookeeper/zoo.cfg" >"$ZK_DIR/zoo.cfg"
}

# Serving requests: `srvr` names its mode (standalone, leader, follower); `ruok` says imok even
# while the server cannot serve yet. ZooKeeper closes the connection after its answer.
zk_ok() { [[ "$( (exec 3<>"/dev/tcp/127.0.0.1/$ZK_PORT" && printf srvr >&3 && timeout 2 cat <&3) 2>/dev/null)" == *"Mode: "* ]]; }

# The replica answers and holds its ZooKeeper session (a replicated table needs both).
replica_ready() { pings && [ "$(ch_query "SELECT count() > 0 FROM system.zookeeper WHERE path = '/'" 2>/dev/null)" = 1 ]; }

run_zookeeper() {
  zk_render
  exec "${JAVA:-java}" -Xms64m -Xmx256m -XX:+UseSerialGC -Djava.awt.headless=true \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.slf4j.simpleLogger.showDateTime=true \
    -Dzookeeper.jmx.log4j.disable=true -cp "$ZK_LIBS/*" \
    org.apache.zookeeper.server.quorum.QuorumPeerMain "$ZK_DIR/zoo.cfg"
}

urls() {
  local n out=""
  for n in 1 2; do out+="${out:+,}http://default:@127.0.0.1:${CH_HTTP_PORTS[n - 1]}"; done
  echo "$out"
}

write_env() {
  mkdir -p "$CLUSTER_DIR"
  {
    echo "# Written by infra/cluster/clickhouse.sh up: the replicas for the cluster's programs (infra/cluster/env.sh)."
    echo "CLICKHOUSE_URL=$(urls)"
    echo "CLICKHOUSE_CLUSTER=$CH_CLUSTER"
  } >"$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

# Fails when a port is taken by something that is not this script's program.
check_free() {
  local name="$1" port
  shift
  supervised_active "$name" && return 0
  for port in "$@"; do
    port_open 127.0.0.1 "$port" && die "$name: port $port is already in use by another process"
  done
  return 0
}

up() {
  local start=$SECONDS n
  mkdir -p "$CLUSTER_LOGS"
  install_if_missing   # clickhouse-server, from infra/clickhouse.sh
  zk_install
  check_free zookeeper "$ZK_PORT"
  for n in 1 2; do
    replica "$n"
    check_free "$CH_NAME" "$CH_HTTP_PORT" "$CH_TCP_PORT" "${CH_INTERSERVER_PORTS[n - 1]}"
    render_config   # here too, so that a problem shows in `up`, not in a crash loop
  done
  zk_render
  "$SUPERVISE" start zookeeper
  wait_until zookeeper 60 "$CLUSTER_LOGS/zookeeper.log" "" zk_ok
  "$SUPERVISE" start clickhouse-1 clickhouse-2
  for n in 1 2; do
    replica "$n"
    wait_until "$CH_NAME" 90 "$LOGFILE" "" replica_ready
  done
  write_env
  log "cluster clickhouse: ZooKeeper 127.0.0.1:$ZK_PORT and two replicas ($(ch_query 'SELECT version()')) of cluster $CH_CLUSTER up in $((SECONDS - start))s: CLICKHOUSE_URL=$(urls) (written to ${ENV_FILE#"$ROOT/"})"
}

down() {
  "$SUPERVISE" stop clickhouse-2 clickhouse-1
  "$SUPERVISE" stop zookeeper
}

status() {
  local n
  supervised_status zookeeper "127.0.0.1:$ZK_PORT data=.data/cluster/zookeeper$(zk_ok 2>/dev/null && echo ' (serving)' || echo ' (not answering)')" ||
    status_line zookeeper stopped "" "127.0.0.1:$ZK_PORT"
  for n in 1 2; do
    replica "$n"
    supervised_status "$CH_NAME" "http=127.0.0.1:$CH_HTTP_PORT tcp=$CH_TCP_PORT interserver=${CH_INTERSERVER_PORTS[n - 1]} data=.data/cluster/clickhouse-$n$(replica_ready && echo ' (ready)' || echo ' (not ready)')" ||
      status_line "$CH_NAME" stopped "" "127.0.0.1:$CH_HTTP_PORT"
  done
}

# The program a kill/stop/start names: replica 1 or 2, or zookeeper.
program() {
  case "${1:-}" in
    zookeeper) echo zookeeper ;;
    1 | 2) echo "clickhouse-$1" ;;
    *) die "cluster clickhouse: name replica 1 or 2, or zookeeper, not '${1:-}'" ;;
  esac
}

kill_program() {
  local name pid
  name=$(program "$1")
  pid=$("$SUPERVISE" pid "$name") || die "$name is not running"
  kill -KILL "$pid"
  log "$name: SIGKILL sent to pid $pid (its supervisor starts it again)"
}

start_program() {
  local name
  name=$(program "$1")
  "$SUPERVISE" start "$name"
  if [ "$name" = zookeeper ]; then
    wait_until zookeeper 60 "$CLUSTER_LOGS/zookeeper.log" "" zk_ok
  else
    replica "$1"
    wait_until "$CH_NAME" 90 "$LOGFILE" "" replica_ready
  fi
}

case "${1:-}" in
  up | down | status) "$1" ;;
  url) urls ;;
  run)
    if [ "${2:-}" = zookeeper ]; then run_zookeeper; fi
    replica "${2:-}"
    run   # infra/clickhouse.sh's: render the config, exec the server
    ;;
  kill) kill_program "${2:-}" ;;
  stop) "$SUPERVISE" stop "$(program "${2:-}")" ;;
  start) start_program "${2:-}" ;;
  *) echo "usage: $0 up|down|status|url|kill N|stop N|start N|run N  (N: 1, 2 or zookeeper)" >&2; exit 2 ;;
esac
