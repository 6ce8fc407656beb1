#!/usr/bin/env bash
# The containerised system (infra/compose.yaml): infra/compose.sh available|up|down
#   available  exit 0 only if a Docker engine answers (a docker client alone is not enough)
#   up         build the app image, start everything, wait until healthy
#   down       stop and remove the containers (named volumes, i.e. the data, are kept)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
compose=(docker compose -f "$root/infra/compose.yaml")

# The stores' passwords live in .env, generated once (never literals in compose.yaml).
ensure_secrets() {
  local name
  touch "$root/.env"
  for name in POSTGRES_PASSWORD CLICKHOUSE_PASSWORD CLICKHOUSE_READER_PASSWORD; do
    grep -q "^$name=" "$root/.env" || echo "$name=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')" >>"$root/.env"
  done
}
# Compose reads .env next to the compose file for ${...} interpolation; use the repo's.
[ -f "$root/.env" ] && compose+=(--env-file "$root/.env")

case "${1:-}" in
  available)
    command -v docker >/dev/null 2>&1 || exit 1
    # `docker info` needs the engine; bounded, since a dead socket can hang it.
    timeout 15 docker info >/dev/null 2>&1 || exit 1
    docker compose version >/dev/null 2>&1 || { echo "compose.sh: a Docker engine answers but the compose plugin is missing" >&2; exit 1; }
    ;;
  up)
    ensure_secrets
    compose+=(--env-file "$root/.env")
    # --wait: returns once every service is healthy (and `migrate` has exited 0), or fails.
    "${compose[@]}" up -d --build --wait --wait-timeout 300
    "${compose[@]}" ps
    ;;
  down)
    "${compose[@]}" down --remove-orphans
    ;;
  *)
    echo "usage: $0 available|up|down" >&2
    exit 2
    ;;
esac
