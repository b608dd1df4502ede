#!/usr/bin/env bats
# gantry plan|apply|status on the apps of a repository: testdata/repo (the
# five systems), copied into a git repository of its own per test, applied
# to kubesim with testdata/repo/kubesim-stages.yaml playing the operators.
# kubesim's audit log (one JSON line per request, in the order served)
# proves what was written and in which order.
#
# Expected counts come from the golden renders testdata/render/repo-dev.yaml
# and repo-prod.yaml (checked against kubectl kustomize and helm template
# in repo.bats); the expected sets of changes from reading the overlays and
# environment values of testdata/repo (named at each test).

setup() {
	load helpers
	cd "$BATS_TEST_TMPDIR"
	export XDG_CACHE_HOME=$BATS_TEST_TMPDIR/cache
	AUDIT=$BATS_TEST_TMPDIR/audit.log
	STAGES=$GANTRY_TESTDATA/repo/kubesim-stages.yaml
	cp -r "$GANTRY_TESTDATA/repo" r
	git_commit r "the example repository"
	REV=$(git -C r rev-parse HEAD)
}

teardown() {
	kubesim_stop
}

git_commit() { # DIR MESSAGE: commit everything in DIR (a new repo if need be)
	(
		cd "$1" || exit 1
		export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com \
			GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com \
			GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
		[ -d .git ] || git init -q -b main
		git add -A && git commit -q -m "$2"
	)
}

# lines of gantry's plain output without their timestamps
strip_ts() {
	sed -E 's/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z //'
}

# "VERB PATH" of every request kubesim served, in order
audit_all() {
	jq -r '"\(.verb) \(.path)"' "$AUDIT"
}

# only the writes
audit_writes() {
	audit_all | grep -E '^(create|update|patch|delete|deletecollection) ' || true
}

# the line number of the first (or, with -l, last) request matching RE
line_of() {
	local last=
	[ "$1" = -l ] && { last=1; shift; }
	if [ -n "$last" ]; then
		audit_all | grep -nE "$1" | tail -n 1 | cut -d: -f1
	else
		audit_all | grep -nE "$1" | head -n 1 | cut -d: -f1
	fi
}

# the per-app summaries of a plain apply, without their times, sorted
summaries() {
	printf '%s\n' "$1" | strip_ts | grep ': summary: ' |
		sed -E 's/ in [0-9.]+s$//' | sort
}

