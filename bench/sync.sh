#!/usr/bin/env bash
# bench/sync.sh — gantry sync at scale: 200 apps of 20 objects each (a
# Namespace, a Deployment, 9 Services, 9 ConfigMaps) in one repository,
# followed through a file:// URL (cloned into the cache and fetched, as a
# remote would be) on kubesim with its controllers on (Deployments become
# ready as a cluster's would).
#
#   1. the first sync: every app applied into the empty cluster;
#   2. a commit touching 5 apps (an image of each): the time from the
#      webhook call that follows the push to all five InSync and Healthy
#      in /status (polled every 50 ms) — target under 2 s;
#   3. the loop idle for a minute at the default intervals (fetch every
#      1m, drift check every 5m): its CPU time from /proc — target under
#      1% of one core;
#   4. one drift check of the 200 apps (interval 5m meanwhile: forced by
#      SIGHUP), from its log lines.
# RUNS sets how many times step 2 is repeated (3); IDLE its seconds (60).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
GANTRY="$PWD/$BUILD/gantry"
KUBESIM="$PWD/$BUILD/kubesim"
RUNS=${RUNS:-3}
APPS=${APPS:-200}
FIVE="3 $((APPS / 4)) $((APPS / 2)) $((APPS * 3 / 4)) $((APPS - 1))"
IDLE=${IDLE:-60}
PARALLEL=${PARALLEL:-8}
[ -x "$GANTRY" ] && [ -x "$KUBESIM" ] || { echo "build gantry first (make)"; exit 1; }
command -v jq >/dev/null || { echo "bench needs jq"; exit 1; }

work=$(mktemp -d)
sim_pid= sync_pid=
cleanup() {
	[ -n "${KEEP:-}" ] && cp "$work/sync.out" "$work/sync.err" "$work/kubesim.err" /tmp/synctry/ 2>/dev/null
	[ -n "$sync_pid" ] && kill -TERM "$sync_pid" 2>/dev/null && wait "$sync_pid" 2>/dev/null
	[ -n "$sim_pid" ] && kill -TERM "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap "exit 130" INT TERM
export KUBECONFIG=$work/kubeconfig XDG_CACHE_HOME=$work/cache

now_ms() { date +%s%3N; }

# app N's manifests: a Deployment (VERSION its image tag), 9 Services,
# 9 ConfigMaps; with the Namespace, 20 objects
gen_app() {
	local a=$1 v=$2 i
	printf -- '---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: main, image: "registry.example.com/app%d:%s", ports: [{containerPort: 8080}]}]\n' "$a" "$v"
	for ((i = 0; i < 9; i++)); do
		printf -- '---\napiVersion: v1\nkind: Service\nmetadata: {name: s%d}\nspec:\n  selector: {app: web}\n  ports: [{port: 80, targetPort: 8080}]\n' "$i"
		printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c%d}\ndata: {app: "app%d", level: info}\n' "$i" "$a"
	done
}

echo "== generating $APPS apps of 20 objects"
git init -q --bare "$work/origin.git"
git -C "$work/origin.git" symbolic-ref HEAD refs/heads/main
git init -q -b main "$work/repo"
printf 'apiVersion: gantry.dev/v1alpha1\nkind: Repository\nspec:\n  apps: ["apps/*"]\n  defaults: {prune: true, timeout: 5m}\n' \
	> "$work/repo/gantry.yaml"
for ((a = 0; a < APPS; a++)); do
	d=$work/repo/apps/app$a
	mkdir -p "$d/manifests"
	printf 'apiVersion: gantry.dev/v1alpha1\nkind: App\nmetadata: {name: app%d}\nspec:\n  namespace: app%d\n  createNamespace: true\n  sources:\n    - manifests: manifests/\n' \
		"$a" "$a" > "$d/app.yaml"
	gen_app "$a" 1.0 > "$d/manifests/all.yaml"
done
commit() {
	git -C "$work/repo" add -A
	git -C "$work/repo" -c user.name=bench -c user.email=bench@example.com \
		commit -qm "$1"
	git -C "$work/repo" push -q "$work/origin.git" main
}
commit "200 apps"

