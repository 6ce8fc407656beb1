#!/usr/bin/env bash
# The process supervisor of the native stack (supervisord, Debian's `supervisor` package):
#   infra/supervise.sh start|stop NAME...   start (waits until it stays up) or stop programs
#   infra/supervise.sh status [NAME...]     state, pid, uptime, restarts, last exit per program
#   infra/supervise.sh state|pid NAME       one program's state (RUNNING, BACKOFF, ...) or pid
#   infra/supervise.sh ctl ARGS...          supervisorctl against this stack's supervisord
#   infra/supervise.sh shutdown             stop every program and supervisord
#   infra/supervise.sh info                 one line about supervisord (make status)
# Programs: postgres, clickhouse, kafka (infra/<name>.sh run) and api, worker, sink
# (bin/covid-etl serve|worker|sink). supervisord restarts each when it dies, with backoff; the
# event listener infra/supervisor/events.py logs every exit and restart as a JSON line
# (.data/logs/supervision.log), counts restarts (make status) and serves them to Prometheus
# on 127.0.0.1:SUPERVISOR_METRICS_PORT. infra/stack.sh and infra/processes.sh use this; one
# supervisord per checkout, started on first use and shut down when its last program stops.
# SUPERVISOR_HOME (default .data/supervisor) and SUPERVISOR_LOGS (default .data/logs) let a
# test run a second, separate instance; with SUPERVISOR_PROGRAMS (a list of names) that
# instance runs other programs: `make up-cluster` (infra/cluster/env.sh) runs kafka-1..3,
# worker-N, sink-N, api-N and haproxy this way.
set -euo pipefail
# shellcheck source=infra/lib.sh
. "$(dirname "$0")/lib.sh"

load_env
HOME_DIR="${SUPERVISOR_HOME:-$DATA/supervisor}"
LOG_DIR="${SUPERVISOR_LOGS:-$LOGS}"
CONF="$HOME_DIR/supervisord.conf"
read -r -a PROGRAMS <<<"${SUPERVISOR_PROGRAMS:-postgres clickhouse kafka api worker sink}"
declare -A ROLE_COMMAND=([api]=serve [worker]=worker [sink]=sink)

# A Unix socket path has at most 107 bytes; a deep checkout gets one under /tmp instead.
socket_path() {
  local path="$HOME_DIR/supervisor.sock"
  if [ "${#path}" -gt 100 ]; then path="/tmp/covid-etl-supervisor-$(printf '%s' "$HOME_DIR" | sha1sum | cut -c1-12).sock"; fi
  echo "$path"
}
SOCK=$(socket_path)

ctl() { supervisorctl -c "$CONF" "$@"; }
daemon_up() { [ -f "$CONF" ] && [ -S "$SOCK" ] && ctl pid >/dev/null 2>&1; }

install_if_missing() {
  command -v supervisord >/dev/null && [ -x /usr/bin/python3 ] && return 0
  apt_install supervisor
}

# Per program: how it stops and how long it must stay up to count as started. A program that
# exits sooner is retried after 1, 2, 3, ... s (supervisord's backoff) up to startretries times,
# then FATAL, from where the event listener starts it again after 30 s doubling to 10 min.
program_block() {
  local name="$1" command stopsignal=TERM stopwait=30 startsecs=5 log="$LOG_DIR/$1.log"
  case "$name" in
    postgres) command="$ROOT/infra/postgres.sh run" stopsignal=INT startsecs=3 ;;
    # ClickHouse writes its own log (.data/logs/clickhouse.log); this file gets its stdout.
    clickhouse) command="$ROOT/infra/clickhouse.sh run" startsecs=3 log="$LOG_DIR/clickhouse.stdout.log" ;;
    kafka) command="$ROOT/infra/kafka.sh run" stopwait=60 ;;
    # The cluster's programs (infra/cluster/): one per node or instance.
    kafka-[0-9]*) command="$ROOT/infra/cluster/kafka.sh run ${name#kafka-}" stopwait=60 ;;
    api-[0-9]* | worker-[0-9]* | sink-[0-9]*) command="$ROOT/infra/cluster/role.sh ${name%-*} ${name##*-}" ;;
    haproxy) command="$ROOT/infra/cluster/haproxy.sh run" startsecs=2 ;;
    # The cluster's ClickHouse replicas and their ZooKeeper (infra/cluster/clickhouse.sh, its own
    # supervisord); each replica writes its own log, this file gets its stdout.
    zookeeper) command="$ROOT/infra/cluster/clickhouse.sh run zookeeper" startsecs=3 ;;
    clickhouse-[0-9]*) command="$ROOT/infra/cluster/clickhouse.sh run ${name#clickhouse-}" startsecs=3 log="$LOG_DIR/$name.stdout.log" ;;
    *) command="$ROOT/bin/covid-etl ${ROLE_COMMAND[$name]}" ;;
  esac
  cat <<CONF

