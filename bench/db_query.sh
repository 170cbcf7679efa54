#!/usr/bin/env bash
# PostgreSQL point-select throughput and latency: pgbench's select-only transaction with
# prepared statements (direct, 16 clients) against the same SELECT through throome's
# POST db/query (wrk, 16 and 64 connections), on the same private PostgreSQL, in one run.
#
#   bench/db_query.sh [DURATION_SECONDS]      (default 10)
#
# Needs: a Release build in build-release/ (BUILD_TYPE=Release scripts/build.sh build-release
# -DTHROOME_BUILD_TESTS=OFF), PostgreSQL 15 server binaries, pgbench, wrk, python3.
# THROOME_PG_POOL sets the gateway's pool.max_connections (default 4).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
duration=${1:-10}
pool=${THROOME_PG_POOL:-4}
throome_bin=${THROOME_BIN:-$root/build-release/apps/throome}
pg_bin=/usr/lib/postgresql/15/bin
[ -x "$throome_bin" ] || { echo "build first: BUILD_TYPE=Release scripts/build.sh build-release" >&2; exit 1; }
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
                     "pool": {"min_connections": $pool, "max_connections": $pool}}}}
JSON
url="http://127.0.0.1:$throome_port/api/v1/clusters/bench/db/query"
for _ in $(seq 1 500); do
  curl -sf -o /dev/null "$url" -H 'Content-Type: application/json' \
    -d '{"query":"SELECT abalance FROM pgbench_accounts WHERE aid = $1","args":[1]}' && break
  sleep 0.01
done

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

# Direct: pgbench -S with prepared statements; latencies from a 10% sample of its log.
(cd "$work" && pgbench -S -M prepared -c 16 -j 2 -T "$duration" -l --sampling-rate=0.1 \
  --log-prefix=direct -h 127.0.0.1 -p "$pg_port" -U postgres postgres > "$work/direct.txt" 2>&1)
direct_tps=$(awk '/^tps = / {print $3}' "$work/direct.txt" | tail -1)
read -r direct_p50 direct_p99 < <(cat "$work"/direct.* 2>/dev/null | awk '{print $3}' | sort -n |
  awk '{v[NR] = $1} END { if (NR == 0) { print "n/a n/a"; exit }
       printf "%.2fms %.2fms\n", v[int(NR * 0.50) + 1] / 1000, v[int(NR * 0.99) + 1] / 1000 }')

run_wrk warmup 16 2 "$url" "$work/point_select.lua"
run_wrk throome_16 16 "$duration" "$url" "$work/point_select.lua"
run_wrk throome_64 64 "$duration" "$url" "$work/point_select.lua"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo
echo "Point SELECT on pgbench_accounts (scale 10), ${duration}s per point, $(nproc) cores," \
  "throome pool of $pool connections"
printf '%-40s %12s %10s %10s %8s\n' "target" "tps" "p50" "p99" "ratio"
printf '%-40s %12s %10s %10s %8s\n' "pgbench -S -M prepared -c16 -j2 (direct)" "$direct_tps" \
  "$direct_p50" "$direct_p99" "1.00"
for c in 16 64; do
  k="throome_$c"
  printf '%-40s %12s %10s %10s %8s\n' "throome POST db/query, wrk -t2 -c$c" "${rps[$k]}" \
    "${p50[$k]}" "${p99[$k]}" "$(ratio "${rps[$k]}" "$direct_tps")"
done
