#!/usr/bin/env bats
# Apps of a repository: gantry render APP --env, --revision, --repo URL,
# gantry apps, and testdata/repo (the five systems) rendered per
# environment and accepted by kubesim.

setup_file() {
	load helpers
	# testdata/repo as a repository of its own with one commit, so that
	# its revision is known whatever the state of the gantry checkout
	export R="$BATS_FILE_TMPDIR/repo"
	cp -r "$GANTRY_TESTDATA/repo" "$R"
	git_commit "$R" "the example repository"
	export REV
	REV=$(git -C "$R" rev-parse HEAD)
}

setup() {
	load helpers
	cd "$BATS_TEST_TMPDIR"
}

teardown() {
	kubesim_stop
	if [ -s "$BATS_TEST_TMPDIR/githttp.pid" ]; then
		kill "$(cat "$BATS_TEST_TMPDIR/githttp.pid")" 2>/dev/null || true
	fi
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

# The objects of a JSON render as sorted lines "KIND/NAMESPACE/NAME PATH =
# VALUE", one per scalar, so that two renders compare field by field
# whatever their order.
flat() {
	jq -r '.[] | (.kind + "/" + (.metadata.namespace // "") + "/" +
		.metadata.name) as $id | . as $o | [paths(scalars)] | .[] as $p |
		"\($id) \($p | map(tostring) | join(".")) = \($o | getpath($p) |
		tojson)"' | LC_ALL=C sort
}

@test "golden: testdata/repo rendered for dev and for prod" {
	for env in dev prod; do
		run_split gantry render --repo "$R" --env "$env"
		assert_success
		assert_equal "$stderr" ""
		# the revision is the commit made above
		assert_equal "$(printf '%s\n' "$output" |
			grep -c "gantry.dev/revision: $REV\$")" \
			"$(printf '%s\n' "$output" | grep -c '^kind: ')"
		assert_equal "$(printf '%s\n' "$output" | sed "s/$REV/REVISION/")" \
			"$(cat "$GANTRY_TESTDATA/render/repo-$env.yaml")"
	done
}

