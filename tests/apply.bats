#!/usr/bin/env bats
# gantry apply against kubesim. kubesim's audit log (one JSON line per
# request, in the order served) proves the order of writes; the expected
# orders below come from DESIGN.md's "Ordering and phases". Progress lines
# are compared without their timestamps; their words are the ones
# gantry-apply(1) documents.

setup() {
	load helpers
	cd "$BATS_TEST_TMPDIR"
	export XDG_CACHE_HOME=$BATS_TEST_TMPDIR/cache
	AUDIT=$BATS_TEST_TMPDIR/audit.log
	unset NO_COLOR
	mkdir -p mixed
	# the mixed set, deliberately out of order in the files
	cat > mixed/workloads.yaml <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      serviceAccountName: web
      containers:
      - name: web
        image: nginx:1.25
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  namespace: shop
spec:
  serviceName: db
  replicas: 1
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
      - name: db
        image: postgres:16
---
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  namespace: shop
  annotations:
    gantry.dev/hook: pre
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: migrate
        image: migrate:1
EOF
	cat > mixed/widget.yaml <<'EOF'
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w1
  namespace: shop
spec:
  size: 3
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
EOF
	cat > mixed/base.yaml <<'EOF'
apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: shop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: shop-reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: shop-reader}
subjects:
- {kind: ServiceAccount, name: web, namespace: shop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: shop-reader}
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: 8080}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: shop}
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests: {storage: 1Gi}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data: {mode: fast}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
EOF
}

teardown() {
	kubesim_stop
}

# lines of gantry's plain output without their timestamps
strip_ts() {
	sed -E 's/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z //'
}

# "VERB PATH" of every write kubesim served, in order
audit_writes() {
	jq -r 'select(.verb == "create" or .verb == "update" or
		.verb == "patch" or .verb == "delete" or
		.verb == "deletecollection") | "\(.verb) \(.path)"' "$AUDIT"
}

write_count() {
	audit_writes | wc -l
}

# The class of each created resource (DESIGN.md): 1 Namespace (always
# first: the pre hook lives in it); 2 the pre hook Job, before the main
# phase; then 3 CRD; 4 RBAC; 5 config; 6 storage; 7 network; 8 workloads;
# 9 custom resources. Creates are POSTs to collections; the second is the
# inventory's (checked separately) and is left out.
ranked_creates() {
	jq -r 'select(.verb == "create") | .path' "$AUDIT" | sed 2d |
		awk -F/ '{print $NF}' |
		awk '
			/^namespaces$/ {r=1} /^jobs$/ {r=2}
			/^customresourcedefinitions$/ {r=3}
			/^(serviceaccounts|clusterroles|clusterrolebindings)$/ {r=4}
			/^configmaps$/ {r=5} /^persistentvolumeclaims$/ {r=6}
			/^services$/ {r=7} /^(deployments|statefulsets)$/ {r=8}
			/^widgets$/ {r=9} {print r, $0}'
}

@test "apply: the mixed set is written in DESIGN.md's order" {
	kubesim_start --audit-log "$AUDIT" --crd-delay 500ms
	run gantry apply --app shop -n shop mixed
	assert_success
	# every class present once, and in the log's own order the classes
	# never go back (requests of one step run concurrently, so names
	# are sorted within a class for the comparison)
	run bash -c "$(declare -f ranked_creates); AUDIT='$AUDIT'
		ranked_creates | sort -s -k1,1n -k2"
	assert_output "1 namespaces
2 jobs
3 customresourcedefinitions
4 clusterrolebindings
4 clusterroles
4 serviceaccounts
5 configmaps
6 persistentvolumeclaims
7 services
8 deployments
8 statefulsets
9 widgets"
	run bash -c "$(declare -f ranked_creates); AUDIT='$AUDIT'
		ranked_creates | cut -d' ' -f1 | sort -n -c"
	assert_success
	# the inventory is created (its objects listed without uid) right
	# after the namespace it lives in, before anything else
	run bash -c "jq -r 'select(.verb == \"create\") | .path' '$AUDIT' | sed -n 2p"
	assert_output "/api/v1/namespaces/shop/configmaps"
}

