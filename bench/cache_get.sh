#!/usr/bin/env bash
# Cache GET throughput and latency: throome vs webdis (the C HTTP-to-Redis gateway) against
# the same private redis-server, in one run, with redis-benchmark direct as the ceiling.
#
#   bench/cache_get.sh [DURATION_SECONDS]      (default 10)
#
# Needs: a Release build in build-release/ (scripts/build.sh build-release), redis-server,
# redis-benchmark, webdis, wrk, python3 (scripts/install-deps.sh installs them).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
duration=${1:-10}
throome_bin=${THROOME_BIN:-$root/build-release/apps/throome}
[ -x "$throome_bin" ] || { echo "build first: BUILD_TYPE=Release scripts/build.sh build-release" >&2; exit 1; }

# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_init cache

redis_port=$(free_port)
redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no --dir "$work" \
  --daemonize no > "$work/redis.log" 2>&1 &
pids+=($!)
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
for c in 64 256; do
  run_wrk "webdis_$c" "$c" "$duration" "$webdis_url"
  run_wrk "throome_$c" "$c" "$duration" "$throome_url"
  run_wrk "throome_post_$c" "$c" "$duration" "$throome_post" "$work/post_get.lua"
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
echo "Cache GET of a 100-byte value, ${duration}s per point, wrk -t2 (keep-alive), $(nproc) cores"
printf '%-28s %12s %10s %10s\n' "target" "req/s" "p50" "p99"
for c in 64 256; do
  for n in webdis throome throome_post; do
    k="${n}_$c"
    label="$n @$c"
    [ "$n" = throome ] && label="throome GET keys/{key} @$c"
    [ "$n" = throome_post ] && label="throome POST cache/get @$c"
    printf '%-28s %12s %10s %10s\n' "$label" "${rps[$k]}" "${p50[$k]}" "${p99[$k]}"
  done
done
printf '%-28s %12s\n' "redis-benchmark direct @64" "$direct"
echo
echo "throome/webdis @64:  $(ratio "${rps[throome_64]}" "${rps[webdis_64]}")   @256: $(ratio "${rps[throome_256]}" "${rps[webdis_256]}")"
echo "throome/direct @64:  $(ratio "${rps[throome_64]}" "$direct")"
echo "RSS with 1000 keep-alive connections: throome $((t_rss / 1024)) MiB ($t_ok answered), webdis $((w_rss / 1024)) MiB ($w_ok answered)"
