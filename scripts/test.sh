#!/usr/bin/env bash
# Builds everything and runs every test suite: the release-style build, then the C++ suites
# again under ASan+UBSan, the threaded ones under TSan, then a quick benchmark pass
# (figures printed, nothing asserted).
#   scripts/test.sh            all of it
#   SKIP_SANITIZERS=1 scripts/test.sh   only the normal build (faster local loop)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=${JOBS:-$(nproc)}

bash scripts/install-deps.sh

echo "== build (RelWithDebInfo) =="
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
echo "== tests =="
ctest --test-dir build -j"$jobs" --output-on-failure --timeout 300

if [[ -z ${SKIP_SANITIZERS:-} ]]; then
  echo "== tests under ASan+UBSan =="
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPOWERSYNC_SANITIZE=address,undefined \
        -DPOWERSYNC_BUILD_BENCH=OFF >/dev/null
  cmake --build build-asan -j"$jobs"
  # The official extension (Rust) is not instrumented; leaks inside it are not ours to find.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    LSAN_OPTIONS=suppressions=$root/tests/lsan.supp \
    ctest --test-dir build-asan -j"$jobs" --output-on-failure --timeout 600
fi

if [[ -z ${SKIP_SANITIZERS:-} ]]; then
  # The threaded parts (notifier, pool, sync worker, HTTP cancellation) once more under TSan.
  echo "== threading tests under TSan =="
  cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPOWERSYNC_SANITIZE=thread \
        -DPOWERSYNC_BUILD_BENCH=OFF >/dev/null
  cmake --build build-tsan -j"$jobs" --target core_tests
  TSAN_OPTIONS=halt_on_error=1 ctest --test-dir build-tsan -j"$jobs" --output-on-failure --timeout 600 \
    -R '^(ChangeNotifier|TableTracker|WatchDatabase|ConnectionPool|SyncWorker|DatabaseSync|DatabaseClose|CurlHttpClient)'
fi

if [[ -x build/bench/local_writes ]]; then
  echo "== benchmarks (quick) =="
  build/bench/local_writes --quick
fi
echo "All tests passed."
