# shellcheck shell=bash
# The cluster of `make up-cluster` (sourced by the scripts in infra/cluster/, after infra/lib.sh):
# where it lives, its ports, and the environment its programs run with.
#
# Port scheme (defaults; each can be moved in .env or the environment, e.g. for a second copy):
#   PORT (8000)                       HAProxy, the only public entry: the API behind it
#   CLUSTER_API_PORTS 8011,8012       the two API processes (loopback)
#   CLUSTER_WORKER_HEALTH_PORTS 8021,8022, CLUSTER_SINK_HEALTH_PORTS 8031,8032
#   CLUSTER_HAPROXY_STATS_PORT 8040   HAProxy's stats page (loopback)
#   CLUSTER_SUPERVISOR_METRICS_PORT 8041  the cluster supervisor's restart metrics
#   CLUSTER_KAFKA_PORTS 9192,9292,9392  the three Kafka brokers; controller = broker port + 1
#   PostgreSQL: the single server of DATABASE_URL (infra/postgres.sh), database <name>_cluster
#   ClickHouse: the replicas listed in .data/cluster/clickhouse.env (infra/cluster/clickhouse.sh);
#     without that script, the single server of CLICKHOUSE_URL, database <name>_cluster
# None of these collide with the single-node stack (5432, 8123/9000, 9092/9093, 8000-8003),
# which may keep running beside the cluster (PORT aside).

load_env
CLUSTER_DIR="$DATA/cluster"
CLUSTER_LOGS="$CLUSTER_DIR/logs"

split_ports() { local -n into="$1"; IFS=, read -r -a into <<<"${2// /}"; }
split_ports KAFKA_NODE_PORTS "${CLUSTER_KAFKA_PORTS:-9192,9292,9392}"
split_ports API_PORTS "${CLUSTER_API_PORTS:-8011,8012}"
split_ports WORKER_HEALTH_PORTS "${CLUSTER_WORKER_HEALTH_PORTS:-8021,8022}"
split_ports SINK_HEALTH_PORTS "${CLUSTER_SINK_HEALTH_PORTS:-8031,8032}"
HAPROXY_PORT="${PORT:-8000}"
HAPROXY_STATS_PORT="${CLUSTER_HAPROXY_STATS_PORT:-8040}"

for list in KAFKA_NODE_PORTS API_PORTS WORKER_HEALTH_PORTS SINK_HEALTH_PORTS; do
  declare -n ports="$list"
  for p in "${ports[@]}"; do
    [[ "$p" =~ ^[1-9][0-9]{0,4}$ ]] && ((p <= 65535)) || die "cluster: $list has '$p', not a port number"
  done
  unset -n ports
done
((${#KAFKA_NODE_PORTS[@]} == 3)) || die "cluster: CLUSTER_KAFKA_PORTS must list three broker ports"

# The programs of the cluster's own supervisord (infra/supervise.sh with this home and list).
cluster_programs() {
  local n programs=()
  for n in 1 2 3; do programs+=("kafka-$n"); done
  for n in $(seq 1 "${#WORKER_HEALTH_PORTS[@]}"); do programs+=("worker-$n"); done
  for n in $(seq 1 "${#SINK_HEALTH_PORTS[@]}"); do programs+=("sink-$n"); done
  for n in $(seq 1 "${#API_PORTS[@]}"); do programs+=("api-$n"); done
  echo "${programs[*]} haproxy"
}
export SUPERVISOR_HOME="$CLUSTER_DIR/supervisor" SUPERVISOR_LOGS="$CLUSTER_LOGS"
SUPERVISOR_PROGRAMS=$(cluster_programs)
export SUPERVISOR_PROGRAMS
export SUPERVISOR_METRICS_PORT="${CLUSTER_SUPERVISOR_METRICS_PORT:-8041}"

# The single-node stores' settings, kept before the cluster's replace them: infra/postgres.sh and
# infra/clickhouse.sh are run with these.
SINGLE_DATABASE_URL="${DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/covid}"
SINGLE_CLICKHOUSE_URL="${CLICKHOUSE_URL:-http://default:@127.0.0.1:8123}"

# The environment of every cluster program and of `infra/cluster/up.sh exec`: the three
# brokers with replication factor 3, its own PostgreSQL and ClickHouse databases (so that the
# cluster and the single-node stack never share a job queue or published-state with different
# data), and the ClickHouse replicas once infra/cluster/clickhouse.sh has written them.
cluster_environment() {
  local brokers="" p db
  for p in "${KAFKA_NODE_PORTS[@]}"; do brokers+="${brokers:+,}127.0.0.1:$p"; done
  export KAFKA_BROKERS="$brokers"
  export KAFKA_REPLICATION_FACTOR="${CLUSTER_KAFKA_REPLICATION_FACTOR:-3}"
  parse_url "$SINGLE_DATABASE_URL" 5432
  db="${URL_PATH:-covid}"
  export DATABASE_URL="${SINGLE_DATABASE_URL%/*}/${db%_cluster}_cluster"
  db="${CLICKHOUSE_DATABASE:-covid}"
  export CLICKHOUSE_DATABASE="${db%_cluster}_cluster"
  if [ -f "$CLUSTER_DIR/clickhouse.env" ]; then
    local line
    while IFS= read -r line; do
      [[ "$line" =~ ^(CLICKHOUSE_URL|CLICKHOUSE_CLUSTER)=(.*)$ ]] && export "${BASH_REMATCH[1]}=${BASH_REMATCH[2]}"
    done <"$CLUSTER_DIR/clickhouse.env"
  else
    export CLICKHOUSE_URL="$SINGLE_CLICKHOUSE_URL"
  fi
}