@test "apps: apply --env dev brings the five systems to Healthy, in dependency and wave order" {
	kubesim_start --stages "$STAGES" --audit-log "$AUDIT"
	run_split gantry apply --repo r --env dev
	assert_success
	assert_equal "$stderr" ""
	# every object created, each app Succeeded (its waits all Healthy)
	assert_equal "$(summaries "$output")" "alluxio: summary: Succeeded: 12 created, 0 updated, 0 unchanged, 0 deleted
arroyo: summary: Succeeded: 7 created, 0 updated, 0 unchanged, 0 deleted
heron: summary: Succeeded: 12 created, 0 updated, 0 unchanged, 0 deleted
spacelift-workerpool: summary: Succeeded: 11 created, 0 updated, 0 unchanged, 0 deleted
volley: summary: Succeeded: 8 created, 0 updated, 0 unchanged, 0 deleted"
	# every app's first line names the commit
	assert_equal "$(printf '%s\n' "$output" | strip_ts | grep -c "apply started: .*, revision $REV\$")" 5

	# the four apps that depend on nothing start at once: each reads its
	# inventory before any of them writes
	first_write=$(audit_all | grep -nE '^(create|update|delete) ' | head -n 1 | cut -d: -f1)
	for ns in alx-ns/configmaps/gantry-inventory-alluxio \
		arroyo/configmaps/gantry-inventory-arroyo \
		heron/configmaps/gantry-inventory-heron \
		spacelift-worker-controller-system/configmaps/gantry-inventory-spacelift-workerpool; do
		l=$(line_of "^get /api/v1/namespaces/$ns\$")
		[ -n "$l" ] && [ "$l" -lt "$first_write" ] ||
			{ echo "$ns read at line $l, first write at $first_write"; return 1; }
	done
	# volley depends on alluxio: its first request of any kind comes
	# after alluxio's last write (the final inventory)
	alluxio_last=$(line_of -l '^update /api/v1/namespaces/alx-ns/configmaps/gantry-inventory-alluxio$')
	volley_first=$(line_of '/namespaces/volley(/|$)')
	[ "$volley_first" -gt "$alluxio_last" ] ||
		{ echo "volley at $volley_first, alluxio's end at $alluxio_last"; return 1; }

	# heron: ZooKeeper (wave 0) is created and waited for (its watch)
	# before the Heron deployments (wave 1) are created
	zk=$(line_of '^create /apis/apps/v1/namespaces/heron/statefulsets$')
	zk_wait=$(line_of '^watch /apis/apps/v1/namespaces/heron/statefulsets$')
	heron=$(line_of '^create /apis/apps/v1/namespaces/heron/deployments$')
	[ "$zk" -lt "$zk_wait" ] && [ "$zk_wait" -lt "$heron" ] ||
		{ echo "zk $zk, its wait $zk_wait, heron $heron"; return 1; }
	# alluxio: the operator (wave 0), then the AlluxioCluster (wave 1),
	# waited for until Ready, then the UnderFileSystem (wave 2)
	operator=$(line_of '^create /apis/apps/v1/namespaces/alluxio-operator/deployments$')
	cluster=$(line_of '^create /apis/k8s-operator.alluxio.com/v1/namespaces/alx-ns/alluxioclusters$')
	cluster_wait=$(line_of '^(watch|get) /apis/k8s-operator.alluxio.com/v1/namespaces/alx-ns/alluxioclusters')
	ufs=$(line_of '^create /apis/k8s-operator.alluxio.com/v1/namespaces/alx-ns/underfilesystems$')
	[ "$operator" -lt "$cluster" ] && [ "$cluster" -lt "$cluster_wait" ] &&
		[ "$cluster_wait" -lt "$ufs" ] ||
		{ echo "operator $operator, cluster $cluster, wait $cluster_wait, ufs $ufs"; return 1; }
	# a CRD before its custom resources: volley's
	crd=$(line_of '^create /apis/apiextensions.k8s.io/v1/customresourcedefinitions$')
	[ "$crd" -lt "$(line_of '^create /apis/volley.io/')" ]

	# and the cluster agrees: every app in sync and Healthy
	run_split gantry status --repo r --env dev -o json
	assert_success
	run jq -c '[.apps[] | [.app, .revision == "'"$REV"'", .outcome, .sync, .health]]' <<<"$output"
	assert_output '[["alluxio",true,"Succeeded","Synced","Healthy"],["arroyo",true,"Succeeded","Synced","Healthy"],["heron",true,"Succeeded","Synced","Healthy"],["spacelift-workerpool",true,"Succeeded","Synced","Healthy"],["volley",true,"Succeeded","Synced","Healthy"]]'
}

