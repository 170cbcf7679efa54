#!/usr/bin/env bash
# A first tour of Throome's REST API with curl: health, cache, database, queue.
#
#   examples/curl/walkthrough.sh [URL] [CLUSTER]
#
# URL defaults to $THROOME_URL, else http://127.0.0.1:9000; CLUSTER to $THROOME_CLUSTER, else
# demo. The cluster needs a redis, a postgres and a kafka service (the demo cluster has all
# three). When $THROOME_TOKEN is set it is sent as "Authorization: Bearer ..." (and never
# printed). Each step prints the command, then the daemon's answer; the script stops at the
# first failing call (exit 1) and prints the daemon's error.
set -euo pipefail

url=${1:-${THROOME_URL:-http://127.0.0.1:9000}}
cluster=${2:-${THROOME_CLUSTER:-demo}}
url=${url%/}
api="$url/api/v1/clusters/$cluster"

if ! command -v curl >/dev/null; then
  echo "walkthrough: curl is not installed (apt-get install curl)" >&2
  exit 2
fi

auth=()
shown_auth=""
if [[ -n "${THROOME_TOKEN:-}" ]]; then
  auth=(-H "Authorization: Bearer $THROOME_TOKEN")
  shown_auth=' -H "Authorization: Bearer $THROOME_TOKEN"'
fi

step=0
# call TITLE METHOD PATH [JSON_BODY]
call() {
  local title=$1 method=$2 target=$3 body=${4:-}
  step=$((step + 1))
  echo
  echo "== $step. $title"
  local args=(-sS -X "$method" "${auth[@]}" --max-time 30)
  if [[ -n "$body" ]]; then
    echo "\$ curl -X $method$shown_auth -H 'Content-Type: application/json' $target -d '$body'"
    args+=(-H 'Content-Type: application/json' --data-binary "$body")
  else
    echo "\$ curl -X $method$shown_auth $target"
  fi
  local out status
  out=$(curl "${args[@]}" -w '\n%{http_code}' "$target") || {
    echo "walkthrough: cannot reach $url" >&2
    exit 1
  }
  status=${out##*$'\n'}
  out=${out%$'\n'*}
  echo "$out"
  if [[ "$status" != 2* ]]; then
    echo "walkthrough: step $step failed with HTTP $status" >&2
    exit 1
  fi
}

echo "Throome walkthrough against $url, cluster \"$cluster\""

call "Is the gateway up?" GET "$url/health"

call "Store a value in the cache (expires in 5 minutes)" POST "$api/cache/set" \
  '{"key": "walkthrough:greeting", "value": "hello from curl", "ttl": 300}'

call "Read it back" POST "$api/cache/get" '{"key": "walkthrough:greeting"}'

call "A missing key is not an error" POST "$api/cache/get" '{"key": "walkthrough:missing"}'

call "Run a SQL query with a parameter" POST "$api/db/query" \
  '{"query": "SELECT $1::text AS greeting, 6 * 7 AS answer", "args": ["hello from SQL"]}'

call "Publish a message to a topic" POST "$api/queue/publish" \
  '{"topic": "walkthrough", "message": "hello from curl", "key": "user-1"}'

call "Read the topic from the beginning" GET \
  "$api/queue/topics/walkthrough/records?from=earliest&max=10&timeout_ms=2000"

echo
echo "Done. More: docs/getting-started.md, throome-cli --help, examples/."
