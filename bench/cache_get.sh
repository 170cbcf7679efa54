#!/usr/bin/env bash
# Cache GET throughput and latency: throome vs webdis (the C HTTP-to-Redis gateway) against
# the same private redis-server, in one run, with redis-benchmark direct as the ceiling.
#
#   bench/cache_get.sh [DURATION_SECONDS]      (default 10)
#
# Needs: a Release build in build-release/ (scripts/build.sh build-release), redis-server,
# redis-benchmark, webdis, python3 (scripts/install-deps.sh installs them). Load and exact
# per-request latency come from bench_http_load (built with the daemon; LOAD_BIN=path); WRK=1
# adds wrk's figures. Each point also reports the CPU time per request of the gateway (user,
# system), of redis-server and of the load client (/proc and /usr/bin/time): the three share
# the machine's cores, so their sum per request bounds the throughput any gateway can reach.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
duration=${1:-10}
throome_bin=${THROOME_BIN:-$root/build-release/apps/throome}
load_bin=${LOAD_BIN:-$(dirname "$throome_bin")/../bench/bench_http_load}
for bin in "$throome_bin" "$load_bin"; do
  [ -x "$bin" ] || { echo "build first: BUILD_TYPE=Release scripts/build.sh build-release ($bin)" >&2; exit 1; }
done

# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_init cache

redis_port=$(free_port)
redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no --dir "$work" \
  --daemonize no > "$work/redis.log" 2>&1 &
redis_pid=$!
pids+=($redis_pid)
wait_port "$redis_port"
value=$(head -c 100 /dev/zero | tr '\0' 'v')
redis-cli -p "$redis_port" SET bench:key "$value" > /dev/null

webdis_port=$(free_port)
cat > "$work/webdis.json" <<JSON
{"redis_host":"127.0.0.1","redis_port":$redis_port,"http_host":"127.0.0.1","http_port":$webdis_port,
 "threads":2,"daemonize":false,"database":0,"verbosity":1,"logfile":"$work/webdis.log"}
JSON
webdis "$work/webdis.json" &
webdis_pid=$!
pids+=($webdis_pid)
wait_port "$webdis_port"

start_throome
curl -sf -o /dev/null -X POST "http://127.0.0.1:$throome_port/api/v1/clusters" \
  -H 'Content-Type: application/json' \
  -d "{\"name\":\"bench\",\"cluster_id\":\"bench\",\"services\":{\"cache\":{\"type\":\"redis\",\"host\":\"127.0.0.1\",\"port\":$redis_port}}}"
for _ in $(seq 1 500); do
  curl -sf -o /dev/null "http://127.0.0.1:$throome_port/api/v1/clusters/bench/cache/keys/bench:key" && break
  sleep 0.01
done

cat > "$work/post_get.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"key":"bench:key"}'
wrk.headers["Content-Type"] = "application/json"
LUA


webdis_url="http://127.0.0.1:$webdis_port/GET/bench:key"
throome_url="http://127.0.0.1:$throome_port/api/v1/clusters/bench/cache/keys/bench:key"
throome_post="http://127.0.0.1:$throome_port/api/v1/clusters/bench/cache/get"
declare -A gw_cpu redis_cpu
for c in 64 256; do
  for n in webdis throome throome_post; do
    k="${n}_$c"
    case $n in
      webdis) url=$webdis_url body= gw=$webdis_pid ;;
      throome) url=$throome_url body= gw=$throome_pid ;;
      throome_post) url=$throome_post body='{"key":"bench:key"}' gw=$throome_pid ;;
    esac
    g0=$(cpu_ticks "$gw") r0=$(cpu_ticks "$redis_pid")
    run_load "$k" "$c" "$duration" "$url" "$body"
    g1=$(cpu_ticks "$gw") r1=$(cpu_ticks "$redis_pid")
    gw_cpu[$k]=$(cpu_per_request "$g0" "$g1" "${requests[$k]}")
    redis_cpu[$k]=$(cpu_per_request "$r0" "$r1" "${requests[$k]}" | awk '{ printf "%.2f", $1 + $2 }')
    if [ "${WRK:-0}" = 1 ]; then
      if [ -n "$body" ]; then run_wrk "${k}_wrk" "$c" "$duration" "$url" "$work/post_get.lua"
      else run_wrk "${k}_wrk" "$c" "$duration" "$url"; fi
    fi
  done