[program:$name]
command=$command
directory=$ROOT
autostart=false
autorestart=true
startsecs=$startsecs
startretries=${SUPERVISOR_START_RETRIES:-8}
stopsignal=$stopsignal
stopwaitsecs=$stopwait
stopasgroup=true
killasgroup=true
redirect_stderr=true
stdout_logfile=$log
stdout_logfile_maxbytes=50MB
stdout_logfile_backups=3
CONF
}

render_config() {
  mkdir -p "$HOME_DIR" "$LOG_DIR"
  local metrics_port="${SUPERVISOR_METRICS_PORT:-8003}" name
  [[ "$metrics_port" =~ ^[0-9]+$ ]] && ((metrics_port <= 65535)) ||
    die "SUPERVISOR_METRICS_PORT must be a port number (0 to 65535, 0 = any free port), not '$metrics_port'"
  [[ "${SUPERVISOR_REVIVE_FIRST_S:-30}" =~ ^[1-9][0-9]*$ ]] ||
    die "SUPERVISOR_REVIVE_FIRST_S must be a whole number of seconds (1 or more), not '${SUPERVISOR_REVIVE_FIRST_S}'"
  [[ "${SUPERVISOR_START_RETRIES:-8}" =~ ^[0-9]+$ ]] ||
    die "SUPERVISOR_START_RETRIES must be a whole number, not '${SUPERVISOR_START_RETRIES}'"
  {
    cat <<CONF
; Rendered by infra/supervise.sh from the checkout's configuration; do not edit.
[unix_http_server]
file=$SOCK
chmod=0700

[supervisord]
logfile=$LOG_DIR/supervisord.log
logfile_maxbytes=10MB
logfile_backups=3
pidfile=$HOME_DIR/supervisord.pid
directory=$ROOT
identifier=covid-etl

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://$SOCK

[eventlistener:events]
command=/usr/bin/python3 $ROOT/infra/supervisor/events.py
events=PROCESS_STATE
autostart=true
autorestart=true
startsecs=1
buffer_size=100
stderr_logfile=$LOG_DIR/supervision.log
stderr_logfile_maxbytes=20MB
stderr_logfile_backups=3
environment=SUPERVISOR_HOME="$HOME_DIR",SUPERVISOR_LOGS="$LOG_DIR",SUPERVISOR_METRICS_HOST="127.0.0.1",SUPERVISOR_METRICS_PORT="$metrics_port",SUPERVISOR_REVIVE_FIRST_S="${SUPERVISOR_REVIVE_FIRST_S:-30}"
CONF
    for name in "${PROGRAMS[@]}"; do program_block "$name"; done
  } >"$CONF.tmp"
  mv "$CONF.tmp" "$CONF"
}

ensure_daemon() {
  daemon_up && return 0
  install_if_missing
  render_config
  rm -f "$HOME_DIR/restarts.json" "$HOME_DIR/metrics.port"   # counts start with this supervisord
  # supervisord daemonizes once its socket is bound; its children get this environment.
  supervisord -c "$CONF" || die "supervisord failed to start; see $LOG_DIR/supervisord.log"
  local i
  for ((i = 0; i < 50; i++)); do daemon_up && return 0; sleep 0.2; done
  die "supervisord did not answer on $SOCK; see $LOG_DIR/supervisord.log"
}

# Prints one program's state (RUNNING, STARTING, BACKOFF, STOPPED, EXITED, FATAL) or STOPPED
# when no supervisord runs.
state() {
  daemon_up || { echo STOPPED; return 0; }
  ctl status "$1" 2>/dev/null | awk '{print $2; exit}' || true
}

pid() {
  local line
  daemon_up || return 1
  line=$(ctl status "$1" 2>/dev/null || true)
  [[ "$line" =~ RUNNING[[:space:]]+pid[[:space:]]+([0-9]+) ]] || return 1
  echo "${BASH_REMATCH[1]}"
}

