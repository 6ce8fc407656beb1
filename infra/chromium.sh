#!/usr/bin/env bash
# Headless Chromium for the browser tests (test/support/browser.ts), from Debian's packages:
# browsers cannot be downloaded from anywhere else here, so Playwright's own builds are never
# used. Fonts are named so that pages render text the same on every machine.
set -euo pipefail
# shellcheck source=infra/lib.sh
. "$(dirname "$0")/lib.sh"

if [ -x /usr/bin/chromium ] && [ -f /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf ]; then
  exit 0
fi
apt_install chromium fonts-liberation fonts-dejavu-core
[ -x /usr/bin/chromium ] || die "chromium did not install (/usr/bin/chromium is missing)"
