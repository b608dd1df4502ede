#!/usr/bin/env bats
# gantry sync against kubesim, following a bare repository in the test's
# temporary directory (file:// URL: cloned into the cache and fetched, as
# a remote would be). Intervals are 1 s; "within one interval" allows the
# apply's own time and a slower build (ASan) on top. What the loop must
# do is issue 9's list; what it shows is gantry-sync(1)'s.

setup() {
	load helpers
	cd "$BATS_TEST_TMPDIR"
	export XDG_CACHE_HOME=$BATS_TEST_TMPDIR/cache
	AUDIT=$BATS_TEST_TMPDIR/audit.log
	SYNC_PID=
	git init -q --bare origin.git
	git -C origin.git symbolic-ref HEAD refs/heads/main
	git init -q -b main work
	mkdir -p work/apps/web/manifests work/apps/api/manifests
	cat > work/gantry.yaml <<'EOF'
apiVersion: gantry.dev/v1alpha1
kind: Repository
spec:
  apps: ["apps/*"]
  defaults: {prune: true, timeout: 30s}
EOF
	cat > work/apps/web/app.yaml <<'EOF'
apiVersion: gantry.dev/v1alpha1
kind: App
metadata: {name: web}
spec:
  namespace: shop
  createNamespace: true
  sources:
    - manifests: manifests/
EOF
	cat > work/apps/api/app.yaml <<'EOF'
apiVersion: gantry.dev/v1alpha1
kind: App
metadata: {name: api}
spec:
  namespace: api
  createNamespace: true
  sources:
    - manifests: manifests/
EOF
	set_color blue
	cat > work/apps/web/manifests/web.yaml <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.25"}]
EOF
	set_api one
	commit "first"
	kubesim_start --audit-log "$AUDIT"
}

teardown() {
	sync_stop || true
	kubesim_stop
}

set_color() {
	cat > work/apps/web/manifests/settings.yaml <<EOF
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {color: $1}
EOF
}

set_api() {
	cat > work/apps/api/manifests/api.yaml <<EOF
apiVersion: v1
kind: ConfigMap
metadata: {name: api}
data: {version: $1}
EOF
}

commit() {
	git -C work add -A
	git -C work -c user.name=t -c user.email=t@example.com commit -qm "$1"
	git -C work push -q "$BATS_TEST_TMPDIR/origin.git" main
}

# sync_start ARGS...: gantry sync in the background, following main, its
# HTTP server on a free port (SYNC_URL, read from its log)
sync_start() {
	local before
	before=$(grep -c 'serving http' sync.out 2>/dev/null || true)
	"$GANTRY" sync --repo "file://$BATS_TEST_TMPDIR/origin.git" \
		--branch main --listen 127.0.0.1:0 "$@" \
		>>sync.out 2>>sync.err &
	SYNC_PID=$!
	local i
	for i in $(seq 1 200); do
		SYNC_URL=$(grep -o 'serving http://[0-9.:]*' sync.out |
			sed -n "$((${before:-0} + 1))p" | cut -d' ' -f2)
		[ -n "$SYNC_URL" ] && return 0
		if ! kill -0 "$SYNC_PID" 2>/dev/null; then
			cat sync.err >&2
			return 1
		fi
		sleep 0.05
	done
	return 1
}

# SIGTERM, and gantry's exit status
sync_stop() {
	[ -n "${SYNC_PID:-}" ] || return 0
	kill -TERM "$SYNC_PID" 2>/dev/null
	local status=0
	wait "$SYNC_PID" || status=$?
	SYNC_PID=
	return "$status"
}