@test "apply: no custom resource request before its CRD is established; hooks and waves wait" {
	kubesim_start --audit-log "$AUDIT" --crd-delay 500ms
	run gantry apply --app shop -n shop mixed
	assert_success
	printf '%s\n' "$output" | strip_ts > out.txt
	# kubesim serves /apis/example.com/v1 only once the CRD is
	# Established: gantry's discovery saw it (200) before its first
	# request for a Widget, and no Widget request ever got a 404
	run bash -c "jq -r '\"\(.path) \(.code)\"' '$AUDIT' |
		grep -n -E '^/apis/example.com/v1( 200|/namespaces/shop/widgets)' |
		head -2 | cut -d' ' -f1 | sed 's/^[0-9]*://'"
	assert_output "/apis/example.com/v1
/apis/example.com/v1/namespaces/shop/widgets"
	run jq -r 'select(.path | test("/widgets($|/)")) | select(.code == 404) | .path' "$AUDIT"
	assert_output ""
	# the output shows each wait ending before the next step starts
	run grep -E '(health (batch/Job|apiextensions.k8s.io).*: Healthy|created (batch/Job|apiextensions|example.com))' out.txt
	assert_output "shop: created batch/Job/shop/migrate
shop: health batch/Job/shop/migrate: Healthy
shop: created apiextensions.k8s.io/CustomResourceDefinition/widgets.example.com
shop: health apiextensions.k8s.io/CustomResourceDefinition/widgets.example.com: Healthy
shop: created example.com/Widget/shop/w1"
}

@test "apply: waves wait for health before the next wave starts" {
	kubesim_start --audit-log "$AUDIT" --tick 200ms
	mkdir waves
	cat > waves/w.yaml <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: after
  namespace: default
  annotations: {gantry.dev/wave: "1"}
data: {a: b}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: first, namespace: default}
spec:
  selector:
    matchLabels: {app: first}
  template:
    metadata:
      labels: {app: first}
    spec:
      containers:
      - {name: c, image: "nginx:1"}
YAML
	run gantry apply --app waves waves
	assert_success
	# the ConfigMap of wave 1 is created only once the Deployment of
	# wave 0 is Healthy (kubesim makes it ready three ticks after it is
	# created)
	printf '%s\n' "$output" | strip_ts | sed -E 's/ in [0-9.]+s$//' > out.txt
	run grep -E 'phase|created|Healthy' out.txt
	assert_output "waves: phase workloads: started, 1 object
waves: created apps/Deployment/default/first
waves: phase workloads: done, 1/1
waves: phase wait: started, 1 object
waves: health apps/Deployment/default/first: Healthy
waves: phase wait: done, 1/1
waves: phase wave 1 config: started, 1 object
waves: created ConfigMap/default/after
waves: phase wave 1 config: done, 1/1
waves: phase wave 1 wait: started, 1 object
waves: phase wave 1 wait: done, 1/1
waves: summary: Succeeded: 2 created, 0 updated, 0 unchanged, 0 deleted"
}

@test "apply: a second apply of the same input sends no write; a change updates only what changed" {
	kubesim_start --audit-log "$AUDIT"
	run gantry apply --app shop -n shop mixed
	assert_success
	before=$(write_count)
	run gantry apply --app shop -n shop mixed
	assert_success
	assert_line --partial "shop: summary: Succeeded: 0 created, 0 updated, 12 unchanged, 0 deleted in "
	assert_equal "$(write_count)" "$before"
	sed -i 's/mode: fast/mode: slow/' mixed/base.yaml
	run gantry apply --app shop -n shop mixed
	assert_success
	assert_line --partial "shop: summary: Succeeded: 0 created, 1 updated, 11 unchanged, 0 deleted in "
	# the ConfigMap, then the inventory (its revision changed)
	run bash -c "$(declare -f audit_writes); AUDIT='$AUDIT'; audit_writes | tail -n +$((before + 1))"
	assert_output "update /api/v1/namespaces/shop/configmaps/settings
update /api/v1/namespaces/shop/configmaps/gantry-inventory-shop"
	require_kubectl
	run kubectl get configmap settings -n shop -o jsonpath='{.data.mode}'
	assert_output slow
}

