#!/usr/bin/env bash
# Python package (issue 5): installs Debian's Python build/test packages, builds libpowersync
# (and the devserver for the end-to-end tests) in build/, builds the wheel offline with
# `pip wheel --no-build-isolation`, installs it into a venv and runs pytest.
# Usage: scripts/test-python.sh [pytest args...]   (env BUILD_DIR, default build)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
PY=/usr/bin/python3  # Debian's interpreter: the apt pybind11/pytest belong to it

packages=(python3-dev python3-venv python3-pip python3-setuptools python3-wheel python3-pybind11 pybind11-dev
          python3-pytest python3-pytest-asyncio)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "test-python: installing ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -f $BUILD_DIR/CMakeCache.txt ]]; then
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$BUILD_DIR" -j2 --target powersync powersync-devserver

WORK=$BUILD_DIR/python
rm -rf "$WORK/wheel" "$WORK/venv"
mkdir -p "$WORK"
export POWERSYNC_LIBRARY=$BUILD_DIR/capi/libpowersync.so
timeout 900 "$PY" -m pip wheel --quiet --no-build-isolation --no-index --no-deps -w "$WORK/wheel" ./python
"$PY" -m venv --system-site-packages "$WORK/venv"
"$WORK/venv/bin/python" -m pip install --quiet --no-index --no-deps "$WORK"/wheel/powersync-*.whl

export POWERSYNC_DEVSERVER=$BUILD_DIR/devserver/powersync-devserver
cd "$ROOT/python"
timeout 900 "$WORK/venv/bin/python" -m pytest -q -p no:cacheprovider tests "$@"