# eventually MS CMD...: CMD succeeds within MS milliseconds
eventually() {
	local deadline=$(($(date +%s%3N) + $1))
	shift
	until "$@"; do
		[ "$(date +%s%3N)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# a field of a live object, read straight from kubesim
live() { # PATH JQ
	curl -s "$KUBESIM_URL$1" | jq -r "$2"
}
color() { live /api/v1/namespaces/shop/configmaps/settings .data.color; }
color_is() { [ "$(color)" = "$1" ]; }
ready() { curl -sf "$SYNC_URL/readyz" >/dev/null; }
status_of() { # APP FIELD
	curl -s "$SYNC_URL/status" |
		jq -r --arg a "$1" ".apps[] | select(.name == \$a) | .$2"
}
state_is() { [ "$(status_of "$1" sync)" = "$2" ]; }
metric() { # SERIES
	curl -s "$SYNC_URL/metrics" | awk -v s="$1" '$1 == s { print $2 }'
}
in_log() { grep -qF -- "$1" sync.out; }

# "VERB PATH" of every write kubesim served
write_count() {
	jq -r 'select(.verb == "create" or .verb == "update" or
		.verb == "patch" or .verb == "delete") | .path' "$AUDIT" |
		wc -l
}

head_commit() { git -C work rev-parse HEAD; }

@test "sync: the first pass applies every app; /healthz, /readyz, /status" {
	sync_start --interval 1s --drift-interval 0
	run curl -s "$SYNC_URL/healthz"
	assert_output ok
	eventually 10000 ready
	assert_equal "$(color)" blue
	assert_equal "$(live /api/v1/namespaces/api/configmaps/api .data.version)" one
	run curl -s "$SYNC_URL/status"
	assert_success
	local c
	c=$(head_commit)
	run jq -c '[.branch, .commit == "'"$c"'", .ready, .lastFetchError,
		(.apps[] | [.name, .commit == "'"$c"'", .sync, .health,
			    .objects.Healthy, .lastError, .failures])]' \
		<<<"$output"
	assert_output '["main",true,true,null,["api",true,"InSync","Healthy",2,null,0],["web",true,"InSync","Healthy",3,null,0]]'
	run curl -s -o /dev/null -w '%{http_code}' "$SYNC_URL/nothing"
	assert_output 404
	local stopped=0
	sync_stop || stopped=$?
	assert_equal "$stopped" 0
	assert_equal "$(grep -c ' sync: stopped by a signal; inventories are written$' sync.out)" 1
}

@test "sync: a commit pushed is applied within one interval, and only the app it changes" {
	sync_start --interval 1s --drift-interval 0
	eventually 10000 ready
	local before
	before=$(write_count)
	set_color green
	commit "green"
	eventually 3000 color_is green
	eventually 2000 in_log "web: synced to $(head_commit | cut -c1-12)"
	# api was not touched: no apply of it, not a request written
	run grep -c "api: applying" sync.out
	assert_output 1
	assert_equal "$(status_of api commit)" "$(head_commit)"
	# the ConfigMap and web's inventory: two writes
	assert_equal "$(($(write_count) - before))" 2
}

@test "sync: a signed webhook makes the fetch immediate; unsigned ones are refused" {
	sync_start --interval 1h --drift-interval 0 --webhook-secret s3cr3t
	eventually 10000 ready
	set_color green
	commit "green"
	local body='{"ref":"refs/heads/main"}' sig
	sig=sha256=$(printf %s "$body" | openssl dgst -sha256 -hmac s3cr3t |
		sed 's/^.*= //')
	run curl -s -w ' %{http_code}' -X POST -d "$body" "$SYNC_URL/hooks/git"
	assert_output 'no X-Hub-Signature-256 header
 401'
	run curl -s -w ' %{http_code}' -X POST -d "$body" \
		-H "X-Hub-Signature-256: sha256=$(printf '%064d' 0)" \
		"$SYNC_URL/hooks/git"
	assert_output 'X-Hub-Signature-256 does not match the body
 403'
	sleep 1.5
	assert_equal "$(color)" blue  # an hour to the next fetch
	run curl -s -w ' %{http_code}' -X POST -d "$body" \
		-H "X-Hub-Signature-256: $sig" "$SYNC_URL/hooks/git"
	assert_output 'fetching
 202'
	eventually 3000 color_is green
	# the secret never shows
	run grep -c s3cr3t sync.out sync.err
	assert_output 'sync.out:0
sync.err:0'
}

@test "sync: SIGHUP reads the webhook secret file again" {
	echo first > secret
	sync_start --interval 1h --drift-interval 0 --webhook-secret-file secret
	eventually 10000 ready
	hook() { # SECRET: the status of a call signed with it
		local sig
		sig=sha256=$(printf '{}' | openssl dgst -sha256 -hmac "$1" | sed 's/^.*= //')
		curl -s -o /dev/null -w '%{http_code}' -X POST -d '{}' \
			-H "X-Hub-Signature-256: $sig" "$SYNC_URL/hooks/git"
	}
	assert_equal "$(hook first)" 202
	echo second > secret
	kill -HUP "$SYNC_PID"
	eventually 3000 in_log "sync: SIGHUP: reading the configuration again"
	reloaded() { [ "$(hook second)" = 202 ]; }
	eventually 3000 reloaded
	assert_equal "$(hook first)" 403
	# a bad one is refused and the last good one stays
	: > secret
	kill -HUP "$SYNC_PID"
	eventually 3000 in_log "reload failed (the old configuration stays): secret: the webhook secret is empty"
	assert_equal "$(hook second)" 202
	run grep -c "second\|first" sync.out
	assert_output 0
}

