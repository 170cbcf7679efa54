# Shared by the bench/*.sh scripts (source it): a private work dir removed on exit, the
# processes to stop on exit, free loopback ports, waiting for a port, and wrk's figures.
#   bench_init NAME       sets $work; every PID appended to $pids is killed on exit
#   free_port             prints a free loopback TCP port
#   wait_port PORT [N]    waits (N x 10 ms, default 1000) until PORT accepts connections
#   wrk_figures FILE      prints "req/s p50 p99" of a `wrk --latency` output
pids=()
bench_init() {
  work=$(mktemp -d "/tmp/throome-bench-${1:-run}-XXXXXX")
  trap bench_cleanup EXIT
}
bench_cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  # BENCH_KEEP=DIR keeps the run's logs and raw figures (the work dir itself is removed).
  if [ -n "${BENCH_KEEP:-}" ] && [ -n "${work:-}" ]; then
    mkdir -p "$BENCH_KEEP" && cp "$work"/*.log "$work"/*.load "$work"/*.txt "$BENCH_KEEP"/ 2>/dev/null || true
  fi
  [ -n "${work:-}" ] && rm -rf "$work"
  return 0
}
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() {
  local _
  for _ in $(seq 1 "${2:-1000}"); do
    (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    sleep 0.01
  done
  return 1
}
wrk_figures() {
  awk '/Requests\/sec/ {r=$2} $1=="50%" {p50=$2} $1=="99%" {p99=$2} END {print r, p50, p99}' "$1"
}

# start_throome [EXTRA_YAML]: the daemon ($throome_bin) on a free port with its clusters dir in
# $work; sets $throome_port and $throome_pid.
start_throome() {
  throome_port=$(free_port)
  cat > "$work/throome.yaml" <<YAML
server: {host: 127.0.0.1, port: $throome_port}
gateway: {clusters_dir: "$work/clusters", max_connections: 20000}
logging: {level: ${THROOME_LOG_LEVEL:-warn}}
${1:-}
YAML
  "$throome_bin" --config "$work/throome.yaml" > "$work/throome.log" 2>&1 &
  throome_pid=$!
  pids+=("$throome_pid")
  wait_port "$throome_port"
}

# run_wrk NAME CONNS SECONDS URL [LUA_SCRIPT]: one wrk run (2 threads, keep-alive); its figures
# land in rps[NAME], p50[NAME], p99[NAME]; errors wrk reports are printed to stderr.
declare -gA rps p50 p99
run_wrk() {
  local name=$1 conns=$2 secs=$3 url=$4 script=${5:-}
  local args=(-t2 -c"$conns" -d"${secs}s" --latency)
  [ -n "$script" ] && args+=(-s "$script")
  wrk "${args[@]}" "$url" > "$work/$name.txt"
  read -r "rps[$name]" "p50[$name]" "p99[$name]" < <(wrk_figures "$work/$name.txt")
  grep -E 'Non-2xx|Socket errors' "$work/$name.txt" | sed "s/^/  $name: /" >&2 || true
  return 0
}

# run_load NAME CONNS SECONDS URL [BODY [EXTRA_ARGS...]]: one bench_http_load run ($load_bin;
# 2 threads, keep-alive, POST when BODY is given; EXTRA_ARGS go to bench_http_load, e.g. -r N)
# with exact per-request percentiles; its figures land in rps[NAME], p50[NAME], p90[NAME],
# p99[NAME], p999[NAME] (milliseconds) and the raw line in $work/NAME.load.
declare -gA p90 p999 requests client_cpu_us
run_load() {
  local name=$1 conns=$2 secs=$3 url=$4 body=${5:-}
  local args=(-t 2 -c "$conns" -d "$secs")
  [ -n "$body" ] && args+=(-m POST -b "$body" -H "Content-Type: application/json")
  [ $# -gt 5 ] && args+=("${@:6}")
  # The client's own CPU time (user+system) too, when /usr/bin/time is there.
  local timer=()
  [ -x /usr/bin/time ] && timer=(/usr/bin/time -f "%U %S" -o "$work/$name.time")
  "${timer[@]}" "$load_bin" "${args[@]}" "$url" > "$work/$name.load"
  local line
  line=$(cat "$work/$name.load")
  field() { sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p" <<< "$line"; }
  ms() { awk -v us="$(field "$1")" 'BEGIN { printf "%.2fms", us / 1000 }'; }
  rps[$name]=$(field rps)
  p50[$name]=$(ms p50_us)
  p90[$name]=$(ms p90_us)
  p99[$name]=$(ms p99_us)
  p999[$name]=$(ms p999_us)
  requests[$name]=$(field requests)
  client_cpu_us[$name]=
  if [ -s "$work/$name.time" ]; then
    client_cpu_us[$name]=$(awk -v n="${requests[$name]}" '{ printf "%.2f", ($1 + $2) * 1e6 / n }' "$work/$name.time")
  fi
  local bad
  bad=$(( $(field non_2xx) + $(field errors) ))
  [ "$bad" -eq 0 ] || echo "  $name: $(field non_2xx) non-2xx, $(field errors) errors" >&2
  return 0
}

# cpu_ticks PID: "user system" clock ticks (1/100 s) PID has used so far.
cpu_ticks() { awk '{ print $14, $15 }' "/proc/$1/stat"; }
# cpu_per_request BEFORE AFTER REQUESTS: "user_us system_us" per request between two cpu_ticks.
cpu_per_request() {
  awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN {
    split(a, x, " "); split(b, y, " ")
    printf "%.2f %.2f", (y[1] - x[1]) * 1e4 / n, (y[2] - x[2]) * 1e4 / n }'
}
