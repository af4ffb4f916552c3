#!/usr/bin/env bash
# Quick start: installs what is missing, builds, and runs the appliance with safe defaults
# (broker on 1883; data — database, certificate, settings — under ./data unless --config
# says otherwise). Extra arguments go to fabomatic (see fabomatic --help).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh release
mkdir -p data
cd data
exec ../build/release/fabomatic "$@"
