#!/usr/bin/env bash
# Builds everything and runs the main job: the example todo app through the C ABI
# (local writes, a watch query, the upload queue drained as a connector would).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-$(nproc)}

bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"

db_dir=$(mktemp -d)
trap 'rm -rf "$db_dir"' EXIT
build/examples/c/todo "$db_dir/todo.db"
