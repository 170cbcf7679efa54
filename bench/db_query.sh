#!/usr/bin/env bash
# PostgreSQL point-select throughput and latency: pgbench's select-only transaction with
# prepared statements (direct, 16 clients) against the same SELECT through throome's
# POST db/query (bench_http_load, 16 and 64 connections, a random aid per request), on the
# same private PostgreSQL, in one run. Also the CPU every process spends per transaction
# (throome, all of PostgreSQL's processes, the client), and the ceiling that follows: the
# ratio throome would reach if its own user-space work cost nothing.
#
#   bench/db_query.sh [DURATION_SECONDS]      (default 10)
#
# Needs: a Release build in build-release/ (BUILD_TYPE=Release scripts/build.sh build-release;
# THROOME_BIN=path/to/throome for another one; bench_http_load is taken next to it, or
# LOAD_BIN=path), PostgreSQL 15 server binaries, pgbench, python3 (and wrk for WRK=1).
# THROOME_PG_POOL sets the gateway's pool.max_connections (default 4); THROOME_PG_PIPELINE
# its options.pipeline_depth (default: the daemon's, 4; 0 runs every call on a worker).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
duration=${1:-10}
pool=${THROOME_PG_POOL:-4}
pipeline=${THROOME_PG_PIPELINE:-4}
throome_bin=${THROOME_BIN:-$root/build-release/apps/throome}
load_bin=${LOAD_BIN:-$(dirname "$throome_bin")/../bench/bench_http_load}
pg_bin=/usr/lib/postgresql/15/bin
for bin in "$throome_bin" "$load_bin"; do
  [ -x "$bin" ] || { echo "missing $bin: build first (BUILD_TYPE=Release scripts/build.sh build-release)" >&2; exit 1; }
done
[ -x "$pg_bin/postgres" ] || { echo "PostgreSQL 15 server binaries missing ($pg_bin)" >&2; exit 1; }

# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_init pg
chmod 755 "$work"
pg_pid=
stop_postgres() {
  if [ -n "$pg_pid" ]; then kill -INT "$pg_pid" 2>/dev/null || true; fi
  bench_cleanup
}
trap stop_postgres EXIT

# initdb and postgres refuse to run as root: as root, run them as the postgres user (setpriv
# execs, so $! is the postmaster's PID).
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown postgres:postgres "$work"
  as_pg=(setpriv --reuid=postgres --regid=postgres --init-groups)
fi
"${as_pg[@]}" "$pg_bin/initdb" -D "$work/data" -U postgres --auth=trust -E UTF8 --locale=C \
  --no-sync > "$work/initdb.log" 2>&1
pg_port=$(free_port)
"${as_pg[@]}" "$pg_bin/postgres" -D "$work/data" -p "$pg_port" -c listen_addresses=127.0.0.1 \
  -c unix_socket_directories="$work" -c fsync=off -c synchronous_commit=off \
  -c full_page_writes=off -c max_connections=300 -c shared_buffers=256MB > "$work/pg.log" 2>&1 &
pg_pid=$!
for _ in $(seq 1 1000); do
  psql -h 127.0.0.1 -p "$pg_port" -U postgres -XAtqc 'SELECT 1' postgres > /dev/null 2>&1 && break
  sleep 0.02
done
pgbench -i -s 10 -q -h 127.0.0.1 -p "$pg_port" -U postgres postgres > "$work/pgbench-init.log" 2>&1
accounts=$(psql -h 127.0.0.1 -p "$pg_port" -U postgres -XAtqc 'SELECT count(*) FROM pgbench_accounts' postgres)

start_throome
curl -sf -o /dev/null -X POST "http://127.0.0.1:$throome_port/api/v1/clusters" \
  -H 'Content-Type: application/json' -d @- <<JSON
{"name": "bench", "cluster_id": "bench",
 "services": {"db": {"type": "postgres", "host": "127.0.0.1", "port": $pg_port,
                     "username": "postgres", "database": "postgres",
                     "pool": {"min_connections": $pool, "max_connections": $pool},
                     "options": {"pipeline_depth": $pipeline}}}}
JSON
url="http://127.0.0.1:$throome_port/api/v1/clusters/bench/db/query"
for _ in $(seq 1 500); do
  curl -sf -o /dev/null "$url" -H 'Content-Type: application/json' \
    -d '{"query":"SELECT abalance FROM pgbench_accounts WHERE aid = $1","args":[1]}' && break
  sleep 0.01
done
body='{"query":"SELECT abalance FROM pgbench_accounts WHERE aid = $1","args":[{rand}]}'

# PostgreSQL's CPU: the postmaster, its live children, and the children it has reaped.
pg_ticks() {
  local user sys
  read -r user sys < <(awk '{ print $14 + $16, $15 + $17 }' "/proc/$pg_pid/stat")
  for child in $(pgrep -P "$pg_pid"); do
    read -r u s < <(awk '{ print $14, $15 }' "/proc/$child/stat" 2>/dev/null || echo "0 0")
    user=$((user + u)) sys=$((sys + s))
  done
  echo "$user $sys"
}
# Waits until the postmaster has reaped the backends of closed sessions (their CPU is then in
# its children's time): as many children as before the run.
pg_settle() {
  for _ in $(seq 1 500); do
    [ "$(pgrep -c -P "$pg_pid")" -le "$1" ] && return 0
    sleep 0.01
  done
}
sum_us() { awk -v a="$1" 'BEGIN { split(a, x, " "); printf "%.2f", x[1] + x[2] }'; }

