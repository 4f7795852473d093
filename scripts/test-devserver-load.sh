#!/usr/bin/env bash
# The devserver load run: 500 concurrent streaming clients on loopback, one backend change,
# time until all saw it and the devserver's memory (printed, not asserted). Fails only when a
# client did not get its first checkpoint or the change within 60 s (the program stops itself).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
[[ -f $build/build.ninja || -f $build/Makefile ]] ||
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"${JOBS:-2}" --target powersync-devserver devserver_load
echo "== devserver load (${CLIENTS:-500} streaming clients) =="
timeout 120 "$build/devserver/devserver_load" "$build/devserver/powersync-devserver" --clients "${CLIENTS:-500}" --timeout 60
