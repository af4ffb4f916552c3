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
test_packages=(
  libgtest-dev libgmock-dev clang-format
  python3 python3-paho-mqtt mosquitto mosquitto-clients procps wrk
)
if [[ "${1:-}" == "--test" ]]; then packages+=("${test_packages[@]}"); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "Installing Debian packages: ${missing[*]}"
sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