@test "apply: kubectl apply -f of the same files afterwards sees every object unchanged" {
	require_kubectl
	kubesim_start
	run gantry apply --app shop mixed
	assert_success
	run kubectl apply -f mixed
	assert_success
	# in kubectl's order: files by name, objects as written
	assert_output "serviceaccount/web unchanged
clusterrolebinding.rbac.authorization.k8s.io/shop-reader unchanged
clusterrole.rbac.authorization.k8s.io/shop-reader unchanged
service/web unchanged
persistentvolumeclaim/data unchanged
configmap/settings unchanged
namespace/shop unchanged
widget.example.com/w1 unchanged
customresourcedefinition.apiextensions.k8s.io/widgets.example.com unchanged
deployment.apps/web unchanged
statefulset.apps/db unchanged
job.batch/migrate unchanged"
}

@test "apply --prune: removes exactly what left the input, nothing labelled otherwise or protected" {
	require_kubectl
	kubesim_start --audit-log "$AUDIT"
	mkdir p
	for n in keep gone taken protected; do
		cat > "p/$n.yaml" <<YAML
apiVersion: v1
kind: ConfigMap
metadata:
  name: $n
  namespace: default
$([ "$n" = protected ] && printf '  annotations: {gantry.dev/prune: disabled}')
data: {a: b}
YAML
	done
	run gantry apply --app p p
	assert_success
	# another app takes one over; something else carries our label but
	# was never applied by us
	kubectl label configmap taken gantry.dev/app=other --overwrite
	kubectl create configmap stranger -n default --from-literal=a=b
	kubectl label configmap stranger gantry.dev/app=p
	rm p/gone.yaml p/taken.yaml p/protected.yaml
	run gantry plan --app p --prune p
	assert_success
	assert_output "- delete ConfigMap/default/gone
@@ -1,7 +0,0 @@
-apiVersion: v1
-data:
-  a: b
-kind: ConfigMap
-metadata:
-  name: gone
-  namespace: default

Plan: 0 to create, 0 to update, 1 to delete, 1 unchanged."
	before=$(write_count)
	run gantry apply --app p --prune p
	assert_success
	assert_line --partial "p: deleted ConfigMap/default/gone"
	run bash -c "$(declare -f audit_writes); AUDIT='$AUDIT'; audit_writes | tail -n +$((before + 1))"
	assert_output "delete /api/v1/namespaces/default/configmaps/gone
update /api/v1/namespaces/default/configmaps/gantry-inventory-p"
	run kubectl get configmaps -o name
	assert_output "configmap/gantry-inventory-p
configmap/keep
configmap/kube-root-ca.crt
configmap/protected
configmap/stranger
configmap/taken"
	# the protected object stays in the inventory; the one another app
	# took is no longer listed
	run bash -c "kubectl get configmap gantry-inventory-p -o jsonpath='{.data.objects}' | jq -r .name"
	assert_output "keep
protected"
}

@test "apply: a Deployment whose image never pulls exits 3 with the reason" {
	kubesim_start
	mkdir bad
	cat > bad/d.yaml <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: broken, namespace: default}
spec:
  progressDeadlineSeconds: 2
  selector:
    matchLabels: {app: broken}
  template:
    metadata:
      labels: {app: broken}
    spec:
      containers:
      - {name: c, image: "nginx:fail"}
YAML
	run_split gantry apply --app bad bad
	assert_equal "$status" 3
	assert_equal "$stderr" ""
	printf '%s\n' "$output" | strip_ts | sed -E 's/broken-[a-z0-9]+/broken-HASH/' > out.txt
	# kubesim's Deployment controller words the condition as the real
	# one does: ReplicaSet "NAME" has timed out progressing.
	run grep -E 'error|not healthy|summary' out.txt
	assert_output --regexp '^bad: error: apps/Deployment/default/broken: Degraded: deployment "broken" exceeded its progress deadline: ReplicaSet "broken-HASH" has timed out progressing\.
bad: summary: Unhealthy: 1 created, 0 updated, 0 unchanged, 0 deleted in [0-9.]+s
bad: not healthy: apps/Deployment/default/broken: Degraded: deployment "broken" exceeded its progress deadline: ReplicaSet "broken-HASH" has timed out progressing\.$'
}

@test "apply: a wait that times out exits 3 and lists what was not healthy" {
	kubesim_start
	mkdir t
	# no such StorageClass: the claim stays Pending
	cat > t/pvc.yaml <<'YAML'
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: stuck, namespace: default}
spec:
  storageClassName: nowhere
  accessModes: [ReadWriteOnce]
  resources:
    requests: {storage: 1Gi}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: fine, namespace: default}
