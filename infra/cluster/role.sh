#!/usr/bin/env bash
# One instance of an application role in the cluster, the cluster supervisor's command:
#   infra/cluster/role.sh api|worker|sink N
# Runs `bin/covid-etl serve|worker|sink` with the cluster's environment and instance N's port
# (env.sh): each API process on its own loopback port behind HAProxy, one process each
# (API_PROCESSES=1: HAProxy spreads the load, not node:cluster); each worker and sink with
# its own health port.
set -euo pipefail
# shellcheck source=infra/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=infra/cluster/env.sh
. "$ROOT/infra/cluster/env.sh"

role="${1:-}" n="${2:-}"
[[ "$n" =~ ^[1-9][0-9]*$ ]] || die "usage: $0 api|worker|sink N"
cluster_environment
pick() { local -n list="$1"; ((n <= ${#list[@]})) || die "$role-$n: $1 lists ${#list[@]} ports"; echo "${list[n - 1]}"; }
case "$role" in
  api)
    export PORT HOST=127.0.0.1 API_PROCESSES=1
    PORT=$(pick API_PORTS)
    # A loopback metrics port (METRICS_PORT) cannot be shared either: instance N takes port + N - 1.
    [ "${METRICS_PORT:-0}" = 0 ] || export METRICS_PORT=$((METRICS_PORT + n - 1))
    exec "$ROOT/bin/covid-etl" serve
    ;;
  worker) export WORKER_HEALTH_PORT; WORKER_HEALTH_PORT=$(pick WORKER_HEALTH_PORTS); exec "$ROOT/bin/covid-etl" worker ;;
  sink) export SINK_HEALTH_PORT; SINK_HEALTH_PORT=$(pick SINK_HEALTH_PORTS); exec "$ROOT/bin/covid-etl" sink ;;
  *) die "usage: $0 api|worker|sink N" ;;
esac
