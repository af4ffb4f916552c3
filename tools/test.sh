#!/usr/bin/env bash
# Installs what is missing, builds the release and the sanitizer (ASan+UBSan) flavours, and
# runs the whole test suite in both. Exit status 0 only when every test passed.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh --test
tools/build.sh release
tools/build.sh asan

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
echo "== release build: all tests"
ctest --test-dir build/release --output-on-failure -j 2 || status=1
echo "== sanitizer build: all tests"
ctest --test-dir build/asan --output-on-failure -j 2 -LE no-sanitizer || status=1
exit $status