YAML
	run gantry apply --app t --timeout 1s t
	assert_equal "$status" 3
	printf '%s\n' "$output" | strip_ts > out.txt
	run grep -E 'error|not healthy|summary' out.txt
	assert_output --regexp '^t: error: timed out after 1s waiting for PersistentVolumeClaim/default/stuck \(Progressing: Waiting for the claim to be bound \(Pending\)\)
t: summary: Unhealthy: 2 created, 0 updated, 0 unchanged, 0 deleted in [0-9.]+s
t: not healthy: PersistentVolumeClaim/default/stuck: Progressing: Waiting for the claim to be bound \(Pending\)$'
	# --wait=false does not wait, and succeeds
	run gantry apply --app t --wait=false t
	assert_success
}

@test "apply: an immutable field change fails naming the field and both remedies, and the replace annotation replaces" {
	require_kubectl
	kubesim_start
	mkdir i
	cat > i/d.yaml <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - {name: c, image: "nginx:1"}
YAML
	run gantry apply --app i i
	assert_success
	uid=$(kubectl get deployment web -o jsonpath='{.metadata.uid}')
	sed -i 's/app: web}/app: web2}/' i/d.yaml
	run_split gantry apply --app i i
	assert_failure 1
	assert_equal "$stderr" 'error: apps/Deployment/default/web: spec.selector: field is immutable; to delete the object and create it again, annotate it gantry.dev/replace: "true" or run with --replace-immutable'
	sed -i 's/^metadata: {name: web, namespace: default}/metadata: {name: web, namespace: default, annotations: {gantry.dev\/replace: "true"}}/' i/d.yaml
	run gantry apply --app i i
	assert_success
	assert_line --partial "i: replaced apps/Deployment/default/web"
	run kubectl get deployment web -o jsonpath='{.spec.selector.matchLabels.app}'
	assert_output web2
	[ "$(kubectl get deployment web -o jsonpath='{.metadata.uid}')" != "$uid" ]
}

@test "apply: an object of another app is refused before anything is written" {
	require_kubectl
	kubesim_start --audit-log "$AUDIT"
	kubectl create configmap settings -n default --from-literal=a=b
	kubectl label configmap settings gantry.dev/app=billing
	mkdir o
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: default}\ndata: {a: c}\n' > o/cm.yaml
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other, namespace: default}\n' > o/other.yaml
	before=$(write_count)
	run_split gantry apply --app shop o
	assert_failure 1
	assert_equal "$stderr" 'error: ConfigMap/default/settings belongs to app "billing" (its label gantry.dev/app): two apps would fight over it; remove it from one of them, or use --force-conflicts to take it over'
	assert_equal "$(write_count)" "$before"
	run gantry apply --app shop --force-conflicts o
	assert_success
	run kubectl get configmap settings -o jsonpath='{.metadata.labels.gantry\.dev/app} {.data.a}'
	assert_output "shop c"
}

@test "apply: bad input names the file and object, and nothing is written" {
	kubesim_start --audit-log "$AUDIT"
	mkdir b
	cat > b/a.yaml <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: first, namespace: default}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: second
  namespace: default
  annotations: {gantry.dev/wave: soon}
YAML
	run_split gantry apply --app b b
	assert_failure 1
	assert_equal "$stderr" 'error: b/a.yaml:5: ConfigMap/default/second: annotation gantry.dev/wave: "soon" is not an integer (-1000000 to 1000000)'
	assert_equal "$(write_count)" 0
	run_split gantry apply b
	assert_failure 1
	assert_equal "$stderr" "error: --app NAME is required: the app the objects belong to (their label gantry.dev/app and inventory)
Run 'gantry apply --help' for usage."
}

