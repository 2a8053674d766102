#!/usr/bin/env bash
# Load benchmark of "who am I": an authenticated GET /api/v1/me with an API
# token, 64 connections over loopback, measured with wrk, while sampling the
# server's resident memory. Usage: scripts/bench-me.sh [duration, default 20s]
# Needs: wrk (apt-get install wrk), curl. Builds bin/chengguan first.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-20s}
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }
make -s build
work=$(mktemp -d)
port=18181
bin/chengguan demo --db "$work/bench.db" >/dev/null
bin/chengguan serve --db "$work/bench.db" --addr "127.0.0.1:$port" --log-level warn >"$work/out" 2>"$work/err" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
origin="http://127.0.0.1:$port"
curl -sf -c "$work/jar" -o /dev/null -H "Origin: $origin" \
  --data-urlencode username=admin --data-urlencode password=chengguan-demo "$origin/login"
token=$(curl -sf -b "$work/jar" -H "Origin: $origin" -H 'Content-Type: application/json' \
  -d '{"name":"bench"}' "$origin/api/v1/tokens" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[ -n "$token" ] || { echo "could not get an API token" >&2; exit 1; }
peak=0
( while kill -0 $pid 2>/dev/null; do
    rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0)
    echo "$rss"; sleep 0.2
  done ) >"$work/rss" &
sampler=$!
wrk -t2 -c64 -d"$duration" --latency -H "Authorization: Bearer $token" "$origin/api/v1/me"
kill $sampler 2>/dev/null || true
peak=$(sort -n "$work/rss" | tail -1)
echo "server peak RSS during the run: $((peak / 1024)) MiB ($peak KiB)"
echo "server VmHWM: $(awk '/VmHWM/ {print $2, $3}' /proc/$pid/status)"
