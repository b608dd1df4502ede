#!/usr/bin/env bash
# bench/apply.sh — gantry apply against kubectl apply -f (client-side) on
# the same kubesim: 1,000 objects (Deployments, Services, ConfigMaps in 20
# namespaces, as bench/plan.sh makes them) into an empty cluster, then the
# same with one tenth of them changed.
#
# Every timed run starts from a fresh kubesim on one fixed port (so both
# tools keep their discovery caches) with the 20 namespaces made; for the
# update, the unchanged set was applied first by the same tool. kubesim's
# controllers are stopped (--tick 0) as in bench/plan.sh, and kubectl apply
# does not wait for anything, so gantry runs with --wait=false. Prints the
# hyperfine tables and the ratios. Needs hyperfine and kubectl.
# PEER_RUNS sets kubectl's runs (3).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
GANTRY="$PWD/$BUILD/gantry"
KUBESIM="$PWD/$BUILD/kubesim"
[ -x "$GANTRY" ] && [ -x "$KUBESIM" ] || { echo "build gantry first (make)"; exit 1; }
command -v hyperfine >/dev/null || { echo "bench needs hyperfine: apt-get install hyperfine"; exit 1; }
command -v kubectl >/dev/null || { echo "bench needs kubectl"; exit 1; }

work=$(mktemp -d)
cleanup() {
	[ -s "$work/pid" ] && kill "$(cat "$work/pid")" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
export KUBECONFIG=$work/kubeconfig KUBECACHEDIR=$work/kube-cache XDG_CACHE_HOME=$work/cache
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

. bench/lib.sh
bench_objects "$work"
bench_namespaces > "$work/namespaces.yaml"

# A fresh, empty kubesim on $port with the namespaces; then, when given,
# one apply (the state an update starts from).
cat > "$work/fresh.sh" <<SH
#!/usr/bin/env bash
set -e
[ -s "$work/pid" ] && kill "\$(cat "$work/pid")" 2>/dev/null && while kill -0 "\$(cat "$work/pid")" 2>/dev/null; do sleep 0.01; done
rm -f "$work/url"
"$KUBESIM" --listen 127.0.0.1:$port --kubeconfig-out "$KUBECONFIG" --tick 0 -q >"$work/url" 2>"$work/kubesim.err" &
echo \$! > "$work/pid"
for _ in \$(seq 1 200); do [ -s "$work/url" ] && break; sleep 0.01; done
kubectl apply -f "$work/namespaces.yaml" >/dev/null
if [ "\${1:-}" = gantry ]; then "$GANTRY" apply --app bench --wait=false "$work/applied" >/dev/null; fi
if [ "\${1:-}" = kubectl ]; then kubectl apply -f "$work/applied" >/dev/null; fi
exit 0
SH
chmod +x "$work/fresh.sh"

G="$GANTRY apply --app bench --wait=false"
K="kubectl apply -f"
"$work/fresh.sh"
echo "gantry first apply: $($G "$work/applied" | tail -1 | sed 's/^[^ ]* //')"
"$work/fresh.sh" gantry
echo "gantry update: $($G "$work/changed" | tail -1 | sed 's/^[^ ]* //')"
"$work/fresh.sh" kubectl
echo "kubectl update: $($K "$work/changed" | grep -c configured) configured"

runs=${PEER_RUNS:-3}
hyperfine --runs 10 --prepare "$work/fresh.sh" --export-json "$work/g1.json" \
	-n "gantry apply (first)" "$G $work/applied"
hyperfine --runs "$runs" --prepare "$work/fresh.sh" --export-json "$work/k1.json" \
	-n "kubectl apply -f (first)" "$K $work/applied"
hyperfine --runs 10 --prepare "$work/fresh.sh gantry" --export-json "$work/g2.json" \
	-n "gantry apply (10% changed)" "$G $work/changed"
hyperfine --runs "$runs" --prepare "$work/fresh.sh kubectl" --export-json "$work/k2.json" \
	-n "kubectl apply -f (10% changed)" "$K $work/changed"
python3 - "$work" <<'PY'
import json, sys
d = sys.argv[1]
mean = lambda f: json.load(open(f"{d}/{f}.json"))["results"][0]["mean"]
for what, g, k in (("first apply", "g1", "k1"), ("update", "g2", "k2")):
    print(f"ratio, {what}: gantry apply is {mean(k) / mean(g):.0f}x faster "
          f"than kubectl apply -f ({mean(g) * 1000:.0f} ms vs "
          f"{mean(k) * 1000:.0f} ms)")
PY
