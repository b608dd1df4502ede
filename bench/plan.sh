#!/usr/bin/env bash
# bench/plan.sh — gantry plan against kubectl diff -f on the same kubesim:
# 1,000 objects (Deployments, Services, ConfigMaps in 20 namespaces),
# applied with kubectl apply, then one tenth of them changed.
#
# Prints the hyperfine table, the speed ratio, and each tool's peak memory.
# Needs hyperfine (apt-get install hyperfine) and kubectl. kubesim runs
# with its controllers stopped (--tick 0) so that both tools see the same
# cluster from run to run. PEER_RUNS sets kubectl diff's runs (5).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
GANTRY="$PWD/$BUILD/gantry"
KUBESIM="$PWD/$BUILD/kubesim"
[ -x "$GANTRY" ] && [ -x "$KUBESIM" ] || { echo "build gantry first (make)"; exit 1; }
command -v hyperfine >/dev/null || { echo "bench needs hyperfine: apt-get install hyperfine"; exit 1; }
command -v kubectl >/dev/null || { echo "bench needs kubectl"; exit 1; }

work=$(mktemp -d)
kubesim_pid=
cleanup() {
	[ -n "$kubesim_pid" ] && kill "$kubesim_pid" 2>/dev/null && wait "$kubesim_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
export KUBECONFIG=$work/kubeconfig KUBECACHEDIR=$work/kube-cache XDG_CACHE_HOME=$work/cache

"$KUBESIM" --listen 127.0.0.1:0 --kubeconfig-out "$KUBECONFIG" --tick 0 -q \
	>"$work/url" 2>"$work/kubesim.err" &
kubesim_pid=$!
for _ in $(seq 1 100); do [ -s "$work/url" ] && break; sleep 0.05; done
[ -s "$work/url" ] || { cat "$work/kubesim.err"; exit 1; }

. bench/lib.sh
bench_objects "$work"
bench_namespaces | kubectl apply -f - >/dev/null
echo "applying 1,000 objects with kubectl apply..."
kubectl apply -f "$work/applied" >/dev/null

echo "gantry plan: $("$GANTRY" plan --no-color "$work/changed" | tail -1)"
kubectl diff -f "$work/changed" > "$work/kdiff.txt" || true
echo "kubectl diff: $(grep -c '^diff -u' "$work/kdiff.txt") objects differ"

peak_kb() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1; }

hyperfine --warmup 2 --min-runs 10 --export-json "$work/g.json" \
	-n "gantry plan" "$GANTRY plan --no-color $work/changed"
echo "gantry plan peak memory: $(peak_kb "$GANTRY" plan --no-color "$work/changed") KB"
# kubectl diff exits 1 when something differs: -i keeps hyperfine going
hyperfine -i --warmup 1 --runs "${PEER_RUNS:-5}" --export-json "$work/k.json" \
	-n "kubectl diff" "kubectl diff -f $work/changed"
echo "kubectl diff peak memory: $(peak_kb kubectl diff -f "$work/changed") KB (kubectl itself; it also runs diff(1) once)"
python3 - "$work/g.json" "$work/k.json" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))["results"][0]["mean"]
k = json.load(open(sys.argv[2]))["results"][0]["mean"]
print(f"ratio: gantry plan is {k / g:.0f}x faster than kubectl diff "
      f"({g * 1000:.0f} ms vs {k * 1000:.0f} ms)")
PY