@test "apps: a second apply sends no write; --env prod updates exactly what prod changes" {
	require_kubectl
	kubesim_start --stages "$STAGES" --audit-log "$AUDIT"
	gantry apply --repo r --env dev >/dev/null
	writes=$(audit_writes | wc -l)
	run_split gantry apply --repo r --env dev
	assert_success
	assert_equal "$(audit_writes | wc -l)" "$writes"
	assert_equal "$(summaries "$output")" "alluxio: summary: Succeeded: 0 created, 0 updated, 12 unchanged, 0 deleted
arroyo: summary: Succeeded: 0 created, 0 updated, 7 unchanged, 0 deleted
heron: summary: Succeeded: 0 created, 0 updated, 12 unchanged, 0 deleted
spacelift-workerpool: summary: Succeeded: 0 created, 0 updated, 11 unchanged, 0 deleted
volley: summary: Succeeded: 0 created, 0 updated, 8 unchanged, 0 deleted"

	# prod, from testdata/repo: alluxio's overlay patches the
	# AlluxioCluster; arroyo's image.tag 0.14.1 and worker.slots 32 reach
	# the ConfigMap and the Deployment (with its config checksum), whose
	# overlay adds a priority class; heron's overlay sets the replicas of
	# zk and heron-apiserver and patches zk, and dev's image tag for
	# apache/heron (zk, heron-apiserver, heron-tracker) is not prod's;
	# spacelift's set changes the controller Deployment, its overlay the
	# WorkerPool; volley's overlay patches the VolleyApplication and the
	# operator (whose dev image tag is gone too). The inventories are
	# not written: the same commit, the same objects.
	: > "$AUDIT"
	run_split gantry apply --repo r --env prod
	assert_success
	assert_equal "$(audit_writes | sort)" "update /api/v1/namespaces/arroyo/configmaps/arroyo-config
update /apis/apps/v1/namespaces/arroyo/deployments/arroyo-controller
update /apis/apps/v1/namespaces/heron/deployments/heron-apiserver
update /apis/apps/v1/namespaces/heron/deployments/heron-tracker
update /apis/apps/v1/namespaces/heron/statefulsets/zk
update /apis/apps/v1/namespaces/spacelift-worker-controller-system/deployments/spacelift-workerpool-controller-controller-manager
update /apis/apps/v1/namespaces/volley/deployments/volley-operator
update /apis/k8s-operator.alluxio.com/v1/namespaces/alx-ns/alluxioclusters/alluxio-cluster
update /apis/volley.io/v1/namespaces/volley/volleyapplications/scoreboard
update /apis/workers.spacelift.io/v1beta1/namespaces/spacelift-worker-controller-system/workerpools/test-workerpool"
	assert_equal "$(summaries "$output")" "alluxio: summary: Succeeded: 0 created, 1 updated, 11 unchanged, 0 deleted
arroyo: summary: Succeeded: 0 created, 2 updated, 5 unchanged, 0 deleted
heron: summary: Succeeded: 0 created, 3 updated, 9 unchanged, 0 deleted
spacelift-workerpool: summary: Succeeded: 0 created, 2 updated, 9 unchanged, 0 deleted
volley: summary: Succeeded: 0 created, 2 updated, 6 unchanged, 0 deleted"
	# the values reached the cluster
	run kubectl get statefulset zk -n heron -o jsonpath='{.spec.replicas}'
	assert_output 3
	run kubectl get deployment arroyo-controller -n arroyo -o jsonpath='{.spec.template.spec.containers[0].image}'
	assert_output ghcr.io/arroyosystems/arroyo:0.14.1
}

