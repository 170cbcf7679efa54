#!/usr/bin/env bash
# Configures and builds Throome.   usage: scripts/build.sh [BUILD_DIR] [extra cmake args...]
#   BUILD_TYPE=Release|Debug|RelWithDebInfo (default RelWithDebInfo)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${1:-$root/build}
shift || true
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S "$root" -B "$build_dir" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" "$@"
cmake --build "$build_dir" -j "${JOBS:-$(nproc)}"
