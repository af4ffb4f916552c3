#!/usr/bin/env bash
# The browser app's libraries (web/frontend/node_modules), exactly as the lock file says, from
# the npm registry only; installed again whenever the lock file changed since. Every build of
# the binary needs them: CMake bundles the portal with esbuild and embeds it.
set -euo pipefail
cd "$(dirname "$0")/../web/frontend"
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
