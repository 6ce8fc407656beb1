# shellcheck shell=bash
# Shared helpers for the native stack scripts (sourced, not run).
# Layout: everything a service writes lives under .data/ (gitignored) so `rm -rf .data` resets
# the stack; downloaded tools that survive a reset live under .tools/.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DATA="$ROOT/.data"
RUN="$DATA/run"
LOGS="$DATA/logs"

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
die() { echo "ERROR: $*" >&2; exit 1; }

# Variables may come from .env at the repo root; a variable already set in the real
# environment wins (same rule as src/platform/config.ts).
load_env() {
  local file="$ROOT/.env" line key value
  [ -f "$file" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line#export }"
    [[ "$line" =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
    key="${BASH_REMATCH[1]}" value="${BASH_REMATCH[2]}"
    [ -z "${!key+x}" ] || continue
    value="${value%"${value##*[![:space:]]}"}"
    if [[ "$value" =~ ^\"(.*)\"$ || "$value" =~ ^\'(.*)\'$ ]]; then value="${BASH_REMATCH[1]}"; fi
    export "$key=$value"
  done <"$file"
}

urldecode() { local s="${1//+/ }"; printf '%b' "${s//%/\\x}"; }

# Splits scheme://user:pass@host:port/path into URL_USER URL_PASS URL_HOST URL_PORT URL_PATH.
# shellcheck disable=SC2034  # the URL_* globals are read by the sourcing script
parse_url() {
  local url="$1" default_port="$2" rest auth hostport
  rest="${url#*://}"
  URL_PATH=""
  if [[ "$rest" == */* ]]; then URL_PATH="${rest#*/}"; rest="${rest%%/*}"; fi
  URL_PATH="${URL_PATH%%\?*}"
  URL_USER="" URL_PASS=""
  if [[ "$rest" == *@* ]]; then
    auth="${rest%@*}" hostport="${rest##*@}"
    URL_USER=$(urldecode "${auth%%:*}")
    [[ "$auth" == *:* ]] && URL_PASS=$(urldecode "${auth#*:}")
  else
    hostport="$rest"
  fi
  URL_HOST="${hostport%:*}" URL_PORT="${hostport##*:}"
  [[ "$hostport" == *:* ]] || { URL_HOST="$hostport"; URL_PORT="$default_port"; }
  [ -n "$URL_PORT" ] || URL_PORT="$default_port"
  URL_HOST="${URL_HOST#[}" URL_HOST="${URL_HOST%]}"
}

ensure_dirs() { mkdir -p "$RUN" "$LOGS"; }

# Alive means running, not a zombie: this machine's init reaps orphans only every second or
# two, and kill -0 succeeds on a zombie.
pid_alive() {
  local stat
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat="${stat##*) }"
  [ "${stat%% *}" != Z ]
}

# Start time of a process (clock ticks since boot), kept next to its pid file so that a pid
# reused by an unrelated process after a reboot is never mistaken for ours (nor killed).
pid_start() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  local -a fields
  read -r -a fields <<<"${stat##*) }"
  echo "${fields[19]}"
}

# Prints the pid recorded in .data/run/<name>.pid if that process is still alive.
running_pid() {
  local file="$RUN/$1.pid" pid
  [ -f "$file" ] || return 1
  pid=$(cat "$file" 2>/dev/null || true)
  if pid_alive "$pid" && [ "$(pid_start "$pid")" = "$(cat "$RUN/$1.start" 2>/dev/null)" ]; then
    echo "$pid"
    return 0
  fi
  rm -f "$file" "$RUN/$1.start" "$RUN/$1.ports"   # stale: the process died without `down`
  return 1
}

# A running service keeps the ports it was started with; if the configuration now names other
# ports, say so instead of reporting a server that is not where the clients will look.
# (Written by each script's `up` as .data/run/<name>.ports.)
check_same_ports() {
  local name="$1" want="$2" have
  have=$(cat "$RUN/$name.ports" 2>/dev/null || true)
  [ -z "$have" ] || [ "$have" = "$want" ] ||
    die "$name: running with ports $have but the configuration now says $want; run 'infra/stack.sh down $name' first"
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# stop_pid NAME PID [SIGNAL] [TIMEOUT]: graceful signal, wait, then SIGKILL.
stop_pid() {
  local name="$1" pid="$2" sig="${3:-TERM}" timeout="${4:-30}" i
  kill -"$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 5; i++)); do
    pid_alive "$pid" || { log "$name stopped (pid $pid)"; return 0; }
    sleep 0.2
  done
  log "$name did not stop within ${timeout}s after SIG$sig; sending SIGKILL"
  # Started as a process-group leader: take any helper children down with it.
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  sleep 0.5
}

stop_service() {
  local name="$1" sig="${2:-TERM}" timeout="${3:-30}" pid
  if pid=$(running_pid "$name"); then
    stop_pid "$name" "$pid" "$sig" "$timeout"
  else
    log "$name: not running (no live pid file)"
  fi
  rm -f "$RUN/$name.pid" "$RUN/$name.start" "$RUN/$name.ports"
}

# Stops a process started before supervision (a live .data/run/<name>.pid), if there is one.
stop_legacy() {
  local name="$1" sig="${2:-TERM}" timeout="${3:-30}" pid
  if pid=$(running_pid "$name"); then stop_pid "$name" "$pid" "$sig" "$timeout"; fi
  rm -f "$RUN/$name.pid" "$RUN/$name.start"
}

# The supervisor (infra/supervise.sh) runs every service and role of the native stack.
SUPERVISE="$ROOT/infra/supervise.sh"

# True when the supervisor runs the program or is starting it (STARTING, BACKOFF).
supervised_active() {
  case "$("$SUPERVISE" state "$1")" in RUNNING | STARTING | BACKOFF) return 0 ;; esac
  return 1
}

# Prints the status line of a program under the supervisor (state in lower case, pid, uptime,
# restarts); fails when it is not there (stopped, or no supervisor running).
supervised_status() {
  local name="$1" extra="$2" line state pid rest
  line=$("$SUPERVISE" status "$name") || return 1
  read -r _ state pid rest <<<"$line"
  [ "$state" != STOPPED ] || return 1
  status_line "$name" "${state,,}" "${pid#pid=}" "$extra $rest"
}

# Fails naming the service, why, and the tail of its log.
fail_with_log() {
  local name="$1" why="$2" logfile="$3"
  {
    echo "ERROR: $name: $why"
    if [ -f "$logfile" ]; then
      echo "--- last 40 lines of $logfile ---"
      tail -n 40 "$logfile"
      echo "---"
    fi
  } >&2
  exit 1
}

# wait_until NAME TIMEOUT LOGFILE PID CHECK...: polls CHECK until it succeeds; fails early if the
# process (when a pid is given) exits.
wait_until() {
  local name="$1" timeout="$2" logfile="$3" pid="$4"; shift 4
  local deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    "$@" >/dev/null 2>&1 && return 0
    if [ -n "$pid" ] && ! pid_alive "$pid"; then
      fail_with_log "$name" "the process (pid $pid) exited during start-up" "$logfile"
    fi
    sleep 0.5
  done
  fail_with_log "$name" "not ready after ${timeout}s" "$logfile"
}

# apt-get install that waits for another apt/dpkg run (e.g. a package install already going on
# in the background) instead of failing on its lock. DPkg::Lock::Timeout covers the dpkg lock of
# `install`; `update` ignores it, so wait for other apt processes first and retry.
APT_UPDATED=""
apt_busy() {
  local name
  for name in apt-get apt dpkg aptitude; do pgrep -x "$name" >/dev/null && return 0; done
  return 1
}
wait_for_apt() {
  local waited=0
  while apt_busy; do
    ((waited % 30)) || log "waiting for another apt/dpkg process to finish"
    sleep 2
    waited=$((waited + 2))
    ((waited < 900)) || die "apt/dpkg has been busy for 15 minutes; giving up"
  done
}
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  local opts=(-o DPkg::Lock::Timeout=600) try
  wait_for_apt
  if [ -z "$APT_UPDATED" ]; then
    log "apt-get update"
    for try in 1 2 3; do
      apt-get "${opts[@]}" update -qq >&2 && break
      [ "$try" = 3 ] && die "apt-get update failed"
      sleep 5
      wait_for_apt
    done
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  # Packages with a service (postgresql, supervisor, prometheus) must not start it: the scripts
  # run their own instances. Docker-style images already deny it; elsewhere deny it meanwhile.
  local deny=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && deny=1
  fi
  local rc=0
  apt-get "${opts[@]}" install -y -qq --no-install-recommends "$@" >&2 || rc=$?
  [ -z "$deny" ] || rm -f /usr/sbin/policy-rc.d
  return "$rc"
}

# maven_jars NAME POM LIBS: the jars POM lists, with their runtime dependencies, copied from Maven
# Central into LIBS (under .tools/: kept across `rm -rf .data`); again only when the POM changes.
# Kafka and ZooKeeper have no Debian package; Maven Central is where this machine gets them.
maven_jars() {
  local name="$1" pom="$2" libs="$3" stamp="$3/.pom.sha256" sum tmp
  sum=$(sha256sum "$pom" | cut -d' ' -f1)
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ] && return 0
  command -v mvn >/dev/null || apt_install maven
  log "$name: fetching jars from Maven Central into ${libs#"$ROOT/"}"
  tmp="$libs.tmp"
  rm -rf "$tmp"
  mkdir -p "$tmp" "$LOGS"
  if ! mvn -B -q -f "$pom" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$tmp" >"$LOGS/$name-maven.log" 2>&1; then
    fail_with_log "$name" "mvn dependency:copy-dependencies failed" "$LOGS/$name-maven.log"
  fi
  # Swap in whole, so an interrupted download never leaves a half set of jars in use.
  rm -rf "$libs"
  mv "$tmp" "$libs"
  echo "$sum" >"$stamp"
}

status_line() { printf '%-11s %-8s pid=%-8s %s\n' "$1" "$2" "${3:--}" "$4"; }
