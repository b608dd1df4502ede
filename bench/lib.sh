# bench/lib.sh — what the apply and plan benchmarks share: 1,000 objects
# (334 Deployments, 333 Services, 333 ConfigMaps in 20 namespaces, 50 files
# of 20) as first applied and with one tenth of them changed. Sourced.

# gen_object I CHANGED: object I of 1,000 (0-based) on stdout; kind by
# I % 3, namespace by I % 20; CHANGED=1 changes every tenth object
# (I % 10 == 0): an image, a Service targetPort, a ConfigMap value
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

# bench_objects DIR: DIR/applied and DIR/changed, 50 files of 20 objects each
bench_objects() {
	local d=$1 f j
	mkdir -p "$d/applied" "$d/changed"
	for ((f = 0; f < 50; f++)); do
		for ((j = 0; j < 20; j++)); do gen_object $((f * 20 + j)) 0; done \
			> "$d/applied/$(printf 'f%02d.yaml' "$f")"
		for ((j = 0; j < 20; j++)); do gen_object $((f * 20 + j)) 1; done \
			> "$d/changed/$(printf 'f%02d.yaml' "$f")"
	done
}

# bench_namespaces: the 20 namespaces, as YAML on stdout
bench_namespaces() {
	local n
	for ((n = 0; n < 20; n++)); do echo "---
apiVersion: v1
kind: Namespace
metadata: {name: ns-$n}"; done
}