@test "apply --dry-run: client sends no write, server sends every write with dryRun=All" {
	kubesim_start --audit-log "$AUDIT"
	run gantry apply --app shop --dry-run=client mixed
	assert_success
	assert_line --partial "shop: apply started: 12 objects, revision sha256:"
	assert_line --partial ", dry run (client)"
	assert_line --partial "shop: summary: Succeeded: 12 created, 0 updated, 0 unchanged, 0 deleted in "
	assert_equal "$(write_count)" 0
	# as with kubectl, a server dry run needs the namespace to exist
	require_kubectl
	kubectl create namespace shop
	before=$(write_count)
	run gantry apply --app shop --dry-run=server mixed
	assert_success
	# the Widget cannot be sent: its CRD does not exist in a dry run
	assert_line --partial "shop: skipped example.com/Widget/shop/w1: its CustomResourceDefinition is not created in a dry run"
	run bash -c "jq -r 'select(.verb == \"create\") | .query.dryRun | tostring' '$AUDIT' | tail -n +$((before + 1)) | sort -u"
	assert_output All
	run kubectl get configmaps,deployments,customresourcedefinitions -A -l gantry.dev/app=shop -o name
	assert_output ""
}

@test "apply: with 20% of requests failing the apply converges, and the cluster equals the input" {
	kubesim_start --faults rate=0.2,seed=11
	run gantry apply --app shop -n shop mixed
	assert_success
	assert_line --partial "shop: summary: Succeeded: 12 created, 0 updated, 0 unchanged, 0 deleted in "
	# faults off: the plan against the cluster finds nothing to do
	curl -fsS -X POST --data '' "$KUBESIM_URL/kubesim/faults" >/dev/null
	run gantry plan --app shop -n shop mixed
	assert_success
	assert_output "Plan: 0 to create, 0 to update, 0 to delete, 12 unchanged."
}

# a set that waits: wave 0 takes seconds to become ready (kubesim ticks
# once a second), wave 1 waits for it
slow_set() {
	mkdir -p slow
	cat > slow/a.yaml <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: early, namespace: default}
data: {a: b}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: slow, namespace: default}
spec:
  selector:
    matchLabels: {app: slow}
  template:
    metadata:
      labels: {app: slow}
    spec:
      containers:
      - {name: c, image: "nginx:1"}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: later
  namespace: default
  annotations: {gantry.dev/wave: "1"}
data: {a: b}
YAML
}

# wait until FILE has a line matching RE (at most 10 s)
wait_for_line() {
	for _ in $(seq 1 200); do
		grep -q -E "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	cat "$1"
	return 1
}

@test "apply: SIGINT lets requests finish, writes the inventory, says what was not done, exits 1" {
	require_kubectl
	kubesim_start --tick 1s
	slow_set
	"$GANTRY" apply --app s slow > out.txt 2> err.txt &
	pid=$!
	wait_for_line out.txt 'phase wait: started'
	kill -INT "$pid"
	status=0
	wait "$pid" || status=$?
	assert_equal "$status" 1
	run strip_ts < out.txt
	assert_line --regexp '^s: summary: Interrupted: 2 created, 0 updated, 0 unchanged, 0 deleted in [0-9.]+s$'
	assert_line "s: not done: create ConfigMap/default/later"
	run cat err.txt
	assert_output "error: interrupted: 1 change not made (run apply again to finish)"
	run kubectl get configmap gantry-inventory-s -o jsonpath='{.data.outcome}'
	assert_output Interrupted
	run bash -c "kubectl get configmap gantry-inventory-s -o jsonpath='{.data.objects}' | jq -r .name"
	assert_output "early
slow"
	# running again converges
	run gantry apply --app s slow
	assert_success
	assert_line --partial "s: summary: Succeeded: 1 created, 0 updated, 2 unchanged, 0 deleted in "
}

@test "apply: a run killed with SIGKILL and run again converges; nothing it created is left out of the inventory" {
	require_kubectl
	kubesim_start --tick 1s
	slow_set
	"$GANTRY" apply --app k slow > out.txt 2>&1 &
	pid=$!
	wait_for_line out.txt 'phase wait: started'
	kill -KILL "$pid"
	wait "$pid" || true
	# the killed run listed what it was about to create before creating it
	run kubectl get configmap gantry-inventory-k -o jsonpath='{.data.outcome}'
	assert_output InProgress
	# run again without "early": prune finds it through that list
	sed -i '1,5d' slow/a.yaml
	run gantry apply --app k --prune slow
	assert_success
	assert_line --partial "k: deleted ConfigMap/default/early"
	# every object labelled for the app is in its inventory, and the
	# other way round
	run bash -c "kubectl get configmaps,deployments -l gantry.dev/app=k -o jsonpath='{range .items[*]}{.metadata.name}{\"\n\"}{end}' | grep -v gantry-inventory | sort"
	assert_output "later
slow"
	run bash -c "kubectl get configmap gantry-inventory-k -o jsonpath='{.data.objects}' | jq -r 'select(.uid != null) | .name' | sort"
	assert_output "later
slow"
	run gantry plan --app k --prune slow
	assert_output "Plan: 0 to create, 0 to update, 0 to delete, 2 unchanged."
}

