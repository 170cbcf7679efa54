#!/usr/bin/env bash
# Installs dependencies, builds (Release) and runs the daemon on a working default:
# http://127.0.0.1:9000, clusters in ./clusters. Extra arguments go to `throome`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
BUILD_TYPE=Release "$root/scripts/build.sh" "$root/build-release" -DTHROOME_BUILD_TESTS=OFF
cd "$root"
config=()
if [ ! -f throome.yaml ] && [ -z "${THROOME_CONFIG:-}" ]; then
  config=(--config "$root/configs/throome.example.yaml")
fi
exec "$root/build-release/apps/throome" "${config[@]}" "$@"