# Starts a program and waits until it has stayed up for its startsecs; one that supervisord is
# already starting (STARTING, BACKOFF) is waited for. Fails with the tail of its log.
start_one() {
  local name="$1" st="" out deadline=$((SECONDS + 180))
  while ((SECONDS < deadline)); do
    st=$(ctl status "$name" 2>/dev/null | awk '{print $2; exit}' || true)
    case "$st" in
      RUNNING) return 0 ;;
      STARTING | BACKOFF | STOPPING) sleep 0.2 ;;
      *)
        out=$(ctl start "$name" 2>&1) && [[ "$out" != *ERROR* ]] && return 0
        [[ "$out" == *"already started"* ]] && continue
        fail_with_log "$name" "did not start under the supervisor: $out" "$(program_log "$name")"
        ;;
    esac
  done
  fail_with_log "$name" "still $st under the supervisor after 180 s" "$(program_log "$name")"
}

# Several programs start side by side (each waits for its own startsecs).
start() {
  ensure_dirs
  ensure_daemon
  local name pids=() rc=0
  for name in "$@"; do start_one "$name" & pids+=($!); done
  for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
  return "$rc"
}

program_log() { [ "$1" = clickhouse ] && echo "$LOG_DIR/clickhouse.log" || echo "$LOG_DIR/$1.log"; }

# Stops the programs; once none is left running, supervisord itself goes too.
stop() {
  daemon_up || return 0
  local name
  local states
  for name in "$@"; do ctl stop "$name" >/dev/null 2>&1 || true; done
  # (supervisorctl status exits non-zero when a program is not running: read its output only.)
  states=$(ctl status 2>/dev/null || true)
  awk '$1 != "events" {print $2}' <<<"$states" | grep -qvx -e STOPPED -e EXITED -e FATAL || shutdown
}

shutdown() {
  daemon_up || return 0
  ctl shutdown >/dev/null 2>&1 || true
  # supervisord removes its pid file last, once every program and the listener have stopped.
  local i
  for ((i = 0; i < 300; i++)); do [ -f "$HOME_DIR/supervisord.pid" ] || return 0; sleep 0.2; done
}

# One line per program: state, pid, uptime, restarts by the supervisor, last unexpected exit.
status() {
  local names=("$@") name line st pid uptime restarts
  [ ${#names[@]} -gt 0 ] || names=("${PROGRAMS[@]}")
  if ! daemon_up; then
    for name in "${names[@]}"; do printf '%-11s %-8s %s\n' "$name" STOPPED "(no supervisor running)"; done
    return 0
  fi
  for name in "${names[@]}"; do
    line=$(ctl status "$name" 2>/dev/null || true)
    st=$(awk '{print $2}' <<<"$line")
    pid="-" uptime=""
    [[ "$line" =~ pid[[:space:]]+([0-9]+),[[:space:]]+uptime[[:space:]]+([0-9:]+) ]] && pid="${BASH_REMATCH[1]}" uptime="up ${BASH_REMATCH[2]}"
    restarts=$(SUPERVISOR_HOME="$HOME_DIR" /usr/bin/python3 "$ROOT/infra/supervisor/events.py" --summary "$name" 2>/dev/null || echo "restarts=?")
    printf '%-11s %-8s pid=%-8s %-14s %s\n' "$name" "${st:-?}" "$pid" "$uptime" "$restarts"
  done
}

# One line about supervisord itself, for `make status`.
info() {
  local port
  if daemon_up; then
    port=$(cat "$HOME_DIR/metrics.port" 2>/dev/null || echo "?")
    printf '%-11s %-8s pid=%-8s %s\n' supervisor running "$(ctl pid)" "metrics=http://127.0.0.1:$port/metrics log=${LOG_DIR#"$ROOT"/}/supervision.log"
  else
    printf '%-11s %-8s pid=%-8s %s\n' supervisor stopped - "(started by make up / infra/stack.sh up)"
  fi
}

cmd="${1:-}"
shift || true
case "$cmd" in
  start | stop) [ $# -gt 0 ] || die "usage: $0 $cmd NAME..."; "$cmd" "$@" ;;
  status) status "$@" ;;
  state | pid) [ $# -eq 1 ] || die "usage: $0 $cmd NAME"; "$cmd" "$1" ;;
  ctl) ensure_daemon; ctl "$@" ;;
  shutdown | info) "$cmd" ;;
  *) echo "usage: $0 start|stop|status|state|pid|ctl|shutdown|info [NAME...]" >&2; exit 2 ;;
esac