@test "golden: dev against prod, field by field, is exactly what the environments change" {
	gantry render --repo "$R" --env dev -o json | flat > dev
	gantry render --repo "$R" --env prod -o json | flat > prod
	# the arroyo controller's config checksum follows its ConfigMap, which
	# is checked below: leave both out here
	grep -v 'checksum/config\|data.config.yaml' dev > dev.f
	grep -v 'checksum/config\|data.config.yaml' prod > prod.f
	run bash -c "LC_ALL=C comm -3 dev.f prod.f | sed 's/^\t/+ /; t; s/^/- /'"
	A=AlluxioCluster/alx-ns/alluxio-cluster
	AD=Deployment/arroyo/arroyo-controller
	HA=Deployment/heron/heron-apiserver
	HT=Deployment/heron/heron-tracker
	Z=StatefulSet/heron/zk
	SD=Deployment/spacelift-worker-controller-system/spacelift-workerpool-controller-controller-manager
	SP=WorkerPool/spacelift-worker-controller-system/test-workerpool
	VD=Deployment/volley/volley-operator
	VA=VolleyApplication/volley/scoreboard
	C=spec.template.spec.containers
	# alluxio: prod's overlay; arroyo: prod's values, set and overlay;
	# heron: dev's image tag, prod's replicas and ZooKeeper patch;
	# spacelift: prod's set and overlay; volley: dev's image tag, prod's
	# patches. One line per field, in byte order (comm's): the line of
	# the smaller value first, whichever environment it comes from.
	assert_output "- $A spec.imageTag = \"AI-3.6-12.0.2\"
+ $A spec.imageTag = \"AI-3.6-12.1.0\"
- $A spec.worker.count = 2
+ $A spec.worker.count = 4
+ $A spec.worker.resources.requests.memory = \"32Gi\"
- $A spec.worker.resources.requests.memory = \"8Gi\"
- $AD $C.0.image = \"ghcr.io/arroyosystems/arroyo:0.14.0\"
+ $AD $C.0.image = \"ghcr.io/arroyosystems/arroyo:0.14.1\"
+ $AD $C.0.resources.limits.memory = \"1Gi\"
+ $AD $C.0.resources.requests.cpu = \"1\"
- $AD $C.0.resources.requests.cpu = \"500m\"
+ $AD $C.0.resources.requests.memory = \"1Gi\"
- $AD $C.0.resources.requests.memory = \"256Mi\"
+ $AD spec.template.spec.priorityClassName = \"system-cluster-critical\"
- $HA spec.replicas = 1
+ $HA spec.replicas = 2
+ $HA $C.0.image = \"apache/heron:0.20.5-incubating\"
- $HA $C.0.image = \"apache/heron:0.20.6-incubating\"
+ $HT $C.0.image = \"apache/heron:0.20.5-incubating\"
- $HT $C.0.image = \"apache/heron:0.20.6-incubating\"
+ $HT $C.1.image = \"apache/heron:0.20.5-incubating\"
- $HT $C.1.image = \"apache/heron:0.20.6-incubating\"
- $SD spec.replicas = 1
+ $SD spec.replicas = 2
- $SD $C.0.image = \"public.ecr.aws/spacelift/kube-workerpool-controller:v0.0.32\"
+ $SD $C.0.image = \"public.ecr.aws/spacelift/kube-workerpool-controller:v0.0.33\"
+ $VD $C.0.image = \"ghcr.io/volley-io/volley-operator:v1.0.0\"
- $VD $C.0.image = \"ghcr.io/volley-io/volley-operator:v1.1.0-rc.1\"
+ $VD $C.0.resources.limits.memory = \"1Gi\"
- $VD $C.0.resources.limits.memory = \"256Mi\"
- $VD $C.0.resources.requests.cpu = \"100m\"
+ $VD $C.0.resources.requests.cpu = \"500m\"
- $VD $C.0.resources.requests.memory = \"128Mi\"
+ $VD $C.0.resources.requests.memory = \"512Mi\"
- $Z spec.replicas = 1
+ $Z spec.replicas = 3
- $Z $C.0.env.0.value = \"zk-0\"
+ $Z $C.0.env.0.value = \"zk-0,zk-1,zk-2\"
+ $Z $C.0.image = \"apache/heron:0.20.5-incubating\"
- $Z $C.0.image = \"apache/heron:0.20.6-incubating\"
+ $Z $C.0.resources.requests.cpu = \"1\"
- $Z $C.0.resources.requests.cpu = \"250m\"
+ $Z $C.0.resources.requests.memory = \"2Gi\"
- $Z $C.0.resources.requests.memory = \"512Mi\"
- $VA spec.replicas = 1
+ $VA spec.replicas = 3
+ $VA spec.resources.requests.cpu = \"1\"
- $VA spec.resources.requests.cpu = \"250m\"
+ $VA spec.resources.requests.memory = \"1Gi\"
- $VA spec.resources.requests.memory = \"256Mi\"
- $SP spec.poolSize = 2
+ $SP spec.poolSize = 4"
	# the ConfigMap: prod's image tag and 32 task slots, nothing else
	grep 'data.config.yaml' dev | sed 's/.* = //' | jq -r . > dev.cfg
	grep 'data.config.yaml' prod | sed 's/.* = //' | jq -r . > prod.cfg
	run diff dev.cfg prod.cfg
	assert_output '17c17
<     image: "ghcr.io/arroyosystems/arroyo:0.14.0"
---
>     image: "ghcr.io/arroyosystems/arroyo:0.14.1"
24c24
<     task-slots: 16
---
>     task-slots: 32'
}

@test "render APP --env: one app, its Namespace first, labelled and annotated" {
	run_split gantry render --repo "$R" --env prod heron -o json
	assert_success
	assert_equal "$stderr" ""
	run jq -r '.[] | "\(.kind) \(.metadata.namespace // "-") \(.metadata.name) \(.metadata.labels["gantry.dev/app"]) \(.metadata.annotations["gantry.dev/revision"] == env.REV) \(.metadata.annotations["gantry.dev/wave"] // "0")"' <<<"$output"
	# kustomize's order for the kustomization (its legacy kind order),
	# the namespace of every namespaced object, the generated ConfigMap's
	# name with its hash
	assert_output "Namespace - heron heron true 0
ServiceAccount heron heron-apiserver heron true 1
Role heron heron-apiserver heron true 1
RoleBinding heron heron-apiserver heron true 1
ConfigMap heron heron-config-7hgh7b5h7m heron true 1
Service heron heron-apiserver heron true 1
Service heron heron-ui heron true 1
Service heron zookeeper heron true 0
Deployment heron heron-apiserver heron true 1
Deployment heron heron-tracker heron true 1
StatefulSet heron zk heron true 0
PodDisruptionBudget heron zk-budget heron true 0"
}

