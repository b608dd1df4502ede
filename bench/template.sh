#!/usr/bin/env bash
# bench/template.sh — gantry render --chart on
#   1. the largest chart of the shared corpus (by size: the Spacelift
#      workerpool controller, whose templates hold large CRDs), rendered 20
#      times, and the corpus chart with the most templates (Arroyo with its
#      bitnami postgresql and common subcharts);
#   2. a synthetic chart rendering 2,000 objects through helpers (include,
#      toYaml, nindent, quote, default) from a 1,000-entry values list.
# Compares with `helm template` where a helm binary is on the PATH (skipped,
# saying so, otherwise). Prints hyperfine's table, the ratios and each
# tool's peak memory. Needs hyperfine; the corpus cases are skipped, saying
# so, without ../shared/corpus (or $GANTRY_CORPUS).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
GANTRY="$PWD/$BUILD/gantry"
[ -x "$GANTRY" ] || { echo "build gantry first (make)"; exit 1; }
command -v hyperfine >/dev/null || { echo "bench needs hyperfine: apt-get install hyperfine"; exit 1; }
CORPUS=${GANTRY_CORPUS:-$PWD/../shared/corpus}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

peak_kb() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1; }
HELM=$(command -v helm || true)
[ -n "$HELM" ] || echo "no helm binary on this machine: skipping the comparison with helm template"

# bench NAME ARGS... : 20 renders of `render --chart ARGS` (and of helm)
bench() {
	local name=$1; shift
	local chart=$1; shift
	echo "== $name: $("$GANTRY" render --chart "$chart" "$@" | grep -c '^# Source:') documents"
	hyperfine --warmup 2 --runs 20 --export-json "$work/$name-g.json" \
		-n "gantry $name" "$GANTRY render --chart $chart $*"
	echo "gantry peak memory: $(peak_kb "$GANTRY" render --chart "$chart" "$@") KB"
	[ -n "$HELM" ] || return 0
	hyperfine --warmup 2 --runs 20 --export-json "$work/$name-h.json" \
		-n "helm $name" "$HELM template release $chart $*"
	echo "helm peak memory: $(peak_kb "$HELM" template release "$chart" "$@") KB"
	python3 - "$work/$name-g.json" "$work/$name-h.json" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))["results"][0]["mean"]
h = json.load(open(sys.argv[2]))["results"][0]["mean"]
print(f"ratio: gantry is {h / g:.1f}x faster than helm template "
      f"({g * 1000:.1f} ms vs {h * 1000:.1f} ms)")
PY
}

if [ -d "$CORPUS" ]; then
	bench workerpool-controller \
		"$CORPUS/spacelift-helm-charts/spacelift-workerpool-controller-nopromex" \
		--release spacelift-workerpool-controller
	bench arroyo "$CORPUS/arroyo/k8s/arroyo" --release arroyo \
		-f "$CORPUS/arroyo/k8s/quickstart-values.yaml" \
		--set postgresql.auth.postgresPassword=bench
else
	echo "no corpus at $CORPUS: skipping the corpus charts"
fi

# A synthetic chart: 1,000 apps, each a Deployment and a Service.
chart="$work/synthetic"
mkdir -p "$chart/templates"
cat > "$chart/Chart.yaml" <<'YAML'
apiVersion: v2
name: synthetic
version: 1.0.0
appVersion: "1.0"
YAML
{
	echo "apps:"
	for ((i = 0; i < 1000; i++)); do
		cat <<YAML
  - name: app-$i
    image: registry.example.com/team-$((i % 10))/app-$i
    replicas: $((i % 5 + 1))
    port: $((8000 + i % 100))
    env: {MODE: production, SHARD: "$i"}
    resources: {requests: {cpu: 100m, memory: 128Mi}}
YAML
	done
} > "$chart/values.yaml"
cat > "$chart/templates/_helpers.tpl" <<'YAML'
{{- define "synthetic.labels" -}}
app.kubernetes.io/name: {{ .app.name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | trunc 63 }}
{{- end }}
YAML
cat > "$chart/templates/apps.yaml" <<'YAML'
{{- range $app := .Values.apps }}
{{- $ctx := dict "app" $app "root" $ }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $app.name }}
  labels:
    {{- include "synthetic.labels" $ctx | nindent 4 }}
spec:
  replicas: {{ $app.replicas | default 1 }}
  selector:
    matchLabels:
      app.kubernetes.io/name: {{ $app.name }}
  template:
    metadata:
      labels:
        {{- include "synthetic.labels" $ctx | nindent 8 }}
    spec:
      containers:
        - name: main
          image: "{{ $app.image }}:{{ $.Chart.AppVersion }}"
          ports:
            - containerPort: {{ $app.port }}
          env:
            {{- range $k, $v := $app.env }}
            - name: {{ $k }}
              value: {{ $v | quote }}
            {{- end }}
          resources:
            {{- toYaml $app.resources | nindent 12 }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $app.name }}
  labels:
    {{- include "synthetic.labels" $ctx | nindent 4 }}
spec:
  selector:
    app.kubernetes.io/name: {{ $app.name }}
  ports:
    - port: 80
      targetPort: {{ $app.port }}
{{- end }}
YAML
bench synthetic-2000 "$chart" --release bench
