#!/usr/bin/env bash
# The application's three process roles, run natively in the background:
#   infra/processes.sh up|down|status
# api = `bin/covid-etl serve`, worker = `bin/covid-etl worker`, sink = `bin/covid-etl sink`;
# logs in .data/logs/<role>.log, pid files in .data/run/<role>.pid. Needs the stack
# (infra/stack.sh up) and migrations (bin/covid-etl migrate) first, as `make up` does.
set -euo pipefail
# shellcheck source=infra/lib.sh
. "$(dirname "$0")/lib.sh"

load_env   # the app reads .env itself; loaded here for PORT and so both agree
PORT="${PORT:-8000}"
roles=(api worker sink)
declare -A command=([api]=serve [worker]=worker [sink]=sink)
HEALTH_URL="http://127.0.0.1:$PORT/healthz"

healthy() { curl -fsS --max-time 2 "$HEALTH_URL" >/dev/null 2>&1; }

# A role that exits during start-up (bad config, unreachable service) fails `up`, named.
check_alive() {
  local role pid
  for role in "${roles[@]}"; do
    pid=$(cat "$RUN/$role.pid" 2>/dev/null || true)
    pid_alive "$pid" || fail_with_log "$role" "exited during start-up (bin/covid-etl ${command[$role]})" "$LOGS/$role.log"
  done
}

up() {
  ensure_dirs
  local role pid started=0
  # A failed start stops the roles again, so that no half-started set is left behind.
  trap 'down >/dev/null 2>&1' EXIT
  for role in "${roles[@]}"; do
    if pid=$(running_pid "$role"); then
      log "$role: already running (pid $pid)"
      continue
    fi
    echo "===== infra/processes.sh up $(date -u +%FT%TZ) =====" >>"$LOGS/$role.log"
    spawn "$role" "$LOGS/$role.log" "$ROOT/bin/covid-etl" "${command[$role]}"
    started=1
    log "$role: started bin/covid-etl ${command[$role]} (pid $(cat "$RUN/$role.pid"))"
  done
  wait_until api 60 "$LOGS/api.log" "$(cat "$RUN/api.pid")" healthy
  # Worker and sink have no HTTP port; give them a moment to fail on their config or
  # connections, then require them to be alive.
  [ "$started" = 0 ] || sleep 2
  check_alive
  trap - EXIT
  log "processes up: api $HEALTH_URL, worker, sink (logs in .data/logs/)"
}

down() {
  local role
  # Producer first, consumer last: the sink gets to write and commit what the worker sent.
  for role in worker api sink; do stop_service "$role" TERM 30; done
}

status() {
  local role pid extra
  for role in "${roles[@]}"; do
    extra="bin/covid-etl ${command[$role]}"
    [ "$role" = api ] && extra="$extra $HEALTH_URL$(healthy && echo ' (healthy)' || echo ' (not answering)')"
    if pid=$(running_pid "$role"); then
      status_line "$role" running "$pid" "$extra"
    else
      status_line "$role" stopped "" "bin/covid-etl ${command[$role]}"
    fi
  done
}

case "${1:-}" in
  up | down | status) "$1" ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