@test "render: no APP renders every app in dependency order; in the repository, no --repo" {
	cd "$R"
	run_split gantry render -o json
	assert_success
	# volley depends on alluxio: after it; the others by name
	run jq -r '[.[] | .metadata.labels["gantry.dev/app"]] | reduce .[] as $a ([]; if .[-1] == $a then . else . + [$a] end) | join(" ")' <<<"$output"
	assert_output "alluxio arroyo heron spacelift-workerpool volley"
}

@test "render: a path keeps its old meaning, an app name is an app" {
	cd "$R"
	run_split gantry render apps/volley/manifests/storage.yaml
	assert_success
	assert_output "apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: volley-shared
spec:
  accessModes:
  - ReadWriteMany
  resources:
    requests:
      storage: 10Gi"
	run_split gantry render volley -o json
	assert_success
	run jq -r '.[0].kind + " " + .[0].metadata.name' <<<"$output"
	assert_output "Namespace volley"
	run_split gantry render apps/volley/app.yaml volley
	assert_failure 1
	assert_equal "$stderr" "error: apps/volley/app.yaml is a path and volley is not: give manifest paths, or app names (with --repo DIR for apps whose names are also paths here)
Run 'gantry render --help' for usage."
}

@test "render errors: an unknown app, an unknown environment, --chart with app options" {
	run_split gantry render --repo "$R" volly
	assert_failure 1
	assert_equal "$stderr" "error: no app named volly (apps: alluxio, arroyo, heron, spacelift-workerpool, volley)"
	run_split gantry render --repo "$R" --env staging
	assert_failure 1
	assert_equal "$stderr" "error: unknown environment staging ($R/gantry.yaml defines: dev, prod)"
	run_split gantry render --chart "$R/apps/arroyo/chart" --env dev
	assert_failure 1
	assert_equal "${stderr%%$'\n'*}" "error: --chart renders one chart; app options (--env, --repo, --revision, --ssh-key) are for apps"
	run_split gantry render --repo "$BATS_TEST_TMPDIR"
	assert_failure 1
	assert_equal "$stderr" "error: $BATS_TEST_TMPDIR/gantry.yaml: no gantry.yaml at the root of the repository (see gantry.yaml(5))"
	run_split gantry render --repo "$R" --revision nosuch
	assert_failure 1
	assert_equal "$stderr" "error: nosuch: unknown revision (no branch, tag or commit by that name)"
}

@test "render: a source error names the app file, line and field" {
	cp -r "$R" r2
	sed -i 's/checkpointUrl: .*/checkpointUrl: ""/' r2/apps/arroyo/values.yaml
	run_split gantry render --repo r2 arroyo
	assert_failure 1
	# line 13 of app.yaml is the source's "- chart:"; Helm renders
	# deployment.yaml (which includes the ConfigMap for its checksum)
	# before configmap.yaml, so the error is met there first
	assert_equal "$stderr" 'error: r2/apps/arroyo/app.yaml:13:7: spec.sources[0]: execution error at (arroyo/templates/deployment.yaml:21:28): checkpointUrl is required'
}

@test "--revision: an older commit, read from git without touching the working tree" {
	cp -r "$R" r && cd r
	sed -i 's/poolSize: 2/poolSize: 5/' apps/spacelift-workerpool/pool/workerpool.yaml
	git_commit . "five workers"
	head=$(git rev-parse HEAD)
	# the working tree goes further: uncommitted, and a chart deleted
	sed -i 's/poolSize: 5/poolSize: 7/' apps/spacelift-workerpool/pool/workerpool.yaml
	rm -r apps/arroyo/chart
	before=$(git status --porcelain)
	pool() { jq -r '.[] | select(.kind == "WorkerPool") | "\(.spec.poolSize) \(.metadata.annotations["gantry.dev/revision"])"'; }
	run_split gantry render --revision HEAD~1 -o json
	assert_success
	assert_equal "$(pool <<<"$output")" "2 $REV"
	run_split gantry render --revision HEAD -o json
	assert_success
	assert_equal "$(pool <<<"$output")" "5 $head"
	# the deleted chart renders from the commit
	# Namespace, ServiceAccount, Role, RoleBinding, ConfigMap, Service,
	# Deployment
	run jq -r '[.[] | select(.metadata.labels["gantry.dev/app"] == "arroyo")] | length' <<<"$output"
	assert_output 7
	assert_equal "$(git status --porcelain)" "$before"
	git tag v5 HEAD
	run_split gantry render --revision v5 spacelift-workerpool -o json
	assert_equal "$(pool <<<"$output")" "5 $head"
	# the working tree itself: dirty
	git checkout -q -- apps/arroyo
	run_split gantry render spacelift-workerpool -o json
	assert_success
	assert_equal "$(pool <<<"$output")" "7 $head-dirty"
}

