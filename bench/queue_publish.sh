#!/usr/bin/env bash
# Kafka publish throughput and latency, in one run against the same broker (librdkafka's mock
# cluster in the kafka_mock_broker helper): kcat -P producing N messages directly, throome
# batched publish (`messages: [...]` of 100 per request) and throome single-message publish
# at 64 connections. Every message is 100 bytes; kcat uses the same producer settings as the
# gateway (idempotence, acks=all, linger.ms=2, socket.nagle.disable).
#
#   bench/queue_publish.sh [DURATION_SECONDS] [KCAT_MESSAGES]      (default 10, 500000)
#
# Needs: a Release build in build-release/ (BUILD_TYPE=Release scripts/build.sh build-release),
# the kafka_mock_broker helper (built with the tests; KAFKA_MOCK_BROKER=path, else the first
# build-*/tests/kafka_mock_broker found), kcat, curl, python3. Load and exact per-request
# latency come from bench_http_load (built with the daemon; LOAD_BIN=path); WRK=1 adds wrk's
# figures for the same points (wrk 4.1's percentiles are not per request: see
# docs/benchmarks.md). THROOME_KAFKA_PRODUCER='{"linger.ms": 5}' passes librdkafka producer
# properties to the gateway's service (options.producer) and the same ones to kcat.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
duration=${1:-10}
kcat_messages=${2:-500000}
batch=100
throome_bin=${THROOME_BIN:-$root/build-release/apps/throome}
load_bin=${LOAD_BIN:-$(dirname "$throome_bin")/../bench/bench_http_load}
producer_json=${THROOME_KAFKA_PRODUCER:-}
[ -n "$producer_json" ] || producer_json='{}'

for bin in "$throome_bin" "$load_bin"; do
  [ -x "$bin" ] || { echo "build first: BUILD_TYPE=Release scripts/build.sh build-release ($bin)" >&2; exit 1; }
done
mock_bin=${KAFKA_MOCK_BROKER:-}
if [ -z "$mock_bin" ]; then
  for candidate in "$root"/build-release/tests/kafka_mock_broker "$root"/build*/tests/kafka_mock_broker; do
    if [ -x "$candidate" ]; then mock_bin=$candidate; break; fi
  done
fi
[ -x "$mock_bin" ] || { echo "no kafka_mock_broker: build the tests (cmake --build build --target kafka_mock_broker) or set KAFKA_MOCK_BROKER" >&2; exit 1; }

# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_init queue

