#!/usr/bin/env bash
# Configures and builds one flavour of fabomatic into build/<flavour>.
#   tools/build.sh release   optimised with debug info (the appliance)
#   tools/build.sh asan      AddressSanitizer + UndefinedBehaviorSanitizer (tests)
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
case "$flavour" in
  # Line tables only (-g1): enough for a crash's backtrace, and a third less compile time than
  # full debug info on two cores (web/api/members.cpp: 20.6-25.3 s with -g, 14.0-17.4 s with -g1).
  # The Debian package (tools/package.sh) keeps full debug info for its -dbgsym package.
  release) flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG") ;;
  asan) flags=(-DCMAKE_BUILD_TYPE=Debug -DFABOMATIC_SANITIZE=ON) ;;
  *) echo "usage: $0 [release|asan]" >&2; exit 2 ;;
esac
jobs=${FABOMATIC_JOBS:-$(nproc)}
tools/frontend-deps.sh
cmake -S . -B "build/$flavour" -G Ninja "${flags[@]}" >/dev/null
cmake --build "build/$flavour" -j "$jobs"
