#!/usr/bin/env bash
# Builds everything and runs every test suite: the release-style build with every ctest suite
# (core, C ABI, conformance, devserver, e2e, crash), the C++ suites again under ASan+UBSan, the
# threaded ones under TSan, the Python package's pytest, the official SDK against the devserver,
# the devserver load run, bounded fuzzing, then a quick benchmark pass (figures printed only).
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
    -R '^(ChangeNotifier|TableTracker|WatchDatabase|ConnectionPool|SyncWorker|DatabaseSync|DatabaseClose|CurlHttpClient|SyncStream|StreamSession)'
fi

# The suites with their own builds or runtimes, each bounded in time.
echo "== Python package (pytest) =="
bash scripts/test-python.sh
echo "== devserver: the official @powersync/node SDK syncing from it =="
bash scripts/test-devserver-official.sh
echo "== devserver: compaction (MOVE/CLEAR) with the official SDK =="
bash scripts/test-devserver-compaction.sh
echo "== devserver: 500 streaming clients =="
bash scripts/test-devserver-load.sh
if [[ -z ${SKIP_SANITIZERS:-} ]]; then
  echo "== end-to-end and crash tests under TSan =="
  bash scripts/test-reliability.sh
  echo "== fuzzing (bounded) =="
  bash scripts/test-fuzz.sh
fi

echo "== benchmarks (quick; figures printed, nothing asserted) =="
bench/run --quick
echo "All tests passed."
