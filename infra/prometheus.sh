#!/usr/bin/env bash
# The alert rules (infra/prometheus/alerts.yml): infra/prometheus.sh check
#   check  promtool check rules, then the rules' unit tests (promtool test rules alerts.test.yml).
# promtool comes with Debian's `prometheus` package, installed on first use (its service is not
# started). Compose's optional `monitoring` profile runs Prometheus itself with these rules.
set -euo pipefail
# shellcheck source=infra/lib.sh
. "$(dirname "$0")/lib.sh"

check() {
  command -v promtool >/dev/null || apt_install prometheus
  cd "$ROOT/infra/prometheus"
  promtool check rules alerts.yml
  promtool check config --syntax-only prometheus.yml
  promtool test rules alerts.test.yml
}

case "${1:-}" in
  check) check ;;
  *) echo "usage: $0 check" >&2; exit 2 ;;
esac
