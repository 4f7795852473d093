#!/usr/bin/env bash
# Devserver compaction with the official SDK: builds the devserver in build/ (or $BUILD_DIR),
# installs @powersync/node (scripts/official-node-sdk.sh, cached) and runs
# devserver/tests/official_compaction/compaction.mjs: clients that synced before `compact`, one
# reconnecting from inside a CLEAR and fresh ones (BSON and NDJSON) must reach the backend's rows
# with the server's checksums. Bounded: the program gives up after 120 s, this script after 180 s.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
[[ -f $build/build.ninja || -f $build/Makefile ]] ||
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"${JOBS:-2}" --target powersync-devserver
sdk_dir=$(scripts/official-node-sdk.sh | tail -n1)
echo "== devserver compaction with @powersync/node ($sdk_dir) =="
timeout 180 node devserver/tests/official_compaction/compaction.mjs "$build/devserver/powersync-devserver" "$sdk_dir"
