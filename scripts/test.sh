#!/usr/bin/env bash
# Installs dependencies, builds, and runs the whole test suite through ctest.
#   scripts/test.sh                 the normal suite (what CI runs)
#   scripts/test.sh --sanitize      the same suite under ASan+UBSan (build-asan/)
#   scripts/test.sh --tsan          the concurrency tests under TSan (build-tsan/)
#   CTEST_ARGS="-L unit" scripts/test.sh   pass anything to ctest (e.g. a label)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"

mode=${1:-}
case "$mode" in
  --sanitize)
    build_dir="$root/build-asan"
    BUILD_TYPE=Debug "$root/scripts/build.sh" "$build_dir" -DTHROOME_SANITIZE=address,undefined
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    ;;
  --tsan)
    build_dir="$root/build-tsan"
    BUILD_TYPE=Debug "$root/scripts/build.sh" "$build_dir" -DTHROOME_SANITIZE=thread
    export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
    CTEST_ARGS=${CTEST_ARGS:--R "unit_cluster|unit_http|e2e_api"}
    ;;
  "")
    build_dir="$root/build"
    "$root/scripts/build.sh" "$build_dir"
    ;;
  *)
    echo "usage: $0 [--sanitize|--tsan]" >&2
    exit 2
    ;;
esac

cd "$build_dir"
# shellcheck disable=SC2086
ctest --output-on-failure --timeout 900 -j "${CTEST_JOBS:-2}" ${CTEST_ARGS:-}