@test "apps: a commit that removes an object prunes only it; apply --revision HEAD~1 restores it, and its plan shows the revert" {
	require_kubectl
	kubesim_start --stages "$STAGES" --audit-log "$AUDIT"
	gantry apply --repo r --env dev >/dev/null
	git -C r rm -q apps/arroyo/chart/templates/service.yaml
	git_commit r "arroyo: no Service"
	NEW=$(git -C r rev-parse HEAD)

	run_split gantry plan --repo r --env dev arroyo
	assert_success
	assert_line --index 0 "App arroyo (namespace arroyo, context kubesim): revision ${REV:0:12} -> ${NEW:0:12}"
	assert_line --index 1 "- delete Service/arroyo/arroyo"
	assert_line "Plan: 0 to create, 0 to update, 1 to delete, 6 unchanged."

	: > "$AUDIT"
	run_split gantry apply --repo r --env dev
	assert_success
	# the new commit rewrites no object that it leaves unchanged; every
	# app's inventory records the revision now applied
	assert_equal "$(audit_writes | sort)" "delete /api/v1/namespaces/arroyo/services/arroyo
update /api/v1/namespaces/alx-ns/configmaps/gantry-inventory-alluxio
update /api/v1/namespaces/arroyo/configmaps/gantry-inventory-arroyo
update /api/v1/namespaces/heron/configmaps/gantry-inventory-heron
update /api/v1/namespaces/spacelift-worker-controller-system/configmaps/gantry-inventory-spacelift-workerpool
update /api/v1/namespaces/volley/configmaps/gantry-inventory-volley"
	run kubectl get service arroyo -n arroyo
	assert_failure
	run kubectl get configmap gantry-inventory-arroyo -n arroyo -o jsonpath='{.data.revision}'
	assert_output "$NEW"
	# objects keep the revision that last wrote them
	run kubectl get deployment arroyo-controller -n arroyo -o jsonpath='{.metadata.annotations.gantry\.dev/revision}'
	assert_output "$REV"

	# the rollback: its plan shows what it reverts
	run_split gantry plan --repo r --env dev --revision HEAD~1
	assert_success
	assert_line "App arroyo (namespace arroyo, context kubesim): revision ${NEW:0:12} -> ${REV:0:12}"
	assert_line "+ create Service/arroyo/arroyo"
	assert_line "Total: 1 to create, 0 to update, 0 to delete, 49 unchanged, in 5 apps."
	: > "$AUDIT"
	run_split gantry apply --repo r --env dev --revision HEAD~1
	assert_success
	# arroyo's inventory twice: before the create, listing what it is
	# about to create (gantry-apply(1), INVENTORY), and at the end
	assert_equal "$(audit_writes | sort)" "create /api/v1/namespaces/arroyo/services
update /api/v1/namespaces/alx-ns/configmaps/gantry-inventory-alluxio
update /api/v1/namespaces/arroyo/configmaps/gantry-inventory-arroyo
update /api/v1/namespaces/arroyo/configmaps/gantry-inventory-arroyo
update /api/v1/namespaces/heron/configmaps/gantry-inventory-heron
update /api/v1/namespaces/spacelift-worker-controller-system/configmaps/gantry-inventory-spacelift-workerpool
update /api/v1/namespaces/volley/configmaps/gantry-inventory-volley"
	run kubectl get service arroyo -n arroyo -o jsonpath='{.metadata.annotations.gantry\.dev/revision}'
	assert_output "$REV"
	# the working tree was not touched
	assert_equal "$(git -C r status --porcelain)" ""
	[ ! -e r/apps/arroyo/chart/templates/service.yaml ]
}

@test "apps: a commit adding a version to spacelift's CRDs is applied (Helm leaves crds/ alone on upgrade)" {
	require_kubectl
	kubesim_start --stages "$STAGES" --audit-log "$AUDIT"
	gantry apply --repo r --env dev spacelift-workerpool >/dev/null
	run kubectl get crd workerpools.workers.spacelift.io -o jsonpath='{.spec.versions[*].name}'
	assert_output v1beta1
	# v1beta2, served and not stored, at the end of spec.versions (the
	# last key of the file)
	cat >> r/apps/spacelift-workerpool/controller/crds/workerpools.yaml <<'YAML'
    - name: v1beta2
      served: true
      storage: false
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
YAML
	git_commit r "spacelift: WorkerPool v1beta2"
	: > "$AUDIT"
	run_split gantry apply --repo r --env dev spacelift-workerpool
	assert_success
	assert_equal "$(audit_writes)" "update /apis/apiextensions.k8s.io/v1/customresourcedefinitions/workerpools.workers.spacelift.io
update /api/v1/namespaces/spacelift-worker-controller-system/configmaps/gantry-inventory-spacelift-workerpool"
	run kubectl get crd workerpools.workers.spacelift.io -o jsonpath='{.spec.versions[*].name}'
	assert_output "v1beta1 v1beta2"
	# served: the new version answers
	run kubectl get workerpools.v1beta2.workers.spacelift.io -n spacelift-worker-controller-system -o name
	assert_success
	assert_output workerpool.workers.spacelift.io/test-workerpool
}

