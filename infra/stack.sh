#!/usr/bin/env bash
# The native stack (no Docker): infra/stack.sh up|down|status [postgres|clickhouse|kafka ...]
# Each service has its own script (infra/<service>.sh) that installs what is missing, runs the
# service on loopback with data under .data/<service>/, logs in .data/logs/, pid files in
# .data/run/, and waits until it answers. Idempotent: `up` on a running stack only checks it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
all=(postgres clickhouse kafka)

usage() { echo "usage: $0 up|down|status [postgres|clickhouse|kafka ...]" >&2; exit 2; }

cmd="${1:-}"
[ -n "$cmd" ] || usage
shift
services=("$@")
[ ${#services[@]} -gt 0 ] || services=("${all[@]}")
for s in "${services[@]}"; do
  case "$s" in postgres | clickhouse | kafka) ;; *) echo "unknown service: $s" >&2; usage ;; esac
done

case "$cmd" in
  up)
    start=$SECONDS
    # One after the other: the first run may apt-get install, and dpkg takes one install at a time.
    for s in "${services[@]}"; do "$here/$s.sh" up; done
    echo "stack up (${services[*]}) in $((SECONDS - start))s" >&2
    ;;
  down)
    # Reverse order; keep going if one fails so that `down` stops as much as it can.
    rc=0
    for ((i = ${#services[@]} - 1; i >= 0; i--)); do "$here/${services[i]}.sh" down || rc=1; done
    exit "$rc"
    ;;
  status)
    for s in "${services[@]}"; do "$here/$s.sh" status; done
    ;;
  *) usage ;;
esac