@test "--repo URL: cloned into the cache, fetched on the next run" {
	export XDG_CACHE_HOME="$BATS_TEST_TMPDIR/cache"
	cp -r "$R" origin
	url="file://$BATS_TEST_TMPDIR/origin"
	run_split gantry render --repo "$url" volley -o json
	assert_success
	assert_equal "$stderr" ""
	run jq -r '.[0].metadata.annotations["gantry.dev/revision"]' <<<"$output"
	assert_output "$REV"
	[ "$(ls "$XDG_CACHE_HOME/gantry/repos" | wc -l)" -eq 1 ]
	sed -i 's/replicas: 1$/replicas: 2/' origin/apps/volley/manifests/application.yaml
	git_commit origin "two scoreboards"
	new=$(git -C origin rev-parse HEAD)
	run_split gantry render --repo "$url" volley -o json
	assert_success
	run jq -r '.[] | select(.kind == "VolleyApplication") | "\(.spec.replicas) \(.metadata.annotations["gantry.dev/revision"])"' <<<"$output"
	assert_output "2 $new"
	run_split gantry render --repo "$url" --revision HEAD~1 volley -o json
	run jq -r '.[] | select(.kind == "VolleyApplication") | .spec.replicas' <<<"$output"
	assert_output 1
	[ "$(ls "$XDG_CACHE_HOME/gantry/repos" | wc -l)" -eq 1 ]
	run_split gantry apps --repo "file://$BATS_TEST_TMPDIR/none"
	assert_failure 1
	assert_equal "${stderr%%:*}" "error"
	[[ "$stderr" == "error: cloning: fetching: file://$BATS_TEST_TMPDIR/none: "* ]]
}

@test "--repo URL over HTTP: GANTRY_GIT_TOKEN answers the server's challenge and is never shown" {
	export XDG_CACHE_HOME="$BATS_TEST_TMPDIR/cache"
	mkdir srv
	git clone -q --bare "$R" srv/repo.git
	python3 "$BATS_TEST_DIRNAME/tools/githttp.py" "$BATS_TEST_TMPDIR/srv" \
		s3cret-t0ken "$BATS_TEST_TMPDIR/port" 3>&- &
	echo $! > githttp.pid
	for _ in $(seq 1 100); do [ -s port ] && break; sleep 0.05; done
	url="http://127.0.0.1:$(cat port)/repo.git"
	# no token: nothing answers the server's 401
	GANTRY_GIT_TOKEN= run_split gantry apps --repo "$url"
	assert_failure 1
	assert_equal "$stderr" "error: cloning: fetching: $url: the server asks for credentials and there are none to offer (a token in GANTRY_GIT_TOKEN, or for ssh an agent or --ssh-key)"
	# a wrong token is offered once, refused, and not shown
	GANTRY_GIT_TOKEN=wrong-t0ken run_split gantry apps --repo "$url"
	assert_failure 1
	assert_equal "$stderr" "error: cloning: fetching: $url: authentication failed (tried: GANTRY_GIT_TOKEN)"
	GANTRY_GIT_TOKEN=s3cret-t0ken run_split gantry apps --repo "$url"
	assert_success
	assert_equal "$stderr" ""
	assert_line --index 0 --regexp '^NAME +NAMESPACE +DEPENDS-ON'
	assert_line --index 5 --regexp '^volley +volley +alluxio '
	# sent as the password of x-access-token (GitHub's documented user),
	# and kept nowhere in the cache
	grep -qx "Basic $(printf 'x-access-token:s3cret-t0ken' | base64)" auth.log
	run grep -rl s3cret "$XDG_CACHE_HOME"
	assert_failure
	# in a URL, it is scrubbed from messages
	run_split gantry apps --repo "http://x:s3cret-t0ken@127.0.0.1:$(cat port)/none.git"
	assert_failure 1
	[[ "$stderr" != *s3cret* ]]
}

