#!/usr/bin/env bash
# Routing strategies with one slow backend: two real redis-servers behind one cluster, one
# of them reached through bench/delay_proxy.py (+DELAY_MS on every reply). The same load runs
# against `round_robin` and `ai` (and `least_connections` for reference), one after the
# other in one run; reported: throughput, p50/p99 and the share of GETs each redis served
# (from its own INFO commandstats).
#
#   bench/ai_routing.sh [DURATION_SECONDS] [DELAY_MS]      (defaults 10, 5)
#   TAIL=1 bench/ai_routing.sh ...   also: how many HTTP and per-backend requests took longer
#                                    than DELAY_MS/2 (bench/latency_tail.py on /metrics)
#
# Needs: a build of throome (build-release/ by default, or THROOME_BIN), redis-server,
# redis-cli, wrk, python3.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
duration=${1:-10}
delay_ms=${2:-5}
conns=${CONNS:-32}
throome_bin=${THROOME_BIN:-$root/build-release/apps/throome}
[ -x "$throome_bin" ] || { echo "build first: BUILD_TYPE=Release scripts/build.sh build-release" >&2; exit 1; }
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
printf '\n%s\n' "Cache GET through a 2-backend cluster, one backend +${delay_ms} ms; wrk -t2 -c$conns, ${duration}s each, $(nproc) cores"
printf '%-20s %10s %9s %9s %12s\n' strategy "req/s" p50 p99 "to fast"
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
  run_wrk "$strategy" "$conns" "$duration" "$url" "$work/post_get.lua"
  curl -sf "http://127.0.0.1:$throome_port/metrics" > "$work/after.txt"
  f1=$(gets "$fast"); s1=$(gets "$slow")
  share=$(awk -v f=$((f1 - f0)) -v s=$((s1 - s0)) 'BEGIN { printf "%.1f%%", 100 * f / (f + s) }')
  printf '%-20s %10s %9s %9s %12s\n' "$strategy" "${rps[$strategy]}" "${p50[$strategy]}" "${p99[$strategy]}" "$share"
  # TAIL=1: which requests were slow, from the daemon's own histograms (HTTP and per backend).
  if [ -n "${TAIL:-}" ]; then
    python3 "$root/bench/latency_tail.py" "$work/before.txt" "$work/after.txt" "$id" \
      "$(awk -v d="$delay_ms" 'BEGIN { print d / 2 }')"
  fi
  curl -sf -o /dev/null -X DELETE "http://127.0.0.1:$throome_port/api/v1/clusters/$id"
done
