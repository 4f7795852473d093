#!/usr/bin/env bash
# The official-SDK conformance run for powersync-devserver: builds the devserver in build/,
# installs @powersync/node + better-sqlite3 (scripts/official-node-sdk.sh, cached), and runs
# devserver/tests/official/conformance.mjs: two users sync a multi-stream dataset with the
# official PowerSyncDatabase, write and upload through it, and must converge with the backend.
# Bounded: the program gives up after 120 s, and this script kills it after 180 s.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
[[ -f $build/build.ninja || -f $build/Makefile ]] ||
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"${JOBS:-2}" --target powersync-devserver
sdk_dir=$(scripts/official-node-sdk.sh | tail -n1)
echo "== devserver conformance with @powersync/node ($sdk_dir) =="
timeout 180 node devserver/tests/official/conformance.mjs "$build/devserver/powersync-devserver" "$sdk_dir"
