#!/usr/bin/env bash
# Installs dependencies, builds (Release) and runs the daemon with a ready `demo` cluster:
# redis-server, PostgreSQL and a development-only Kafka broker, all started locally by the
# gateway (`provision: true`, docs/provisioning.md). Serves http://127.0.0.1:9000 with clusters
# in ./clusters and the servers' data in ./.throome.
#   - The first run creates the demo cluster; later runs start it again with its data.
#   - Ctrl-C stops the daemon and the servers it started (their data is kept).
#   - THROOME_DEMO=0 skips the demo cluster. Extra arguments go to `throome`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
BUILD_TYPE=Release "$root/scripts/build.sh" "$root/build-release" -DTHROOME_BUILD_TESTS=OFF
cd "$root"
config=()
if [ ! -f throome.yaml ] && [ -z "${THROOME_CONFIG:-}" ]; then
  config=(--config "$root/configs/throome.example.yaml")
fi

# As root, PostgreSQL runs as the postgres account, which must traverse the state dir's
# parents. A checkout below a private home (/root is 0700) cannot host it: use /var/lib.
traversable() {
  local d
  d=$(dirname "$1")
  while [ "$d" != "/" ]; do
    [ -d "$d" ] || { d=$(dirname "$d"); continue; }
    [ "$(( 0$(stat -c %a "$d") & 01 ))" -eq 1 ] || return 1
    d=$(dirname "$d")
  done
}
if [ "$(id -u)" -eq 0 ] && [ -z "${THROOME_STATE_DIR:-}" ] && [ ! -f throome.yaml ] &&
   ! traversable "$root/.throome/x"; then
  export THROOME_STATE_DIR=/var/lib/throome/state
  mkdir -p "$THROOME_STATE_DIR" && chmod 0755 /var/lib/throome "$THROOME_STATE_DIR"
  echo "run: $root is not traversable by the postgres account; state dir: $THROOME_STATE_DIR"
fi

ready=$(mktemp -u /tmp/throome-ready.XXXXXX)
daemon_pid=$$  # `exec` below: the daemon keeps this PID

# Once the daemon listens: create the demo cluster if it is not there yet, then print the URL
# and examples. Detached (double fork) so the daemon never inherits it as a child.
( (
  while [ ! -f "$ready" ]; do
    kill -0 "$daemon_pid" 2>/dev/null || exit 0
    sleep 0.2
  done
  port=$(sed 's/.*://' "$ready")
  rm -f "$ready"
  url="http://127.0.0.1:$port"
  if [ "${THROOME_DEMO:-1}" != "0" ]; then
    status=$(curl -s -o /dev/null -w '%{http_code}' "$url/api/v1/clusters/demo")
    if [ "$status" = "404" ]; then
      echo "run: creating the demo cluster (starting redis-server, PostgreSQL, a dev Kafka broker)..."
      created=$(curl -s -w '\n%{http_code}' -X POST "$url/api/v1/clusters" \
        -H 'Content-Type: application/yaml' --data-binary @"$root/configs/demo.yaml")
      if [ "${created##*$'\n'}" != "201" ]; then
        echo "run: the demo cluster could not be created:" >&2
        echo "${created%$'\n'*}" >&2
        exit 0
      fi
    elif [ "$status" != "200" ]; then
      echo "run: GET $url/api/v1/clusters/demo answered $status; see the daemon's log" >&2
      exit 0
    fi
  fi
  j="-H 'Content-Type: application/json'"
  cat <<BANNER

  Throome is running on $url   (Ctrl-C stops it and the servers it started)
  Demo cluster "demo": redis-server, PostgreSQL and a development-only Kafka broker.

  # cache: set, then get
  curl -s -X POST $url/api/v1/clusters/demo/cache/set $j -d '{"key":"greeting","value":"hello","ttl":3600}'
  curl -s -X POST $url/api/v1/clusters/demo/cache/get $j -d '{"key":"greeting"}'

  # database: a SQL query
  curl -s -X POST $url/api/v1/clusters/demo/db/query $j -d '{"query":"SELECT current_database() AS db, now() AS at"}'

  # queue: publish a message (the topic is created on first use)
  curl -s -X POST $url/api/v1/clusters/demo/queue/publish $j -d '{"topic":"orders","message":"order #1"}'

BANNER
) & ) </dev/null

exec "$root/build-release/apps/throome" "${config[@]}" --ready-file "$ready" "$@"