@test "sync: a change made with kubectl is reverted within the drift interval" {
	require_kubectl
	sync_start --interval 1s --drift-interval 1s
	eventually 10000 ready
	kubectl -n shop patch configmap settings -p '{"data":{"color":"red"}}'
	eventually 4000 color_is blue
	eventually 2000 in_log "web: drift: 1 change from $(head_commit | cut -c1-12); applying again"
	eventually 2000 state_is web InSync
	assert_equal "$(metric 'gantry_app_drift_corrections_total{app="web"}')" 1
	assert_equal "$(metric 'gantry_app_drift_detected_total{app="web"}')" 1
	assert_equal "$(metric 'gantry_app_drift_corrections_total{app="api"}')" 0
}

@test "sync: with --no-self-heal drift is only reported" {
	require_kubectl
	sync_start --interval 1s --drift-interval 1s --no-self-heal
	eventually 10000 ready
	local before
	before=$(write_count)
	kubectl -n shop patch configmap settings -p '{"data":{"color":"red"}}'
	eventually 4000 state_is web OutOfSync
	in_log "web: drift: 1 change from $(head_commit | cut -c1-12) (self-heal is off)"
	sleep 2
	assert_equal "$(color)" red
	assert_equal "$(write_count)" "$((before + 1))"  # kubectl's patch
	assert_equal "$(metric 'gantry_app_sync_status{app="web",status="OutOfSync"}')" 1
	assert_equal "$(metric 'gantry_app_drift_corrections_total{app="web"}')" 0
	# put back by hand: in sync again
	kubectl -n shop patch configmap settings -p '{"data":{"color":"blue"}}'
	eventually 4000 state_is web InSync
}

@test "sync: an object deleted by hand comes back" {
	require_kubectl
	sync_start --interval 1s --drift-interval 1s
	eventually 10000 ready
	local uid
	uid=$(live /apis/apps/v1/namespaces/shop/deployments/web .metadata.uid)
	kubectl -n shop delete deployment web
	deployment_back() {
		local u
		u=$(live /apis/apps/v1/namespaces/shop/deployments/web .metadata.uid)
		[ "$u" != null ] && [ "$u" != "$uid" ]
	}
	eventually 4000 deployment_back
	eventually 3000 state_is web InSync
	assert_equal "$(status_of web health)" Healthy
}