@test "apply on a terminal: one live line per phase, finished phases stay with a check mark" {
	command -v script >/dev/null || skip "script(1) is not installed"
	kubesim_start
	# script(1) gives gantry a terminal; escape sequences and carriage
	# returns are taken out to read the lines that stay
	run script -qec "$GANTRY apply --app shop -n shop mixed" /dev/null
	assert_success
	printf '%s\n' "$output" | tr -d '\r' | sed -E 's/\x1b\[[0-9;]*[A-Za-z]//g' > raw.txt
	# colors on a terminal
	grep -q $'\x1b\[32m' <<<"$output"
	run bash -c "grep -E '^(Applying|  [✓✗] |✓ |✗ )' raw.txt | sed -E 's/ in [0-9.]+s$//; s/[0-9]+\.[0-9]s$/T/; s/sha256:[0-9a-f]+/REV/'"
	assert_output "Applying shop: 12 objects, revision REV
  ✓ namespaces 1/1  T
  ✓ pre workloads 1/1  T
  ✓ pre wait   1/1  T
  ✓ crds       1/1  T
  ✓ rbac       3/3  T
  ✓ config     1/1  T
  ✓ storage    1/1  T
  ✓ network    1/1  T
  ✓ workloads  2/2  T
  ✓ custom     1/1  T
  ✓ wait       11/11  T
✓ shop: Succeeded: 12 created, 0 updated, 0 unchanged, 0 deleted"
	# live lines said what they waited for
	grep -q 'waiting for apps/' raw.txt
	# NO_COLOR and --no-color: no color, the same lines
	NO_COLOR=1 run script -qec "$GANTRY apply --app shop -n shop mixed" /dev/null
	assert_success
	! grep -q $'\x1b\[3[0-9]m' <<<"$output"
	run script -qec "$GANTRY apply --no-color --app shop -n shop mixed" /dev/null
	assert_success
	! grep -q $'\x1b\[3[0-9]m' <<<"$output"
	# not a terminal: no escape sequence at all
	run gantry apply --app shop -n shop mixed
	! grep -q $'\x1b' <<<"$output"
}

@test "apply -o json: one event per line, schema version 1" {
	kubesim_start
	mkdir j
	cat > j/a.yaml <<'YAML'
apiVersion: v1
kind: Namespace
metadata: {name: json}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: json}
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests: {storage: 1Gi}
YAML
	run_split gantry apply --app j -n json -o json j
	assert_success
	assert_equal "$stderr" ""
	printf '%s\n' "$output" > events.json
	# every line is one JSON object with the common members
	run jq -c 'select(.version != 1 or .app != "j" or (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$") | not))' events.json
	assert_output ""
	run jq -c 'del(.version, .time, .app, .seconds, .revision)' events.json
	assert_output '{"event":"run.started","objects":2,"dryRun":null}
{"event":"phase.started","phase":"namespaces","hook":null,"wave":0,"total":1}
{"event":"object.applied","phase":"namespaces","id":"Namespace/json","action":"created","detail":null}
{"event":"phase.finished","phase":"namespaces","hook":null,"wave":0,"ok":true,"done":1,"total":1}
{"event":"phase.started","phase":"storage","hook":null,"wave":0,"total":1}
{"event":"object.applied","phase":"storage","id":"PersistentVolumeClaim/json/data","action":"created","detail":null}
{"event":"phase.finished","phase":"storage","hook":null,"wave":0,"ok":true,"done":1,"total":1}
{"event":"phase.started","phase":"wait","hook":null,"wave":0,"total":2}
{"event":"health.changed","id":"PersistentVolumeClaim/json/data","health":"Progressing","message":"Waiting for the claim to be bound (Pending)"}
{"event":"health.changed","id":"PersistentVolumeClaim/json/data","health":"Healthy","message":null}
{"event":"phase.finished","phase":"wait","hook":null,"wave":0,"ok":true,"done":2,"total":2}
{"event":"summary","outcome":"Succeeded","created":2,"updated":0,"unchanged":0,"deleted":0,"unhealthy":[],"notDone":[]}'
	run jq -r 'select(.event == "run.started") | .revision | test("^sha256:[0-9a-f]{16}$")' events.json
	assert_output true
}

