#!/usr/bin/env bash
# The reliability suites that need more than the plain ctest pass of scripts/test.sh:
# the end-to-end tests (e2e_tests) and the SIGKILL crash test (crash_tests) under TSan, since
# they drive the sync worker's threads, the libcurl client and the devserver together.
# (scripts/test.sh already runs both in build/ and under ASan+UBSan in build-asan/.)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=${JOBS:-$(nproc)}

bash scripts/install-deps.sh

echo "== e2e and crash tests under TSan =="
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPOWERSYNC_SANITIZE=thread \
      -DPOWERSYNC_BUILD_BENCH=OFF >/dev/null
cmake --build build-tsan -j"$jobs" --target e2e_tests crash_tests crash_client
TSAN_OPTIONS=halt_on_error=1 ctest --test-dir build-tsan -j1 --output-on-failure --timeout 600 \
  -L '^(e2e_tests|crash_tests)$'
echo "Reliability suites passed under TSan."
