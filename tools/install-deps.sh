#!/usr/bin/env bash
# Installs the Debian 12 packages fabomatic needs to build, run and test. Idempotent: when
# everything is already there it changes nothing and does not touch the network.
#   tools/install-deps.sh          build and run
#   tools/install-deps.sh --test   also what the test suite uses
set -euo pipefail

packages=(
  g++ cmake ninja-build ccache pkg-config git
  libboost1.81-dev nlohmann-json3-dev libsqlite3-dev libssl-dev libsodium-dev
  libtomlplusplus-dev libcurl4-openssl-dev
  openssl sqlite3
)
# The browser app is built with Node.js >= 18 (web/frontend/package.json): Debian 12's nodejs
# and npm packages, unless a Node.js is installed already (e.g. from NodeSource, which brings
# its own npm and conflicts with Debian's npm package).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then packages+=(nodejs npm); fi
test_packages=(
  libgtest-dev libgmock-dev clang-format
  python3 python3-paho-mqtt mosquitto mosquitto-clients procps wrk
  strace  # tests/backend_integration/test_durability.py watches the syncs of the reply path
  chromium  # the browser the portal's Playwright tests drive (/usr/bin/chromium)
)
if [[ "${1:-}" == "--test" ]]; then packages+=("${test_packages[@]}"); fi

missing=()
for p in "${packages[@]}"; do
  [[ "$p" == "nodejs" || "$p" == "npm" ]] && { missing+=("$p"); continue; }
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "Installing Debian packages: ${missing[*]}"
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if (( node_major < 18 )); then
  echo "install-deps: the browser app needs Node.js 18 or newer, found $(node --version 2>/dev/null || echo none)" >&2
  exit 1
fi
