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

# object I of 1,000 (0-based): kind by I % 3, namespace by I % 20;
# CHANGED=1 changes every tenth object (I % 10 == 0)
gen_object() {
	local i=$1 changed=$2 n="app-$1" ns="ns-$(($1 % 20))"
	local image="registry.example.com/app:1.$i.0" port=8080 level=info
	if [ "$changed" = 1 ] && [ $((i % 10)) -eq 0 ]; then
		image="registry.example.com/app:2.$i.0" port=9090 level=debug
	fi
	case $((i % 3)) in
	0) cat <<YAML
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $n
  namespace: $ns
  labels: {app: $n, tier: backend}
spec:
  replicas: 2
  selector:
    matchLabels: {app: $n}
  template:
    metadata:
      labels: {app: $n, tier: backend}
    spec:
      containers:
      - name: main
        image: $image
        ports: [{containerPort: 8080, name: http}]
        env:
        - {name: MODE, value: production}
        - {name: WORKERS, value: "4"}
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {cpu: "1", memory: 512Mi}
YAML
	;;
	1) cat <<YAML
---
apiVersion: v1
kind: Service
metadata:
  name: $n
  namespace: $ns
spec:
  selector: {app: $n}
  ports:
  - {name: http, port: 80, targetPort: $port}
YAML
	;;
	2) cat <<YAML
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: $n
  namespace: $ns
data:
  settings.yaml: |
    level: $level
    retries: 3
  FEATURE: "on"
YAML
	;;
	esac
}

# 50 files of 20 objects, as first applied and as changed
mkdir -p "$work/applied" "$work/changed"
for ((f = 0; f < 50; f++)); do
	for ((j = 0; j < 20; j++)); do gen_object $((f * 20 + j)) 0; done \
		> "$work/applied/$(printf 'f%02d.yaml' "$f")"
	for ((j = 0; j < 20; j++)); do gen_object $((f * 20 + j)) 1; done \
		> "$work/changed/$(printf 'f%02d.yaml' "$f")"
done
for ((n = 0; n < 20; n++)); do echo "---
apiVersion: v1
kind: Namespace
metadata: {name: ns-$n}"; done > "$work/namespaces.yaml"

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
