#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang into build/fuzz and runs each for a while.
#   tools/fuzz.sh [SECONDS] [TARGET...]    each target until 10 000 000 executions or SECONDS
#                                          (default 1800), whichever comes first; every target
# Each run starts from the seed corpus in tests/fuzz/corpus/<target>/ plus what earlier runs
# found (build/fuzz/corpus/<target>/), one job, one worker (the machine is shared; an input is a
# hang only after 60 s, since a niced run on a busy machine stalls for seconds). Crashes are
# written to build/fuzz/artifacts/<target>/; a crash fails the script. A crash becomes a
# regression test twice: a unit test of the module at fault, and its input kept in
# tests/fuzz/regressions/<target>/, which `tools/fuzz.sh replay` runs with the seeds.
#   tools/fuzz.sh replay [TARGET...]       every target once over its seeds and regressions
set -euo pipefail
cd "$(dirname "$0")/.."
all_targets=(fuzz_codec fuzz_broker fuzz_board_json fuzz_http_request fuzz_json_body
             fuzz_settings fuzz_acl)
mode=run
seconds=1800
if [[ ${1:-} == replay ]]; then
  mode=replay
  shift
elif [[ ${1:-} =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=("${all_targets[@]}")

# clang and libFuzzer from Debian (nothing is installed when they are there already).
tools/install-deps.sh --fuzz
jobs=${FABOMATIC_JOBS:-2}
cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFABOMATIC_FUZZ=ON \
  -DFABOMATIC_TESTS=OFF -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 >/dev/null
cmake --build build/fuzz -j "$jobs" --target "${targets[@]}"

status=0
for target in "${targets[@]}"; do
  seeds=tests/fuzz/corpus/$target
  regressions=tests/fuzz/regressions/$target
  work=build/fuzz/corpus/$target
  artifacts=build/fuzz/artifacts/$target/
  mkdir -p "$work" "$artifacts"
  if [[ $mode == replay ]]; then
    inputs=("$seeds")
    [[ -d $regressions ]] && inputs+=("$regressions")
    echo "== $target: replaying ${inputs[*]}"
    if ! build/fuzz/tests/fuzz/$target -runs=0 "${inputs[@]}" >"build/fuzz/$target.replay.log" 2>&1; then
      echo "== $target: FAILED (build/fuzz/$target.replay.log)"
      status=1
    fi
    continue
  fi
  log=build/fuzz/$target.log
  echo "== $target: $seconds s (log: $log)"
  if build/fuzz/tests/fuzz/$target "$work" "$seeds" -max_total_time="$seconds" -runs=10000000 -jobs=1 \
      -workers=1 -print_final_stats=1 -artifact_prefix="$artifacts" -rss_limit_mb=4096 \
      -timeout=60 >"$log" 2>&1; then
    result=ok
  else
    result="CRASH (see $artifacts)"
    status=1
  fi
  executions=$(grep -ao 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo "?")
  per_second=$(grep -ao 'exec/s: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo "?")
  coverage=$(grep -ao 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo "?")
  echo "== $target: $result, $executions executions ($per_second/s), coverage $coverage"
done
exit $status