done
direct=$(redis-benchmark -p "$redis_port" -t get -c 64 -n $((duration * 60000)) -d 100 --csv -q \
  | awk -F'"' '/GET/ {print $4}')

# Memory at 1,000 idle keep-alive connections.
read -r t_ok t_rss < <(python3 "$root/bench/hold_connections.py" 127.0.0.1 "$throome_port" \
  /api/v1/clusters/bench/cache/keys/bench:key 1000 "$throome_pid")
read -r w_ok w_rss < <(python3 "$root/bench/hold_connections.py" 127.0.0.1 "$webdis_port" \
  /GET/bench:key 1000 "$webdis_pid")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo
echo "Cache GET of a 100-byte value, ${duration}s per point, bench_http_load -t2 (keep-alive, exact per-request latency), $(nproc) cores"
echo "CPU: microseconds per request of the gateway (user/system), redis-server and the load client"
printf '%-28s %9s %8s %8s %8s %8s | %6s %6s %6s %6s %6s\n' "target" "req/s" "p50" "p90" "p99" "p99.9" "gw usr" "gw sys" "redis" "client" "total"
for c in 64 256; do
  for n in webdis throome throome_post; do
    k="${n}_$c"
    label="$n @$c"
    [ "$n" = throome ] && label="throome GET keys/{key} @$c"
    [ "$n" = throome_post ] && label="throome POST cache/get @$c"
    read -r gu gs <<< "${gw_cpu[$k]}"
    total=$(awk -v a="$gu" -v b="$gs" -v r="${redis_cpu[$k]}" -v l="${client_cpu_us[$k]:-0}" 'BEGIN { printf "%.2f", a + b + r + l }')
    printf '%-28s %9s %8s %8s %8s %8s | %6s %6s %6s %6s %6s\n' "$label" "${rps[$k]}" "${p50[$k]}" "${p90[$k]}" "${p99[$k]}" "${p999[$k]}" "$gu" "$gs" "${redis_cpu[$k]}" "${client_cpu_us[$k]:-?}" "$total"
    if [ "${WRK:-0}" = 1 ]; then
      printf '%-28s %9s %8s %8s %8s\n' "  wrk" "${rps[${k}_wrk]}" "${p50[${k}_wrk]}" "" "${p99[${k}_wrk]}"
    fi
  done
done
printf '%-28s %12s\n' "redis-benchmark direct @64" "$direct"
echo
echo "throome/webdis @64:  $(ratio "${rps[throome_64]}" "${rps[webdis_64]}")   @256: $(ratio "${rps[throome_256]}" "${rps[webdis_256]}")"
echo "throome/direct @64:  $(ratio "${rps[throome_64]}" "$direct")"
# The most any gateway could gain over webdis here: a gateway costing nothing in user space
# (only the kernel's work for one HTTP read and write, which throome and webdis both pay).
read -r tu ts <<< "${gw_cpu[throome_64]}"
read -r wu ws <<< "${gw_cpu[webdis_64]}"
bound=$(awk -v wu="$wu" -v ws="$ws" -v wr="${redis_cpu[webdis_64]}" -v wl="${client_cpu_us[webdis_64]:-0}" \
  -v ts="$ts" -v tr="${redis_cpu[throome_64]}" -v tl="${client_cpu_us[throome_64]:-0}" \
  'BEGIN { printf "%.2f", (wu + ws + wr + wl) / (ts + tr + tl) }')
echo "ceiling @64 if throome used no user-space CPU at all: $bound x webdis (CPU per request, same run)"
echo "RSS with 1000 keep-alive connections: throome $((t_rss / 1024)) MiB ($t_ok answered), webdis $((w_rss / 1024)) MiB ($w_ok answered)"
