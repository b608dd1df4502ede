#!/usr/bin/env bash
# bench/kubesim.sh — kubesim's throughput and memory, with a second process
# (wrk, from Debian's package of that name) as the load, on loopback:
#   GET of one object, and create of ConfigMaps, with kubesim pinned to one
#   core and wrk to the other; then the resident memory of kubesim holding
#   50,000 ConfigMaps. Targets (issue 3): 5,000 GETs/s, 2,000 creates/s,
#   50,000 objects under 300 MB. Bounded: a few seconds per run.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
KUBESIM=$BUILD/kubesim
DURATION=${DURATION:-5s}
command -v wrk >/dev/null || { echo "bench/kubesim.sh: needs wrk (apt-get install wrk)" >&2; exit 1; }
[ -x "$KUBESIM" ] || make -s "$KUBESIM"
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

start() {
	taskset -c 0 "$KUBESIM" --listen 127.0.0.1:0 --tick 0 -q >"$tmp/url" &
	pid=$!
	for _ in $(seq 1 200); do [ -s "$tmp/url" ] && break; sleep 0.05; done
	url=$(head -n 1 "$tmp/url")
	[ -n "$url" ] || { echo "bench/kubesim.sh: kubesim did not start" >&2; exit 1; }
}

stop() {
	kill "$pid"
	wait "$pid" || true
	pid=
}

rps() { awk '/^Requests\/sec:/ {printf "%d", $2}'; }

rss_mb() { awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

start
curl -sS -o /dev/null -H 'Content-Type: application/json' \
	-d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"one"},"data":{"a":"b"}}' \
	"$url/api/v1/namespaces/default/configmaps"
get=$(taskset -c 1 wrk -t1 -c8 -d"$DURATION" "$url/api/v1/namespaces/default/configmaps/one" | rps)
create=$(taskset -c 1 wrk -t1 -c8 -d"$DURATION" -s bench/kubesim_create.lua "$url" | rps)
stop

start
idle=$(rss_mb "$pid")
# wrk stops sending at LIMIT but runs out its duration: give it time for
# 50,000 creates at the rate just measured, and a margin
secs=$((50000 / (create > 0 ? create : 1) * 3 / 2 + 3))
LIMIT=50000 taskset -c 1 wrk -t1 -c8 -d"${secs}s" -s bench/kubesim_create.lua "$url" >/dev/null
count=$(curl -sS "$url/api/v1/namespaces/default/configmaps?limit=1" |
	sed -E 's/.*"remainingItemCount":([0-9]+).*/\1/')
count=$((count + 1))
full=$(rss_mb "$pid")
stop

echo "GET one object:        $get requests/s (kubesim on one core, wrk -t1 -c8)"
echo "create ConfigMap:      $create requests/s"
echo "memory, fresh cluster: $idle MB resident"
echo "memory, $count ConfigMaps: $full MB resident"