@test "apps: the apps, dependencies first, as text and JSON" {
	run_split gantry apps --repo "$R"
	assert_success
	assert_output "NAME                   NAMESPACE                            DEPENDS-ON   ENVIRONMENTS   SOURCES
alluxio                alx-ns                               -            prod           manifests:apps/alluxio/operator manifests:apps/alluxio/cluster
arroyo                 arroyo                               -            dev,prod       chart:apps/arroyo/chart
heron                  heron                                -            dev,prod       kustomize:apps/heron/base
spacelift-workerpool   spacelift-worker-controller-system   -            prod           chart:apps/spacelift-workerpool/controller manifests:apps/spacelift-workerpool/pool
volley                 volley                               alluxio      dev,prod       manifests:apps/volley/manifests"
	run_split gantry apps --repo "$R" -o json
	assert_success
	json=$output
	run jq -c '.[] | select(.name == "volley")' <<<"$json"
	assert_output '{"name":"volley","path":"apps/volley","namespace":"volley","createNamespace":true,"dependsOn":["alluxio"],"level":1,"sources":[{"manifests":"apps/volley/manifests"}],"overlays":["apps/volley/overlays/common"],"environments":{"dev":{"overlays":["apps/volley/overlays/dev"]},"prod":{"overlays":["apps/volley/overlays/prod"]}},"health":[{"group":"volley.io","kind":"VolleyApplication","field":"status.phase","healthy":["Running"],"progressing":["Pending"],"degraded":["Degraded","Failed"]}],"ignoreDifferences":[{"group":"apps","kind":"Deployment","name":"volley-operator","paths":["/spec/replicas"]}],"sensitive":[],"sync":{"prune":true,"timeoutSeconds":180,"concurrency":8}}'
	run jq -c '.[] | select(.name == "arroyo") | .sources' <<<"$json"
	assert_output '[{"chart":"apps/arroyo/chart","release":"arroyo","values":["apps/arroyo/values.yaml"]}]'
	run_split gantry apps --repo "$R" extra
	assert_failure 1
}

# Namespaces and CRDs for real (a dry run creates nothing), then every
# object of the render as a server-side dry run.
@test "kubesim accepts every object of testdata/repo, in dev and in prod" {
	require_kubectl
	kubesim_start --stages "$GANTRY_TESTDATA/repo/kubesim-stages.yaml"
	for env in dev prod; do
		gantry render --repo "$R" --env "$env" -o json > "$env.json"
		# a stream of JSON objects (kubectl reads them one by one)
		jq '.[] | select(.kind == "Namespace" or .kind == "CustomResourceDefinition")' "$env.json" > pre.json
		kubectl apply -f pre.json >/dev/null
		kubectl wait --for=condition=Established crd --all --timeout=30s >/dev/null
		jq '.[]' "$env.json" > all.json
		run kubectl apply --dry-run=server -f all.json
		assert_success
		# one line per object, each accepted
		assert_equal "$(grep -c '(server dry run)$' <<<"$output")" "$(jq length "$env.json")"
	done
}

@test "path safety: an overlay's or a chart's link out of the repository, on disk and in a commit" {
	cp -r "$R" r
	echo 'secret: x' > outside.yaml
	ln -s ../../../../../outside.yaml r/apps/volley/overlays/prod/leak.yaml
	sed -i 's/  - path: operator.yaml/  - path: operator.yaml\n  - path: leak.yaml/' \
		r/apps/volley/overlays/prod/kustomization.yaml
	ln -s /etc/hostname r/apps/arroyo/chart/templates/host.yaml
	git_commit r "links out"
	for rev in "" HEAD; do
		run_split gantry render --repo r ${rev:+--revision $rev} --env prod volley
		assert_failure 1
		assert_output ""
		# line 7 of the kustomization names leak.yaml
		assert_equal "$stderr" "error: r/apps/volley/overlays/prod/kustomization.yaml:7:5: r/apps/volley/overlays/prod/leak.yaml is outside the repository r"
	done
	run_split gantry render --repo r arroyo
	assert_failure 1
	assert_equal "$stderr" "error: r/apps/arroyo/app.yaml:13:7: spec.sources[0]: r/apps/arroyo/chart/templates/host.yaml: outside the repository r"
	run_split gantry render --repo r --revision HEAD arroyo
	assert_failure 1
	assert_equal "$stderr" "error: r/apps/arroyo/app.yaml:13:7: spec.sources[0]: a symbolic link leads out: r/apps/arroyo/chart/templates/host.yaml: outside the repository r"
}