@test "apps: status shows the revision, sync and health of each object; exit 3 when one is missing" {
	require_kubectl
	kubesim_start --stages "$STAGES"
	# before anything is applied: nothing recorded, everything Missing
	run_split gantry status --repo r --env dev arroyo
	assert_equal "$status" 3
	assert_line --index 0 "APP      REVISION   APPLIED   OUTCOME   SYNC        HEALTH"
	assert_line --index 1 "arroyo   -          -         -         OutOfSync   Missing"

	gantry apply --repo r --env dev >/dev/null
	run_split gantry status --repo r --env dev
	assert_success
	assert_equal "$stderr" ""
	# the table of apps, with the times of the inventories blanked; then
	# each app's objects (arroyo's shown, in the order of the golden
	# render): as kubectl pads its columns, 3 spaces after the widest cell
	row() { printf '%-23s%-15s%-23s%-12s%-9s%s\n' "$@"; }
	printf '%s\n' "$output" | sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z/YYYY-MM-DDTHH:MM:SSZ/' > out.txt
	assert_equal "$(head -n 6 out.txt)" "$(row APP REVISION APPLIED OUTCOME SYNC HEALTH
		for a in alluxio arroyo heron spacelift-workerpool volley; do
			row $a "${REV:0:12}" YYYY-MM-DDTHH:MM:SSZ Succeeded Synced Healthy
		done)"
	obj() { printf '  %-54s%-9s%s\n' "$@"; }
	run grep -A 8 '^arroyo (' out.txt
	assert_output "arroyo (namespace arroyo, context kubesim): Synced, 0 changes
$(obj OBJECT SYNC 'HEALTH    MESSAGE' | sed 's/ *$//')
$(obj Namespace/arroyo Synced Healthy)
$(obj ServiceAccount/arroyo/arroyo Synced Healthy)
$(obj ConfigMap/arroyo/arroyo-config Synced Healthy)
$(obj rbac.authorization.k8s.io/Role/arroyo/arroyo Synced Healthy)
$(obj rbac.authorization.k8s.io/RoleBinding/arroyo/arroyo Synced Healthy)
$(obj Service/arroyo/arroyo Synced Healthy)
$(obj apps/Deployment/arroyo/arroyo-controller Synced Healthy)"

	# someone deletes a ConfigMap: arroyo is out of sync, the object
	# Missing, the exit status 3; the other apps stay as they were
	kubectl delete configmap arroyo-config -n arroyo >/dev/null
	run_split gantry status --repo r --env dev -o json
	assert_equal "$status" 3
	json=$output
	run jq -c '.apps[] | select(.app == "arroyo") | [.sync, .changes, .health, (.objects[] | select(.health != "Healthy"))]' <<<"$json"
	assert_output '["OutOfSync",1,"Missing",{"id":"ConfigMap/arroyo/arroyo-config","sync":"OutOfSync","health":"Missing","message":null}]'
	run jq -c '[.apps[] | select(.app != "arroyo") | .health] | unique' <<<"$json"
	assert_output '["Healthy"]'
	# a status of the other apps alone is fine
	run gantry status --repo r --env dev alluxio volley
	assert_success
}

@test "apps: an app is skipped when the app it depends on is not healthy" {
	# without the stages nothing plays alluxio's operator: its
	# AlluxioCluster never becomes Ready
	kubesim_start --audit-log "$AUDIT"
	run_split gantry apply --repo r --env dev --timeout 1s alluxio volley
	assert_failure 1
	assert_equal "$stderr" "error: volley: not applied: it depends on alluxio, which is not healthy"
	# the UnderFileSystem (wave 2) is not created either
	assert_equal "$(summaries "$output")" "alluxio: summary: Unhealthy: 11 created, 0 updated, 0 unchanged, 0 deleted"
	run grep -c 'volley: skipped: not applied: it depends on alluxio, which is not healthy$' <<<"$output"
	assert_output 1
	# nothing of volley was even read
	[ -z "$(audit_all | grep '/namespaces/volley')" ]
}

