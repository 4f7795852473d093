#!/usr/bin/env bash
# Builds everything and runs the main job: powersync-devserver on its embedded SQLite backend,
# and the example client examples/c/sync_todo: alice syncs, writes offline, reconnects and
# uploads; the backend shows her rows; bob syncs her shared list and sees her next change.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-$(nproc)}

bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"

work=$(mktemp -d)
server_pid=""
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

devserver=build/devserver/powersync-devserver
cp examples/c/sync-demo.yaml "$work/config.yaml"
"$devserver" serve --config "$work/config.yaml" >"$work/server.log" 2>&1 &
server_pid=$!
url=""
for _ in $(seq 1 100); do
  url=$(grep -o 'http://[0-9.]*:[0-9]*' "$work/server.log" | head -n1 || true)
  [[ -n $url ]] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.1
done
[[ -n $url ]] || { echo "the devserver did not start"; cat "$work/server.log"; exit 1; }
echo "== powersync-devserver on $url (backend: SQLite) =="

alice_token=$("$devserver" token --subject alice --expires 1h --config "$work/config.yaml")
bob_token=$("$devserver" token --subject bob --expires 1h --config "$work/config.yaml")

echo "== example client (examples/c/sync_todo.c) =="
build/examples/c/sync_todo "$url" "$alice_token" "$bob_token" "$work"

echo "== the backend database now holds alice's uploads =="
sqlite3 -header -column "$work/backend.db" \
  "SELECT l.name AS list, t.description, t.created_by FROM todos t JOIN lists l ON l.id = t.list_id ORDER BY t.description"
