#!/usr/bin/env bash
# Installs dependencies, builds, and runs the test suites through ctest.
#   scripts/test.sh             what CI runs (~45 min from a clean clone on 2 cores), stopping
#                               at the first failing step:
#                               1. the normal suite (build/, g++, RelWithDebInfo, -Werror)
#                               2. the whole suite under ASan+UBSan (build-asan/, clang)
#                               3. every libFuzzer target for THROOME_FUZZ_SECONDS (default
#                                  30) each, from the same ASan+UBSan build
#                               4. the concurrency tests under TSan (build-tsan/, g++)
#   scripts/test.sh --normal    only step 1
#   scripts/test.sh --sanitize  only step 2
#   scripts/test.sh --fuzz      only step 3 (builds what it needs in build-asan/)
#   scripts/test.sh --tsan      only step 4
#   CTEST_ARGS="-L unit" scripts/test.sh --normal   pass anything to ctest (e.g. a label)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"

# The concurrency tests TSan checks: the registry/manager, the HTTP server and dispatcher,
# monitoring counters, the router, the daemon end to end (many clients on many IO threads),
# and the Redis, PostgreSQL and Kafka paths. (librdkafka's C11 threads are made visible to
# TSan by src/sanitizers/tsan_c11_threads.cpp.) integration_queue includes the daemon stopping
# with queue streams open (kafka::quiesce() at shutdown: TSan found a worker thread touching a
# destroyed IO context there).
tsan_targets="unit_cluster|unit_http|unit_monitor|unit_api|unit_router|e2e_api|integration_redis|integration_cache|integration_db|integration_postgres|integration_kafka|integration_queue|integration_router"
# ...and the tests that run them (integration_postgres_workers: integration_postgres again).
tsan_tests="$tsan_targets|integration_postgres_workers"

run_ctest() {  # build_dir, ctest args...
  local dir=$1
  shift
  (cd "$dir" && ctest --output-on-failure --timeout 900 -j "${CTEST_JOBS:-2}" "$@")
}

build() {  # build_dir, [cmake args...] -- [targets...]
  local dir=$1 cmake_args=() targets=()
  shift
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do cmake_args+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  targets=("$@")
  local generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  cmake -S "$root" -B "$dir" "${generator[@]}" "${cmake_args[@]}"
  local target_args=()
  for t in "${targets[@]}"; do target_args+=(--target "$t"); done
  cmake --build "$dir" -j "${JOBS:-$(nproc)}" "${target_args[@]}"
}

normal() {
  build "$root/build" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}"
  # shellcheck disable=SC2086
  run_ctest "$root/build" ${CTEST_ARGS:-}
}

# One clang tree serves steps 2 and 3: THROOME_FUZZ=ON builds everything with ASan+UBSan
# (and the coverage hooks libFuzzer needs), the test binaries and the fuzz targets alike.
asan_build() {  # [targets...]
  CXX=clang++ build "$root/build-asan" -DCMAKE_BUILD_TYPE=Debug -DTHROOME_FUZZ=ON \
    -DTHROOME_FUZZ_SECONDS="${THROOME_FUZZ_SECONDS:-30}" -- "$@"
}

sanitize() {
  asan_build
  # shellcheck disable=SC2086
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
  LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/lsan.supp} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    run_ctest "$root/build-asan" -LE fuzz ${CTEST_ARGS:-}
}

fuzz() {
  asan_build fuzz_targets
  # One target at a time: each fuzzes with the whole machine for its bounded time.
  CTEST_JOBS=1 run_ctest "$root/build-asan" -L fuzz
}

tsan() {
  # Only the binaries TSan runs (and what they start: the daemon, the CLI, the test broker).
  # shellcheck disable=SC2046
  build "$root/build-tsan" -DCMAKE_BUILD_TYPE=Debug -DTHROOME_SANITIZE=thread \
    -- $(echo "$tsan_targets" | tr '|' ' ')
  # shellcheck disable=SC2086
  TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$root/tests/tsan.supp} \
    run_ctest "$root/build-tsan" ${CTEST_ARGS:--R "^($tsan_tests)\$"}
}

case "${1:-}" in
  "" | --all)
    normal
    sanitize
    fuzz
    tsan
    ;;
  --normal) normal ;;
  --sanitize) sanitize ;;
  --fuzz) fuzz ;;
  --tsan) tsan ;;
  *)
    echo "usage: $0 [--normal|--sanitize|--fuzz|--tsan|--all]" >&2
    exit 2
    ;;
esac
