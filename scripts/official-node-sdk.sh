#!/usr/bin/env bash
# Installs the official PowerSync Node SDK (@powersync/node) and its SQLite driver
# (better-sqlite3, compiled from source when no prebuilt binary fits) with npm into a cache dir,
# for the conformance run against the devserver and for the benchmarks.
#   dir=$(scripts/official-node-sdk.sh | tail -n1)      # the dir holding node_modules
#   POWERSYNC_NODE_DIR=/some/dir scripts/official-node-sdk.sh
# Idempotent and quick once installed; concurrent callers wait for one another (flock).
# npm's own output goes to stderr; stdout is only the install dir.
set -euo pipefail
cd "$(dirname "$0")/.."
sdk_version=1.1.0
sqlite_version=12
dir=${POWERSYNC_NODE_DIR:-$PWD/build/official-node}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
stamp="$dir/.installed-powersync-node-$sdk_version-better-sqlite3-$sqlite_version"

installed() {
  [[ -f $stamp && -f $dir/node_modules/@powersync/node/package.json ]] &&
    compgen -G "$dir/node_modules/better-sqlite3/build/Release/better_sqlite3.node" >/dev/null
}

if ! installed; then
  command -v npm >/dev/null || { echo "official-node-sdk.sh: npm is required (apt-get install nodejs npm)" >&2; exit 1; }
  exec 9>"$dir/.install.lock"
  flock 9
  if ! installed; then
    rm -f "$stamp"
    [[ -f $dir/package.json ]] || printf '{"name":"powersync-official-node","private":true}\n' >"$dir/package.json"
    # better-sqlite3 compiles against Node's headers: take the installed ones (Debian's nodejs
    # ships them under /usr/include/node) so node-gyp never downloads them.
    if [[ -z ${npm_config_nodedir:-} && -f /usr/include/node/node.h ]]; then export npm_config_nodedir=/usr; fi
    (cd "$dir" && npm install --no-audit --no-fund --loglevel=error \
        "@powersync/node@$sdk_version" "better-sqlite3@$sqlite_version") >&2
    # The native parts must load before the install counts as done.
    (cd "$dir" && node -e "require('better-sqlite3')(':memory:').close()" && node --input-type=module -e "await import('@powersync/node')") >&2
    touch "$stamp"
  fi
fi
echo "$dir"