@test "sync: a broken commit keeps the last good state, shows the error, and the next good commit recovers" {
	sync_start --interval 1s --drift-interval 1s --backoff 1m
	eventually 10000 ready
	local good
	good=$(head_commit)
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {color: [red\n' \
		> work/apps/web/manifests/settings.yaml
	set_api two
	commit "broken web, new api"
	local broken
	broken=$(head_commit)
	eventually 3000 state_is web Error
	# the message is the one `gantry render` gives for the same commit
	run_split gantry render --repo "file://$BATS_TEST_TMPDIR/origin.git" \
		--revision "$broken" web
	assert_failure
	local want=${stderr#error: }
	assert_equal "$(status_of web lastError)" "$want"
	assert_equal "$(status_of web commit)" "$good"
	assert_equal "$(color)" blue
	# one broken app stops no other
	eventually 3000 state_is api InSync
	assert_equal "$(live /api/v1/namespaces/api/configmaps/api .data.version)" two
	assert_equal "$(metric 'gantry_app_sync_status{app="web",status="Error"}')" 1
	assert_equal "$(metric 'gantry_app_sync_failures_total{app="web"}')" 1
	in_log "web: sync failed at $(cut -c1-12 <<<"$broken"): $want; retry in 1m"
	# drift checks leave it alone; the next good commit recovers it
	sleep 1.5
	set_color green
	commit "fixed"
	eventually 3000 color_is green
	eventually 2000 state_is web InSync
	assert_equal "$(status_of web lastError)" null
	assert_equal "$(status_of web commit)" "$(head_commit)"
}

@test "sync: a broken gantry.yaml shows as the commit's error" {
	sync_start --interval 1s --drift-interval 0
	eventually 10000 ready
	printf 'apiVersion: gantry.dev/v1alpha1\nkind: Repository\nspec: {aps: []}\n' \
		> work/gantry.yaml
	commit "broken"
	commit_error() { [ "$(curl -s "$SYNC_URL/status" | jq -r .commitError)" != null ]; }
	eventually 3000 commit_error
	run_split gantry render --repo "file://$BATS_TEST_TMPDIR/origin.git" \
		--revision "$(head_commit)"
	assert_equal "$(curl -s "$SYNC_URL/status" | jq -r .commitError)" "${stderr#error: }"
	assert_equal "$(metric gantry_sync_commit_error)" 1
	assert_equal "$(status_of web sync)" Error
	assert_equal "$(color)" blue
}

@test "sync: restarting the loop does not re-apply" {
	sync_start --interval 1s --drift-interval 1s
	eventually 10000 ready
	eventually 3000 state_is web InSync
	local stopped=0
	sync_stop || stopped=$?
	assert_equal "$stopped" 0
	local writes
	writes=$(write_count)
	sync_start --interval 1s --drift-interval 1s
	eventually 10000 ready
	sleep 2.5  # two fetches and two drift checks
	local stopped=0
	sync_stop || stopped=$?
	assert_equal "$stopped" 0
	assert_equal "$(write_count)" "$writes"
	run grep -c "in sync with $(head_commit | cut -c1-12)" sync.out
	assert_output 2
	run grep -c "applying" sync.out
	assert_output 2  # the first run's, one per app
}

@test "sync: SIGTERM during an apply ends it cleanly with the inventory written" {
	# a ConfigMap that never becomes healthy keeps the apply waiting
	cat >> work/apps/web/app.yaml <<'EOF'
  health:
    - {kind: ConfigMap, name: settings, field: data.color, healthy: [never]}
EOF
	commit "slow"
	sync_start --interval 1s --drift-interval 0
	eventually 10000 in_log "web: phase wait: started"
	local t0=$SECONDS
	local stopped=0
	sync_stop || stopped=$?
	assert_equal "$stopped" 0
	[ $((SECONDS - t0)) -le 5 ]
	in_log "sync: stopped by a signal; inventories are written"
	run live /api/v1/namespaces/shop/configmaps/gantry-inventory-web \
		'.data.outcome, .data.revision'
	assert_output "Interrupted
$(head_commit)"
	run live /api/v1/namespaces/shop/configmaps/gantry-inventory-web .data.objects
	assert_line --partial '"kind":"ConfigMap","name":"settings","namespace":"shop"'
	assert_line --partial '"kind":"Deployment","name":"web","namespace":"shop"'
}

@test "sync: /metrics passes a strict Prometheus text-format parser" {
	sync_start --interval 1s --drift-interval 1s
	eventually 10000 ready
	curl -s -D headers "$SYNC_URL/metrics" > metrics.txt
	grep -qi '^content-type: text/plain; version=0.0.4; charset=utf-8' headers
	run "$(dirname "$GANTRY")/tests/test_promtext" --check metrics.txt
	assert_success
	assert_equal "$(metric 'gantry_app_sync_runs_total{app="web"}')" 1
	assert_equal "$(metric gantry_git_fetch_errors_total)" 0
	assert_equal "$(metric 'gantry_app_objects{app="web",health="Healthy"}')" 3
	assert_equal "$(metric 'gantry_app_apply_duration_seconds_count{app="web"}')" 1
	# the checker is not a rubber stamp
	sed 's/^gantry_sync_ready /gantry_sync_ready{x="1} /' metrics.txt > bad.txt
	run "$(dirname "$GANTRY")/tests/test_promtext" --check bad.txt
	assert_failure
}

@test "sync: a fetch that fails is counted and shown; the cluster stays" {
	sync_start --interval 1s --drift-interval 0
	eventually 10000 ready
	mv origin.git moved.git
	fetch_failed() { [ "$(metric gantry_git_fetch_errors_total)" -ge 1 ]; }
	eventually 3000 fetch_failed
	run bash -c "curl -s '$SYNC_URL/status' | jq -r .lastFetchError"
	assert_output --partial "fetching"
	assert_equal "$(status_of web sync)" InSync
	mv moved.git origin.git
	fetch_ok() { [ "$(curl -s "$SYNC_URL/status" | jq -r .lastFetchError)" = null ]; }
	eventually 3000 fetch_ok
}

@test "sync: --once applies and exits with apply's codes; -o json logs JSON lines" {
	run_split gantry sync --repo "file://$BATS_TEST_TMPDIR/origin.git" \
		--branch main --once -o json
	assert_success
	assert_equal "$(color)" blue
	local events=$output
	# every line an event of schema version 1
	run jq -e -s 'all(.version == 1 and (.event | type) == "string")' <<<"$events"
	assert_success
	run jq -r -s -c '[.[] | select(.event == "app.synced") | .app] | sort' <<<"$events"
	assert_output '["api","web"]'
	run_split gantry sync --repo "file://$BATS_TEST_TMPDIR/origin.git" \
		--branch main --once
	assert_success
	assert_output --partial "web: in sync with $(head_commit | cut -c1-12)"
}

@test "sync: a local bare repository is followed without a clone" {
	sync_start --interval 1s --drift-interval 0
	sync_stop
	"$GANTRY" sync --repo "$BATS_TEST_TMPDIR/origin.git" --branch main \
		--listen 127.0.0.1:0 --interval 1s --drift-interval 0 \
		>local.out 2>&1 &
	SYNC_PID=$!
	set_color green
	commit "green"
	eventually 5000 color_is green
	local stopped=0
	sync_stop || stopped=$?
	assert_equal "$stopped" 0
}

@test "sync: credentials in the repository URL never show" {
	run_split gantry sync --repo "http://bob:hunter22@127.0.0.1:9/x.git" \
		--once --listen 127.0.0.1:0
	assert_failure
	[[ "$output" == *"following the default branch of http://127.0.0.1:9/x.git"* ]]
	[[ "$output" == *"fetch failed: "* ]]
	[[ "$output$stderr" != *hunter22* ]]
}

@test "sync: bad arguments" {
	run_split gantry sync
	assert_failure
	assert_equal "$stderr" "error: --repo URL|DIR is required: the repository to follow
Run 'gantry sync --help' for usage."
	run_split gantry sync --repo x --interval 0
	assert_failure
	assert_equal "${lines[0]:-}${stderr%%$'\n'*}" "error: --interval must be more than 0"
	run_split gantry sync --repo x --backoff 10s --max-backoff 5s
	assert_failure
	run_split gantry sync --repo x --webhook-secret a --webhook-secret-file b
	assert_failure
	run_split gantry sync --repo "file://$BATS_TEST_TMPDIR/origin.git" --listen 127.0.0.1
	assert_failure
	assert_equal "$stderr" "error: --listen 127.0.0.1: give HOST:PORT (127.0.0.1:9090)"
	run_split gantry sync --repo "file://$BATS_TEST_TMPDIR/origin.git" --webhook-secret-file missing
	assert_failure
	assert_equal "$stderr" "error: missing: No such file or directory"
	run_split gantry sync --repo "file://$BATS_TEST_TMPDIR/origin.git" --once nosuchapp
	assert_failure
	assert_output --partial "no app named nosuchapp (apps: api, web)"
}

@test "sync: deploy/ runs gantry sync in a cluster: applied by gantry, probes on /healthz and /readyz" {
	local deploy=$BATS_TEST_DIRNAME/../deploy
	run gantry apply --app gantry-sync --prune "$deploy"
	assert_success
	local d=/apis/apps/v1/namespaces/gantry-system/deployments/gantry-sync
	run live "$d" '.spec.template.spec.containers[0] |
		.livenessProbe.httpGet.path, .readinessProbe.httpGet.path,
		(.ports[0] | "\(.name) \(.containerPort)")'
	assert_output "/healthz
/readyz
http 9090"
	assert_equal "$(live "$d" .spec.template.spec.serviceAccountName)" gantry-sync
	assert_equal "$(live /api/v1/namespaces/gantry-system/services/gantry-sync '.spec.ports[0].targetPort')" http
	assert_equal "$(live /apis/rbac.authorization.k8s.io/v1/clusterrolebindings/gantry-sync '.subjects[0] | "\(.namespace)/\(.name)"')" gantry-system/gantry-sync
	# every option the Deployment gives is one gantry sync takes, and
	# every variable comes from the ConfigMap
	local args
	args=$(live "$d" '.spec.template.spec.containers[0].args[1:][]' |
		sed 's/=.*//')
	for a in $args; do
		gantry sync --help | grep -qF -- "$a " ||
			{ echo "gantry sync has no $a"; return 1; }
	done
	run live "$d" '.spec.template.spec.containers[0].env[] |
		select(.valueFrom) | .valueFrom.configMapKeyRef.key' 
	local keys
	keys=$(live /api/v1/namespaces/gantry-system/configmaps/gantry-sync '.data | keys[]' | sort)
	assert_equal "$(sort <<<"$output")" "$keys"
	# the API server's own validation agrees
	if command -v kubectl >/dev/null; then
		run kubectl apply --dry-run=server -f "$deploy"
		assert_success
	fi
}
