#!/usr/bin/env bash
# Runs the unit tests (the GoogleTest binaries) built for arm64 under qemu-user:
#   tools/cross-test.sh
# They are cross-compiled in build/cross-arm64, the directory tools/package.sh arm64 builds the
# package's binary in (so the library objects are shared, only the tests are added), and ctest
# runs each through CMAKE_CROSSCOMPILING_EMULATOR (qemu-aarch64-static). The Python and browser
# suites, which drive the program over sockets, are not run here: the native suite covers them;
# nor is db.Crash (below).
# Prints the times of the build and of the run, and ctest's summary. FABOMATIC_JOBS sets -j (2).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh --cross-arm64
build_dir=build/cross-arm64
jobs=${FABOMATIC_JOBS:-2}
# Configured the package's way (tools/package.sh arm64, which also builds the binary).
[[ -f "$build_dir/build.ninja" ]] || tools/package.sh arm64

targets=$(ninja -C "$build_dir" -t targets | sed -n 's/^\(test_[a-z_]*\): phony$/\1/p' | tr '\n' ' ')
echo "== cross-building the unit tests for arm64 (-j$jobs): $targets"
start=$SECONDS
# shellcheck disable=SC2086 # one target per word
cmake --build "$build_dir" -j "$jobs" --target $targets
build_s=$((SECONDS - start))
echo "   build: $build_s s"

prefixes=$(grep -ho 'TEST_PREFIX "[a-z_]*\.' tests/*/CMakeLists.txt | sed 's/TEST_PREFIX "//; s/\.$//' | sort -u | paste -sd'|')
echo "== ctest under $(qemu-aarch64-static --version | head -1)"
start=$SECONDS
status=0
# db.Crash kills a writer process 0-60 ms after starting it: under emulation the writer is still
# opening the database by then and never commits, which the test rightly reports as a failure.
ctest --test-dir "$build_dir" -R "^($prefixes)\\." -E '^db\.Crash\.' -j "$jobs" \
  --output-on-failure --timeout 180 >"$build_dir/cross-test.log" 2>&1 || status=$?
run_s=$((SECONDS - start))
sed -n '/% tests passed/,$p' "$build_dir/cross-test.log" | grep -v '^$' | sed 's/^/   /'
echo "   run: $run_s s (log: $build_dir/cross-test.log)"
exit $status
