#!/usr/bin/env bash
# Cost of monitoring: cache GET throughput of three throome daemons in one run, against the
# same private redis-server, differing only in monitoring:
#   off      monitoring.enabled: false (no metrics, no activity log)
#   metrics  Prometheus metrics on, activity log off (monitoring.activity_size: 0)
#   full     the defaults: metrics and the activity log (1000 entries, key names only)
# Rounds alternate between the daemons (off, metrics, full, off, ...) so that drift on a shared
# machine hits all three alike; each figure is the median over the rounds. Besides req/s, the
# daemon's own CPU time per request (utime+stime from /proc/<pid>/stat over the run, divided by
# the requests wrk completed) is reported: it is less sensitive to other load on a shared box
# than throughput. Goal: full within 5% of off.
#
#   bench/metrics_overhead.sh [DURATION_SECONDS] [ROUNDS]      (defaults 5 and 5)
#
# Needs: a Release build (BUILD_TYPE=Release scripts/build.sh build-release, or THROOME_BIN),
# redis-server, redis-cli, wrk, curl, python3.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
duration=${1:-5}
rounds=${2:-5}
throome_bin=${THROOME_BIN:-$root/build-release/apps/throome}
[ -x "$throome_bin" ] || { echo "build first: BUILD_TYPE=Release scripts/build.sh build-release" >&2; exit 1; }

# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_init metrics

redis_port=$(free_port)
redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no --dir "$work" \
  --daemonize no > "$work/redis.log" 2>&1 &
pids+=($!)
wait_port "$redis_port"
value=$(head -c 100 /dev/zero | tr '\0' 'v')
redis-cli -p "$redis_port" SET bench:key "$value" > /dev/null

declare -A port pid
configs=(off metrics full)
start_daemon() {  # name monitoring-yaml
  local name=$1 monitoring=$2 p
  p=$(free_port)
  port[$name]=$p
  mkdir -p "$work/$name"
  cat > "$work/$name/throome.yaml" <<YAML
server: {host: 127.0.0.1, port: $p}
gateway: {clusters_dir: "$work/$name/clusters", max_connections: 20000}
logging: {level: ${THROOME_LOG_LEVEL:-warn}}
monitoring: $monitoring
YAML
  "$throome_bin" --config "$work/$name/throome.yaml" > "$work/$name/throome.log" 2>&1 &
  pids+=($!)
  pid[$name]=$!
  wait_port "$p"
  curl -sf -o /dev/null -X POST "http://127.0.0.1:$p/api/v1/clusters" \
    -H 'Content-Type: application/json' \
    -d "{\"name\":\"bench\",\"cluster_id\":\"bench\",\"services\":{\"cache\":{\"type\":\"redis\",\"host\":\"127.0.0.1\",\"port\":$redis_port}}}"
  for _ in $(seq 1 500); do
    curl -sf -o /dev/null "http://127.0.0.1:$p/api/v1/clusters/bench/cache/keys/bench:key" && return 0
    sleep 0.01
  done
  echo "$name: cluster never reached redis" >&2
  exit 1
}
start_daemon off "{enabled: false}"
start_daemon metrics "{enabled: true, activity_size: 0}"
start_daemon full "{enabled: true}"

cat > "$work/post_get.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"key":"bench:key"}'
wrk.headers["Content-Type"] = "application/json"
LUA

declare -A rps_list cpu_list
cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }  # utime + stime
clk_tck=$(getconf CLK_TCK)
run_round() {  # config route round
  local name=$1 route=$2 round=$3 url args out rps requests errors t0 t1 cpu
  args=(-t2 -c64 -d"${duration}s")
  if [ "$route" = post ]; then
    url="http://127.0.0.1:${port[$name]}/api/v1/clusters/bench/cache/get"
    args+=(-s "$work/post_get.lua")
  else
    url="http://127.0.0.1:${port[$name]}/api/v1/clusters/bench/cache/keys/bench:key"
  fi
  out="$work/$name-$route-$round.txt"
  t0=$(cpu_ticks "${pid[$name]}")
  wrk "${args[@]}" "$url" > "$out"
  t1=$(cpu_ticks "${pid[$name]}")
  rps=$(awk '/Requests\/sec/ {print $2}' "$out")
  requests=$(awk '/requests in/ {print $1}' "$out")
  cpu=$(awk -v d=$((t1 - t0)) -v hz="$clk_tck" -v n="$requests" 'BEGIN { printf "%.2f", d / hz / n * 1e6 }')
  errors=$(awk '/Non-2xx|Socket errors/' "$out")
  [ -n "$errors" ] && echo "  $name $route round $round: $errors" >&2
  rps_list[$name-$route]+="$rps "
  cpu_list[$name-$route]+="$cpu "
  printf '  round %d %-8s %-5s %10.0f req/s %8s us CPU/req\n' "$round" "$name" "$route" "$rps" \
    "$cpu"
}

echo "Cache GET of a 100-byte value: wrk -t2 -c64, ${duration}s x $rounds rounds per point, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for route in post get; do
  for round in $(seq 1 "$rounds"); do
    for name in "${configs[@]}"; do run_round "$name" "$route" "$round"; done
  done
done

# The metrics really moved in the monitored daemons (and /metrics is absent from "off").
scraped=$(curl -sf "http://127.0.0.1:${port[full]}/metrics" \
  | awk '/^throome_backend_requests_total\{.*operation="get".*outcome="success"/ {print $2}')
off_metrics=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${port[off]}/metrics")

median() { tr ' ' '\n' <<<"$1" | awk 'NF' | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
diff_pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%+.1f%%", (a - b) / b * 100; else print "n/a" }'; }
label_of() { [ "$1" = post ] && echo "POST cache/get" || echo "GET cache/keys/{key}"; }
echo
printf '%-24s %16s %16s %16s\n' "median of $rounds rounds" "off" "metrics" "full"
for route in post get; do
  printf '%-24s %12.0f r/s %12.0f r/s %12.0f r/s\n' "$(label_of $route)" \
    "$(median "${rps_list[off-$route]}")" "$(median "${rps_list[metrics-$route]}")" \
    "$(median "${rps_list[full-$route]}")"
  printf '%-24s %10.2f us/req %10.2f us/req %10.2f us/req   (daemon CPU per request)\n' "" \
    "$(median "${cpu_list[off-$route]}")" "$(median "${cpu_list[metrics-$route]}")" \
    "$(median "${cpu_list[full-$route]}")"
done
echo
for route in post get; do
  off_r=$(median "${rps_list[off-$route]}"); off_c=$(median "${cpu_list[off-$route]}")
  echo "$(label_of $route): throughput metrics $(diff_pct "$(median "${rps_list[metrics-$route]}")" "$off_r"), full $(diff_pct "$(median "${rps_list[full-$route]}")" "$off_r");" \
    "CPU/request metrics $(diff_pct "$(median "${cpu_list[metrics-$route]}")" "$off_c"), full $(diff_pct "$(median "${cpu_list[full-$route]}")" "$off_c")   (vs off; goal: within 5%)"
done
echo "full daemon counted ${scraped:-?} backend GETs; GET /metrics on the off daemon: $off_metrics"