@test "apps: a broken app.yaml stops everything before any request; usage errors" {
	kubesim_start --stages "$STAGES" --audit-log "$AUDIT"
	# volley's createNamespace, not a boolean
	line=$(grep -n '^  createNamespace: true$' r/apps/volley/app.yaml | cut -d: -f1)
	sed -i 's/^  createNamespace: true$/  createNamespace: yes please/' r/apps/volley/app.yaml
	for cmd in apply plan status; do
		run_split gantry "$cmd" --repo r --env dev
		assert_failure 1
		assert_output ""
		assert_equal "$stderr" "error: r/apps/volley/app.yaml:$line:3: spec.createNamespace: expected a boolean, got a string"
	done
	assert_equal "$(audit_all)" ""
	# a manifest that does not parse: apply writes nothing anywhere
	git -C r checkout -q apps/volley/app.yaml
	printf 'kind: ConfigMap\nmetadata: {name: x\n' > r/apps/arroyo/chart/templates/extra.yaml
	run_split gantry apply --repo r --env dev
	assert_failure 1
	[[ $stderr == "error: r/apps/arroyo/app.yaml:13:7: spec.sources[0]: "*"extra.yaml"* ]] || { echo "$stderr"; return 1; }
	assert_equal "$(audit_writes)" ""
	# an unknown app or environment
	run_split gantry apply --repo r --env dev nosuch
	assert_failure 1
	assert_equal "$stderr" "error: no app named nosuch (apps: alluxio, arroyo, heron, spacelift-workerpool, volley)"
	run_split gantry status --repo r --env qa
	assert_failure 1
	assert_equal "$stderr" "error: unknown environment qa (r/gantry.yaml defines: dev, prod)"
	assert_equal "$(audit_writes)" ""
	# options of the manifest forms do not go with apps
	run_split gantry apply --repo r --app x
	assert_failure 1
	assert_equal "$stderr" "error: --app NAME applies manifest paths; --env, --repo, --revision, --ssh-key and --parallel are for the apps of a repository
Run 'gantry apply --help' for usage."
	run_split gantry plan --repo r --out plan.json
	assert_failure 1
	assert_equal "$stderr" "error: --out saves one app's plan: use --app NAME with manifest paths
Run 'gantry plan --help' for usage."
	run_split gantry apply --repo r -n shop
	assert_failure 1
	assert_equal "$stderr" "error: --namespace goes with --app: an app's namespace comes from its spec
Run 'gantry apply --help' for usage."
}

@test "apps: plan -o json, one document with each app's plan" {
	kubesim_start --stages "$STAGES"
	gantry apply --repo r --env dev heron >/dev/null
	run_split gantry plan --repo r --env prod -o json heron arroyo
	assert_success
	run jq -c '[.kind, .version, [.apps[] | [.app, .namespace, .context, .liveRevision == "'"$REV"'", .revision == "'"$REV"'", .error, .plan.summary]]]' <<<"$output"
	# arroyo was never applied; heron's prod changes are 3 (see above)
	assert_output '["AppPlans",1,[["arroyo","arroyo","kubesim",false,true,null,{"create":7,"update":0,"delete":0,"unchanged":0}],["heron","heron","kubesim",true,true,null,{"create":0,"update":3,"delete":0,"unchanged":9}]]]'
	run_split gantry plan --repo r --env prod --detailed-exitcode heron
	assert_equal "$status" 2
	run_split gantry plan --repo r --env dev --detailed-exitcode heron
	assert_success
}
