#!/usr/bin/env bash
# The application's three process roles, run natively under the supervisor (infra/supervise.sh):
#   infra/processes.sh up|down|status
# api = `bin/covid-etl serve`, worker = `bin/covid-etl worker`, sink = `bin/covid-etl sink`;
# supervisord restarts each when it dies (with backoff); logs in .data/logs/<role>.log. Needs
# the stack (infra/stack.sh up) and migrations (bin/covid-etl migrate) first, as `make up` does.
set -euo pipefail
# shellcheck source=infra/lib.sh
. "$(dirname "$0")/lib.sh"

load_env   # the app reads .env itself; loaded here for the ports and so both agree
PORT="${PORT:-8000}"
roles=(api worker sink)
declare -A command=([api]=serve [worker]=worker [sink]=sink)
declare -A health=(
  [api]="http://127.0.0.1:$PORT/healthz"
  [worker]="http://127.0.0.1:${WORKER_HEALTH_PORT:-8001}/healthz"
  [sink]="http://127.0.0.1:${SINK_HEALTH_PORT:-8002}/healthz"
)

# A health port of 0 (any free port) cannot be asked from here: running under the supervisor is all we know.
healthy() {
  if [[ "${health[$1]}" == *:0/healthz ]]; then [ "$("$SUPERVISE" state "$1")" = RUNNING ]; return; fi
  curl -fsS --max-time 2 "${health[$1]}" >/dev/null 2>&1
}

up() {
  ensure_dirs
  local role pid
  # A failed start stops the roles again, so that no half-started set is left behind.
  trap 'down >/dev/null 2>&1' EXIT
  local to_start=()
  for role in "${roles[@]}"; do
    if pid=$(running_pid "$role"); then
      log "$role: already running, not supervised (pid $pid); 'infra/processes.sh down' then up to supervise it"
    else
      to_start+=("$role")
    fi
  done
  # Each must stay up for its start time (5 s) under the supervisor; a role that exits during
  # start-up (bad config, unreachable service) fails `up`, named, with the tail of its log.
  [ ${#to_start[@]} -eq 0 ] || "$SUPERVISE" start "${to_start[@]}"
  for role in "${roles[@]}"; do wait_until "$role" 60 "$LOGS/$role.log" "" healthy "$role"; done
  trap - EXIT
  log "processes up under the supervisor: api ${health[api]%/healthz}, worker and sink health on ${health[worker]%/healthz}, ${health[sink]%/healthz} (logs in .data/logs/)"
}

down() {
  local role
  # Producer first, consumer last: the sink gets to write and commit what the worker sent.
  for role in worker api sink; do
    "$SUPERVISE" stop "$role"
    stop_legacy "$role" TERM 30
  done
}

status() {
  local role pid extra
  for role in "${roles[@]}"; do
    extra="bin/covid-etl ${command[$role]} ${health[$role]}$(healthy "$role" && echo ' (healthy)' || echo ' (not answering)')"
    if supervised_status "$role" "$extra"; then
      continue
    elif pid=$(running_pid "$role"); then
      status_line "$role" running "$pid" "$extra (not supervised: started before supervision)"
    else
      status_line "$role" stopped "" "bin/covid-etl ${command[$role]}"
    fi
  done
}

case "${1:-}" in
  up | down | status) "$1" ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
