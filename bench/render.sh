#!/usr/bin/env bash
# bench/render.sh — gantry render against kubectl kustomize on the same
# 10,000 objects in 500 files (Deployments, Services, ConfigMaps).
#
# Prints the hyperfine table, the speed ratio, and each tool's peak memory.
# Needs hyperfine (apt-get install hyperfine); the peer is skipped, saying
# so, where kubectl is absent or SKIP_PEER=1 (kubectl kustomize needs
# minutes per run on this tree). PEER_RUNS sets its number of runs (2).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
GANTRY="$PWD/$BUILD/gantry"
[ -x "$GANTRY" ] || { echo "build gantry first (make)"; exit 1; }
command -v hyperfine >/dev/null || { echo "bench needs hyperfine: apt-get install hyperfine"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 500 files of 20 objects: 7 Deployments, 7 Services, 6 ConfigMaps each
gen_file() { # file index
	local f=$1 i
	for ((i = 0; i < 20; i++)); do
		local n="app-$f-$i"
		case $((i % 3)) in
		0) cat <<YAML
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $n
  namespace: ns-$((f % 20))
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
        image: registry.example.com/$n:1.$i.0
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
  namespace: ns-$((f % 20))
spec:
  selector: {app: $n}
  ports:
  - {name: http, port: 80, targetPort: http}
YAML
		;;
		2) cat <<YAML
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: $n
  namespace: ns-$((f % 20))
data:
  settings.yaml: |
    level: info
    retries: 3
    endpoints: [a, b, c]
  FEATURE: "on"
YAML
		;;
		esac
	done
}

mkdir -p "$work/tree"
{
	echo "apiVersion: kustomize.config.k8s.io/v1beta1"
	echo "kind: Kustomization"
	echo "resources:"
} > "$work/tree/kustomization.yaml"
for ((f = 0; f < 500; f++)); do
	name=$(printf 'f%03d.yaml' "$f")
	gen_file "$f" > "$work/tree/$name"
	echo "- $name" >> "$work/tree/kustomization.yaml"
done
# gantry reads the directory: keep the kustomization out of its way
mkdir -p "$work/plain"
cp "$work"/tree/f*.yaml "$work/plain/"

objects=$("$GANTRY" render -o json "$work/plain" | grep -c '"apiVersion"')
echo "objects: $objects in $(ls "$work/plain" | wc -l) files"

peak_kb() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1; }

# kubectl kustomize needs minutes per run on this tree, so it gets fewer
# runs than gantry; each tool is timed in this same script run.
hyperfine --warmup 2 --min-runs 10 --export-json "$work/g.json" \
	-n gantry "$GANTRY render $work/plain"
echo "gantry peak memory: $(peak_kb "$GANTRY" render "$work/plain") KB"

if [ -n "${SKIP_PEER:-}" ] || ! command -v kubectl >/dev/null; then
	echo "skipping the peer (kubectl kustomize): ${SKIP_PEER:+SKIP_PEER is set}"
	exit 0
fi
hyperfine --runs "${PEER_RUNS:-2}" --export-json "$work/k.json" \
	-n kubectl-kustomize "kubectl kustomize $work/tree"
echo "kubectl kustomize peak memory: $(peak_kb kubectl kustomize "$work/tree") KB"
python3 - "$work/g.json" "$work/k.json" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))["results"][0]["mean"]
k = json.load(open(sys.argv[2]))["results"][0]["mean"]
print(f"ratio: gantry is {k / g:.0f}x faster than kubectl kustomize "
      f"({g * 1000:.1f} ms vs {k * 1000:.0f} ms)")
PY
