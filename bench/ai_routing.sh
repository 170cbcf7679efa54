#!/usr/bin/env bash
# Routing strategies with one slow backend: two real redis-servers behind one cluster, one
# of them reached through bench/delay_proxy.py (+DELAY_MS on every reply). The same load runs
# against `round_robin`, `least_connections` and `ai`, one after the other in one run;
# reported: throughput, exact per-request p50/p90/p99/p99.9 (bench_http_load keeps every
# sample; wrk's latency figures are biased towards long requests, see bench/http_load.cpp)
# and the share of GETs each redis served (from its own INFO commandstats).
#
#   bench/ai_routing.sh [DURATION_SECONDS] [DELAY_MS]      (defaults 10, 5)
#   TAIL=1 bench/ai_routing.sh ...   also: how many HTTP and per-backend requests took longer
#                                    than DELAY_MS/2 (bench/latency_tail.py on /metrics)
#   WRK=1 bench/ai_routing.sh ...    also: wrk's own p50/p99 for the same load, for comparison
#
# Needs: a build of throome and bench_http_load (build-release/ by default, or THROOME_BIN
# and LOAD_BIN), redis-server, redis-cli, python3 (and wrk for WRK=1).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
duration=${1:-10}
delay_ms=${2:-5}
conns=${CONNS:-32}
throome_bin=${THROOME_BIN:-$root/build-release/apps/throome}
load_bin=${LOAD_BIN:-$(dirname "$throome_bin")/../bench/bench_http_load}
for bin in "$throome_bin" "$load_bin"; do
  [ -x "$bin" ] || { echo "build first: BUILD_TYPE=Release scripts/build.sh build-release ($bin)" >&2; exit 1; }
done
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_init ai

start_redis() {  # prints the port
  local port
  port=$(free_port)
  redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no --dir "$work" \
    --daemonize no > "$work/redis-$port.log" 2>&1 &
  pids+=($!)
  wait_port "$port"
  echo "$port"
}
fast=$(start_redis)
slow=$(start_redis)
proxy=$(free_port)
python3 "$root/bench/delay_proxy.py" "$proxy" "$slow" "$delay_ms" &
pids+=($!)
wait_port "$proxy"
for p in "$fast" "$slow"; do redis-cli -p "$p" SET bench:key "value" > /dev/null; done

start_throome

cat > "$work/post_get.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"key":"bench:key"}'
wrk.headers["Content-Type"] = "application/json"
LUA

gets() { redis-cli -p "$1" INFO commandstats | awk -F'[:=,]' '/^cmdstat_get:/ {print $3}'; }
printf '\n%s\n' "Cache GET through a 2-backend cluster, one backend +${delay_ms} ms; $conns connections, ${duration}s each, $(nproc) cores"
printf '%-18s %9s %9s %9s %9s %9s %9s' strategy "req/s" p50 p90 p99 p99.9 "to fast"
[ -n "${WRK:-}" ] && printf ' %12s %12s' "wrk p50" "wrk p99"
printf '\n'
for strategy in round_robin least_connections ai; do
  id="s-${strategy//_/-}"
  curl -sf -o /dev/null -X POST "http://127.0.0.1:$throome_port/api/v1/clusters" \
    -H 'Content-Type: application/json' -d "{
      \"name\": \"$id\", \"cluster_id\": \"$id\",
      \"services\": {
        \"fast\": {\"type\": \"redis\", \"host\": \"127.0.0.1\", \"port\": $fast},
        \"slow\": {\"type\": \"redis\", \"host\": \"127.0.0.1\", \"port\": $proxy}},
      \"routing\": {\"strategy\": \"$strategy\"},
      \"ai\": {\"enabled\": true, \"min_data_points\": 50}}"
  url="http://127.0.0.1:$throome_port/api/v1/clusters/$id/cache/get"
  for _ in $(seq 1 500); do
    curl -sf -o /dev/null -X POST -d '{"key":"bench:key"}' "$url" && break
    sleep 0.01
  done
  f0=$(gets "$fast"); s0=$(gets "$slow")
  curl -sf "http://127.0.0.1:$throome_port/metrics" > "$work/before.txt"
  run_load "$strategy" "$conns" "$duration" "$url" '{"key":"bench:key"}'
  curl -sf "http://127.0.0.1:$throome_port/metrics" > "$work/after.txt"
  f1=$(gets "$fast"); s1=$(gets "$slow")
  share=$(awk -v f=$((f1 - f0)) -v s=$((s1 - s0)) 'BEGIN { printf "%.1f%%", 100 * f / (f + s) }')
  printf '%-18s %9s %9s %9s %9s %9s %9s' "$strategy" "${rps[$strategy]}" "${p50[$strategy]}" \
    "${p90[$strategy]}" "${p99[$strategy]}" "${p999[$strategy]}" "$share"
  if [ -n "${WRK:-}" ]; then
    run_wrk "wrk-$strategy" "$conns" "$duration" "$url" "$work/post_get.lua"
    printf ' %12s %12s' "${p50[wrk-$strategy]}" "${p99[wrk-$strategy]}"
  fi
  printf '\n'
  # TAIL=1: which requests were slow, from the daemon's own histograms (HTTP and per backend).
  if [ -n "${TAIL:-}" ]; then
    python3 "$root/bench/latency_tail.py" "$work/before.txt" "$work/after.txt" "$id" \
      "$(awk -v d="$delay_ms" 'BEGIN { print d / 2 }')"
  fi
  curl -sf -o /dev/null -X DELETE "http://127.0.0.1:$throome_port/api/v1/clusters/$id"
done