# Direct: pgbench -S with prepared statements; latencies from a 10% sample of its log.
children=$(pgrep -c -P "$pg_pid")
p0=$(pg_ticks)
(cd "$work" && /usr/bin/time -f "%U %S" -o "$work/pgbench.time" pgbench -S -M prepared -c 16 -j 2 \
  -T "$duration" -l --sampling-rate=0.1 --log-prefix=direct -h 127.0.0.1 -p "$pg_port" \
  -U postgres postgres > "$work/direct.txt" 2>&1)
pg_settle "$children"
p1=$(pg_ticks)
direct_tps=$(awk '/^tps = / {printf "%.0f", $3}' "$work/direct.txt" | tail -1)
direct_n=$(awk '/number of transactions actually processed/ {print $NF}' "$work/direct.txt" | cut -d/ -f1)
read -r direct_p50 direct_p99 < <(cat "$work"/direct.* 2>/dev/null | awk '{print $3}' | sort -n |
  awk '{v[NR] = $1} END { if (NR == 0) { print "n/a n/a"; exit }
       printf "%.2fms %.2fms\n", v[int(NR * 0.50) + 1] / 1000, v[int(NR * 0.99) + 1] / 1000 }')
direct_pg=$(sum_us "$(cpu_per_request "$p0" "$p1" "$direct_n")")
direct_client=$(awk -v n="$direct_n" '{ printf "%.2f", ($1 + $2) * 1e6 / n }' "$work/pgbench.time")

run_load warmup 16 2 "$url" "$body" -r "$accounts"
declare -A gw_cpu pg_cpu
for c in 16 64; do
  k="throome_$c"
  g0=$(cpu_ticks "$throome_pid") p0=$(pg_ticks)
  run_load "$k" "$c" "$duration" "$url" "$body" -r "$accounts"
  g1=$(cpu_ticks "$throome_pid") p1=$(pg_ticks)
  gw_cpu[$k]=$(cpu_per_request "$g0" "$g1" "${requests[$k]}")
  pg_cpu[$k]=$(sum_us "$(cpu_per_request "$p0" "$p1" "${requests[$k]}")")
done
if [ "${WRK:-0}" = 1 ]; then
  cat > "$work/point_select.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local prefix = '{"query":"SELECT abalance FROM pgbench_accounts WHERE aid = \$1","args":['
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  math.randomseed(os.time() * 100 + id)
end
function request()
  return wrk.format(nil, nil, nil, prefix .. math.random(1, $accounts) .. ']}')
end
LUA
  for c in 16 64; do run_wrk "throome_${c}_wrk" "$c" "$duration" "$url" "$work/point_select.lua"; done
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo
echo "Point SELECT on pgbench_accounts (scale 10, random aid), ${duration}s per point, $(nproc) cores," \
  "throome pool of $pool connections, pipeline_depth $pipeline"
echo "CPU: microseconds per transaction of the gateway (user/system), PostgreSQL (all processes) and the client"
printf '%-40s %9s %8s %8s %8s %8s %6s | %6s %6s %6s %6s %6s\n' "target" "tps" "p50" "p90" "p99" "p99.9" "ratio" \
  "gw usr" "gw sys" "pg" "client" "total"
direct_total=$(awk -v a="$direct_pg" -v b="$direct_client" 'BEGIN { printf "%.2f", a + b }')
printf '%-40s %9s %8s %8s %8s %8s %6s | %6s %6s %6s %6s %6s\n' "pgbench -S -M prepared -c16 -j2 (direct)" \
  "$direct_tps" "$direct_p50" "" "$direct_p99" "" "1.00" "" "" "$direct_pg" "$direct_client" "$direct_total"
for c in 16 64; do
  k="throome_$c"
  read -r gu gs <<< "${gw_cpu[$k]}"
  total=$(awk -v a="$gu" -v b="$gs" -v p="${pg_cpu[$k]}" -v l="${client_cpu_us[$k]:-0}" 'BEGIN { printf "%.2f", a + b + p + l }')
  printf '%-40s %9s %8s %8s %8s %8s %6s | %6s %6s %6s %6s %6s\n' "throome POST db/query @$c" "${rps[$k]}" \
    "${p50[$k]}" "${p90[$k]}" "${p99[$k]}" "${p999[$k]}" "$(ratio "${rps[$k]}" "$direct_tps")" \
    "$gu" "$gs" "${pg_cpu[$k]}" "${client_cpu_us[$k]:-?}" "$total"
  if [ "${WRK:-0}" = 1 ]; then
    printf '%-40s %9s %8s %8s %8s\n' "  wrk" "${rps[${k}_wrk]}" "${p50[${k}_wrk]}" "" "${p99[${k}_wrk]}"
  fi
done
# The most throome could reach here: its user-space work free, only the kernel's (two sockets'
# reads and writes) left, with PostgreSQL's and the client's CPU as measured through it.
for c in 16 64; do
  k="throome_$c"
  read -r gu gs <<< "${gw_cpu[$k]}"
  bound=$(awk -v d="$direct_total" -v s="$gs" -v p="${pg_cpu[$k]}" -v l="${client_cpu_us[$k]:-0}" \
    'BEGIN { printf "%.2f", d / (s + p + l) }')
  echo "ceiling @$c if throome used no user-space CPU at all: $bound x direct (CPU per transaction, same run)"
done