@test "apply --plan: a saved plan applies when only resourceVersions moved, and is refused when the cluster changed" {
	require_kubectl
	kubesim_start
	run gantry apply --app shop -n shop mixed
	assert_success
	sed -i 's/mode: fast/mode: slow/' mixed/base.yaml
	run gantry plan --app shop -n shop --out plan.json mixed
	assert_success
	assert_line "Plan: 0 to create, 1 to update, 0 to delete, 11 unchanged."
	# another writer changes fields the plan does not touch: the
	# resourceVersion moves, the change stays the same
	kubectl label configmap settings -n shop team=blue
	run gantry apply --app shop -n shop --plan plan.json
	assert_success
	assert_line --partial "shop: updated ConfigMap/shop/settings"
	# now the field the plan changes moves under it
	sed -i 's/mode: slow/mode: fastest/' mixed/base.yaml
	run gantry plan --app shop -n shop --out plan.json mixed
	assert_success
	kubectl patch configmap settings -n shop -p '{"data":{"mode":"manual"}}'
	run_split gantry apply --app shop -n shop --plan plan.json
	assert_failure 1
	assert_equal "$stderr" "error: plan.json: the cluster changed since the plan was made, 1 object would change differently: ConfigMap/shop/settings (planned: update, now: other changes); make a new plan"
	run kubectl get configmap settings -n shop -o jsonpath='{.data.mode}'
	assert_output manual
}

# a CRD of about 330 KB: 2,500 documented string fields
big_crd() {
	awk -v skip="$1" 'BEGIN {
		print "apiVersion: apiextensions.k8s.io/v1"
		print "kind: CustomResourceDefinition"
		print "metadata:\n  name: bigs.example.com"
		print "spec:\n  group: example.com\n  scope: Namespaced"
		print "  names: {plural: bigs, singular: big, kind: Big}"
		print "  versions:\n  - name: v1\n    served: true\n    storage: true"
		print "    schema:\n      openAPIV3Schema:\n        type: object"
		print "        properties:\n          spec:\n            type: object"
		print "            properties:"
		for (i = 0; i < 2500; i++)
			if (i != skip)
				printf "              field%04d: {type: string, description: \"Field number %d of the big resource, long enough to make the schema large.\"}\n", i, i
	}'
}

@test "apply: a CRD too large for a last-applied annotation applies, and diffs through the inventory" {
	require_kubectl
	kubesim_start
	mkdir big
	big_crd -1 > big/crd.yaml
	[ "$(wc -c < big/crd.yaml)" -gt 300000 ]
	run gantry apply --app big big
	assert_success
	# no annotation over the API server's 262,144 bytes: the
	# configuration is in the inventory instead
	run bash -c "kubectl get crd bigs.example.com -o json | jq -c '.metadata.annotations | keys'"
	assert_output '["gantry.dev/last-applied","gantry.dev/revision"]'
	run bash -c "kubectl get configmap gantry-inventory-big -o jsonpath='{.binaryData.last-applied-0}' | base64 -d | gunzip | jq -r '.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties | length'"
	assert_output 2500
	run gantry plan --app big big
	assert_output "Plan: 0 to create, 0 to update, 0 to delete, 1 unchanged."
	# a field taken out of the manifest is removed, as with any
	# last-applied configuration
	big_crd 7 > big/crd.yaml
	run gantry plan --app big big
	assert_line "~ update apiextensions.k8s.io/CustomResourceDefinition/bigs.example.com"
	assert_line "-              field0007:"
	assert_line "Plan: 0 to create, 1 to update, 0 to delete, 0 unchanged."
	run gantry apply --app big big
	assert_success
	run bash -c "kubectl get crd bigs.example.com -o json | jq '.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties | has(\"field0007\"), length'"
	assert_output "false
2499"
	run gantry plan --app big big
	assert_output "Plan: 0 to create, 0 to update, 0 to delete, 1 unchanged."
}