"$KUBESIM" --listen 127.0.0.1:0 --kubeconfig-out "$KUBECONFIG" -q \
	>"$work/kubesim.url" 2>"$work/kubesim.err" &
sim_pid=$!
for _ in $(seq 1 200); do [ -s "$work/kubesim.url" ] && break; sleep 0.05; done

echo "== first sync of $APPS apps"
t0=$(now_ms)
"$GANTRY" sync --repo "file://$work/origin.git" --branch main \
	--listen 127.0.0.1:0 --interval 1m --drift-interval 5m \
	--parallel "$PARALLEL" >"$work/sync.out" 2>"$work/sync.err" &
sync_pid=$!
url=
for _ in $(seq 1 200); do
	url=$(grep -o 'serving http://[0-9.:]*' "$work/sync.out" | cut -d' ' -f2 || true)
	[ -n "$url" ] && break
	sleep 0.05
done
[ -n "$url" ] || { cat "$work/sync.err"; exit 1; }
until curl -sf "$url/readyz" >/dev/null; do
	kill -0 "$sync_pid" || { cat "$work/sync.err"; exit 1; }
	sleep 0.2
done
t1=$(now_ms)
in_sync=$(curl -s "$url/status" | jq '[.apps[] | select(.sync == "InSync" and .health == "Healthy")] | length')
echo "first sync: $((t1 - t0))ms, $in_sync/$APPS apps InSync and Healthy"

# the five apps of a change: spread over the order
five_done() { # COMMIT
	curl -s "$url/status" | jq -e --arg c "$1" --arg five "$FIVE" '
		($five | split(" ") | map("app" + .)) as $names |
		[.apps[] | select(.name as $n | $names | index($n)) |
		 select(.commit == $c and .sync == "InSync" and
			.health == "Healthy")] | length == 5' >/dev/null
}

echo "== a commit touching 5 apps ($RUNS runs)"
for ((r = 1; r <= RUNS; r++)); do
	for a in $FIVE; do
		gen_app "$a" "2.$r" > "$work/repo/apps/app$a/manifests/all.yaml"
	done
	commit "five apps, run $r"
	c=$(git -C "$work/repo" rev-parse HEAD)
	t0=$(now_ms)
	curl -s -X POST -d '{}' "$url/hooks/git" >/dev/null
	until five_done "$c"; do sleep 0.05; done
	t1=$(now_ms)
	applied=$(grep -c "applying ${c:0:12}" "$work/sync.out" || true)
	echo "run $r: $((t1 - t0))ms from the webhook to the five apps Healthy ($applied apps applied)"
done

echo "== idle for ${IDLE}s (fetch every 1m, drift check every 5m)"
ticks=$(getconf CLK_TCK)
cpu() { awk '{ print $14 + $15 }' "/proc/$sync_pid/stat"; }
c0=$(cpu)
t0=$(now_ms)
sleep "$IDLE"
c1=$(cpu)
t1=$(now_ms)
awk -v c="$((c1 - c0))" -v hz="$ticks" -v ms="$((t1 - t0))" 'BEGIN {
	printf "idle: %.2fs of CPU in %.1fs: %.3f%% of one core\n",
		c / hz, ms / 1000, 100 * (c / hz) / (ms / 1000) }'

echo "== one drift check of $APPS apps (SIGHUP forces it)"
lines=$(wc -l < "$work/sync.out")
t0=$(now_ms)
c0=$(cpu)
kill -HUP "$sync_pid"
# done when the loop has fetched again and checked: the status's lastFetch
# moves first; the check ends when the next /status answers after the
# loop has gone back to waiting (its CPU stops)
sleep 0.5
prev=-1
while true; do
	cur=$(cpu)
	[ "$cur" = "$prev" ] && break
	prev=$cur
	sleep 0.5
done
t1=$(now_ms)
echo "drift check: about $((t1 - t0 - 500))ms, $(awk -v c="$((cur - c0))" -v hz="$ticks" 'BEGIN { printf "%.2f", c / hz }')s of CPU;" \
	"$(tail -n +"$((lines + 1))" "$work/sync.out" | grep -c ': drift:' || true) apps drifted"