# The broker: its first line of output is the bootstrap address.
"$mock_bin" < /dev/null > "$work/broker.out" 2>"$work/broker.err" &
pids+=($!)
for _ in $(seq 1 500); do [ -s "$work/broker.out" ] && break; sleep 0.01; done
bootstrap=$(head -1 "$work/broker.out")
[ -n "$bootstrap" ] || { echo "the mock broker did not start" >&2; cat "$work/broker.err" >&2; exit 1; }
broker_port=${bootstrap##*:}

value=$(head -c 100 /dev/zero | tr '\0' 'v')

# 1. kcat -P directly: N messages from a file, timed until every one is acknowledged.
python3 -c "import sys; sys.stdout.write(('v'*100+'\n')*$kcat_messages)" > "$work/messages.txt"
kcat_opts=(-X enable.idempotence=true -X acks=all -X linger.ms=2 -X socket.nagle.disable=true
  -X queue.buffering.max.messages=1000000)
while IFS= read -r kv; do [ -n "$kv" ] && kcat_opts+=(-X "$kv"); done < <(
  python3 -c 'import json,sys; [print(f"{k}={v}") for k, v in json.loads(sys.argv[1]).items()]' "$producer_json")
echo warm | kcat -P -b "$bootstrap" -t bench-kcat "${kcat_opts[@]}"
start=$(date +%s.%N)
kcat -P -b "$bootstrap" -t bench-kcat "${kcat_opts[@]}" < "$work/messages.txt"
end=$(date +%s.%N)
kcat_rate=$(awk -v n="$kcat_messages" -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", n / (b - a) }')

# 2. The gateway.
start_throome
base="http://127.0.0.1:$throome_port/api/v1/clusters/bench/queue"
curl -sf -o /dev/null -X POST "http://127.0.0.1:$throome_port/api/v1/clusters" \
  -H 'Content-Type: application/json' \
  -d "{\"name\":\"bench\",\"cluster_id\":\"bench\",\"services\":{\"events\":{\"type\":\"kafka\",\"host\":\"127.0.0.1\",\"port\":$broker_port,\"options\":{\"producer\":$producer_json}}}}"
for topic in bench-batch bench-single; do
  for _ in $(seq 1 500); do
    curl -sf -o /dev/null -X POST "$base/publish" -d "{\"topic\":\"$topic\",\"message\":\"warm\"}" && break
    sleep 0.01
  done
done

batch_body=$(python3 -c 'import json,sys; print(json.dumps({"topic": "bench-batch", "messages": [{"value": sys.argv[2]} for _ in range(int(sys.argv[1]))]}))' "$batch" "$value")
single_body="{\"topic\":\"bench-single\",\"message\":\"$value\"}"

run_load batch_64 64 "$duration" "$base/publish" "$batch_body"
run_load single_64 64 "$duration" "$base/publish" "$single_body"
if [ "${WRK:-0}" = 1 ]; then
  for point in batch single; do
    body_var=${point}_body
    printf 'wrk.method = "POST"\nwrk.body = %s\nwrk.headers["Content-Type"] = "application/json"\n' \
      "$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "${!body_var}")" > "$work/$point.lua"
    run_wrk "${point}_wrk" 64 "$duration" "$base/publish" "$work/$point.lua"
  done
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
msgs() { awk -v r="$1" -v n="$2" 'BEGIN { printf "%.0f", r * n }'; }
batch_rate=$(msgs "${rps[batch_64]}" "$batch")
single_rate=$(msgs "${rps[single_64]}" 1)

# What reached the broker: the sum of the partitions' high watermarks (the mock cluster
# keeps only the newest records, so the low watermarks move).
count() {
  curl -sf "$base/topics/$1" |
    python3 -c 'import json,sys; print(sum(p["high"] for p in json.load(sys.stdin)["partitions"]))'
}

echo
echo "Kafka publish of 100-byte messages, ${duration}s per throome point, bench_http_load -t2 (keep-alive, exact per-request latency), $(nproc) cores"
echo "broker: librdkafka mock cluster ($bootstrap); producer: idempotent, acks=all, linger.ms=2, no Nagle; extra producer properties: $producer_json"
printf '%-44s %12s %10s %10s %10s %10s\n' "target" "messages/s" "p50" "p90" "p99" "p99.9"
printf '%-44s %12s\n' "kcat -P direct ($kcat_messages messages)" "$kcat_rate"
printf '%-44s %12s %10s %10s %10s %10s\n' "throome batched publish ($batch/request) @64" "$batch_rate" "${p50[batch_64]}" "${p90[batch_64]}" "${p99[batch_64]}" "${p999[batch_64]}"
printf '%-44s %12s %10s %10s %10s %10s\n' "throome single publish @64" "$single_rate" "${p50[single_64]}" "${p90[single_64]}" "${p99[single_64]}" "${p999[single_64]}"
if [ "${WRK:-0}" = 1 ]; then
  printf '%-44s %12s %10s %10s %10s\n' "wrk: batched @64" "$(msgs "${rps[batch_wrk]}" "$batch")" "${p50[batch_wrk]}" "" "${p99[batch_wrk]}"
  printf '%-44s %12s %10s %10s %10s\n' "wrk: single @64" "$(msgs "${rps[single_wrk]}" 1)" "${p50[single_wrk]}" "" "${p99[single_wrk]}"
fi
echo
echo "throome batched / kcat direct: $(ratio "$batch_rate" "$kcat_rate")   (goal >= 0.5)"
echo "throome single / kcat direct:  $(ratio "$single_rate" "$kcat_rate")"
echo "single publish p99 @64: ${p99[single_64]}   (goal < 20 ms)"
echo "written to the broker: bench-kcat $(count bench-kcat) (1 warm-up + $kcat_messages), bench-batch $(count bench-batch), bench-single $(count bench-single)"
