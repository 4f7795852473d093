#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang-14, ASan and UBSan in build-fuzz, then
# runs each for a bounded time from the checked-in seed corpus. Fails on any crash, sanitizer
# report, leak or timeout; the reproducer is left in build-fuzz/fuzz/artifacts/.
#   scripts/test-fuzz.sh                   60 s of fuzzing: 15 s per parser, 30 s for the session
#   FUZZ_SECONDS=600 scripts/test-fuzz.sh  longer, split the same way
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=${JOBS:-$(nproc)}
total=${FUZZ_SECONDS:-60}
build=$root/build-fuzz

bash scripts/install-deps.sh  # clang-14 and libclang-rt-14-dev are among them

echo "== fuzz targets (clang-14, ASan+UBSan) =="
# Every module is built with coverage instrumentation so the fuzzer sees into the core.
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPOWERSYNC_SANITIZE=address,undefined -DPOWERSYNC_BUILD_FUZZERS=ON -DPOWERSYNC_BUILD_BENCH=OFF \
  -DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link -DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link >/dev/null
cmake --build "$build" -j"$jobs" --target fuzz_json_line fuzz_bson_line fuzz_download_session

artifacts=$build/fuzz/artifacts
mkdir -p "$artifacts"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The session target is the slow one (a database per input) and covers the most code.
for target in fuzz_json_line fuzz_bson_line fuzz_download_session; do
  seconds=$((total / 4))
  [[ $target == fuzz_download_session ]] && seconds=$((total / 2))
  echo "== $target (${seconds} s) =="
  # New inputs go to a scratch corpus; the checked-in seeds are only read.
  scratch=$(mktemp -d)
  log=$build/fuzz/$target.log
  if ! "$build/fuzz/$target" "$scratch" "$root/tests/fuzz/corpus/$target" \
      -dict="$root/tests/fuzz/sync_lines.dict" -max_total_time="$seconds" -max_len=8192 \
      -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/$target-" \
      >"$log" 2>&1; then
    tail -n 80 "$log"
    echo "$target FAILED; reproducer in $artifacts, full log $log"
    rm -rf "$scratch"
    exit 1
  fi
  grep -E '^#[0-9]+[[:space:]]+DONE|^stat::(number_of_executed_units|new_units_added)' "$log"
  rm -rf "$scratch"
done
echo "Fuzzing found no crash."
