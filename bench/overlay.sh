#!/usr/bin/env bash
# Benchmark: gantry render against kubectl kustomize on one generated
# overlay tree of 2,000 objects (a base of 1,980 objects in 10 files and
# 20 generated ConfigMaps and Secrets), with name prefixes, a namespace,
# labels and annotations, 10 image rules, 10 replica rules, 100 patches
# (50 strategic merge, 50 JSON 6902) and name references to generated
# objects. Prints the time of each tool (best and median of the runs) and
# checks that both print the same text.
#
#   BUILD=build bench/overlay.sh [RUNS]   (3 runs by default)
set -euo pipefail
cd "$(dirname "$0")/.."
GANTRY="$PWD/${BUILD:-build}/gantry"
RUNS=${1:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

gen() {
	local base="$tmp/base" ov="$tmp/overlay" f i n
	mkdir -p "$base" "$ov"
	: > "$base/kustomization.yaml"
	{ echo "namePrefix: base-"; echo "commonLabels:"; echo "  suite: bench"
	  echo "resources:"; } >> "$base/kustomization.yaml"
	n=0
	for f in $(seq 0 9); do
		echo "- objects-$f.yaml" >> "$base/kustomization.yaml"
		for i in $(seq 0 32); do
			local k=$((f * 33 + i))
			cat <<YAML
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-$k
  labels: {app: app-$k}
spec:
  replicas: 1
  selector: {matchLabels: {app: app-$k}}
  template:
    metadata: {labels: {app: app-$k}}
    spec:
      serviceAccountName: sa-$k
      containers:
      - name: main
        image: registry.example.com/team/img-$((k % 10)):1.0
        envFrom:
        - configMapRef: {name: settings-$((k % 10))}
        - configMapRef: {name: cm-$k}
        ports:
        - containerPort: 8080
      volumes:
      - name: creds
        secret: {secretName: creds-$((k % 10))}
---
apiVersion: v1
kind: Service
metadata:
  name: app-$k
spec:
  selector: {app: app-$k}
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-$k
data:
  index: "$k"
  description: configuration of application number $k in the benchmark tree
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: sa-$k
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: rb-$k
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: ServiceAccount, name: sa-$k}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: app-$k
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: app-$k}}
YAML
			n=$((n + 6))
		done > "$base/objects-$f.yaml"
	done
	{
		echo "resources: [../base]"
		echo "namePrefix: prod-"
		echo "namespace: bench"
		echo "commonLabels: {env: prod}"
		echo "commonAnnotations: {owner: platform-team}"
		echo "images:"
		for i in $(seq 0 9); do
			echo "- {name: registry.example.com/team/img-$i, newTag: \"2.$i\"}"
		done
		echo "replicas:"
		for i in $(seq 0 9); do echo "- {name: app-$((i * 7)), count: 3}"; done
		echo "configMapGenerator:"
		for i in $(seq 0 9); do
			echo "- {name: settings-$i, literals: [MODE=prod, SHARD=$i]}"
		done
		echo "secretGenerator:"
		for i in $(seq 0 9); do
			echo "- {name: creds-$i, literals: [token=t$i]}"
		done
		echo "patches:"
		for i in $(seq 0 49); do
			cat <<YAML
- target: {kind: Deployment, name: base-app-$((i * 6))}
  patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: any}
    spec:
      template:
        spec:
          containers:
          - name: main
            resources:
              limits: {memory: 512Mi}
YAML
		done
		for i in $(seq 0 49); do
			cat <<YAML
- target: {kind: Service, name: base-app-$((i * 6 + 1))}
  patch: |-
    - op: add
      path: /metadata/labels/patched
      value: "$i"
YAML
		done
	} > "$ov/kustomization.yaml"
	echo "$((n + 20))"
}

# wall-clock and CPU (user + system) seconds of one run of CMD
measure() {
	/usr/bin/time -f "%e %U %S" -o "$tmp/time" "$@" > /dev/null 2>&1
	awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$tmp/time"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

objects=$(gen)
# both tools read the tree from its own directory (for gantry that makes
# it the repository root the kustomizations may not leave)
cd "$tmp"
echo "tree: $objects objects; $(grep -c '^- target' overlay/kustomization.yaml) patches"
"$GANTRY" render overlay > "$tmp/gantry.yaml"
echo "gantry output: $(grep -c '^kind:' "$tmp/gantry.yaml") objects"
have_kubectl=0
if command -v kubectl >/dev/null 2>&1; then
	have_kubectl=1
	kubectl kustomize overlay > "$tmp/kubectl.yaml" 2>/dev/null
	if cmp -s "$tmp/gantry.yaml" "$tmp/kubectl.yaml"; then
		echo "outputs: identical"
	else
		echo "outputs: DIFFERENT"
		diff "$tmp/gantry.yaml" "$tmp/kubectl.yaml" | head -20
		exit 1
	fi
fi
: > "$tmp/g" ; : > "$tmp/k"
for i in $(seq 1 "$RUNS"); do
	measure "$GANTRY" render overlay >> "$tmp/g"
	[ "$have_kubectl" = 1 ] && measure kubectl kustomize overlay >> "$tmp/k"
done
gw=$(cut -d' ' -f1 "$tmp/g" | median); gc=$(cut -d' ' -f2 "$tmp/g" | median)
echo "gantry render:     median ${gw} s wall, ${gc} s CPU ($RUNS runs)"
if [ "$have_kubectl" = 1 ]; then
	kw=$(cut -d' ' -f1 "$tmp/k" | median); kc=$(cut -d' ' -f2 "$tmp/k" | median)
	echo "kubectl kustomize: median ${kw} s wall, ${kc} s CPU ($RUNS runs)"
	awk -v kw="$kw" -v gw="$gw" -v kc="$kc" -v gc="$gc" 'BEGIN {
		if (gw < 0.01) gw = 0.01; if (gc < 0.01) gc = 0.01
		printf "speed-up: %.0fx wall, %.0fx CPU\n", kw / gw, kc / gc }'
else
	echo "kubectl kustomize: not installed, no comparison"
fi
