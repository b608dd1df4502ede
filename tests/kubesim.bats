#!/usr/bin/env bats
# kubesim as a process: options, serving, TLS, tokens, the state file, the
# audit log, faults and watches over HTTP (with curl).

setup() {
	load helpers
	command -v curl >/dev/null 2>&1 || skip "curl is not installed"
}

teardown() {
	kubesim_stop
}

@test "kubesim: --help lists every option; --version" {
	run "$KUBESIM" --help
	assert_success
	assert_line --partial "usage: kubesim [OPTIONS]"
	for o in listen kubeconfig-out tls cert key ca token readonly-token \
		state audit-log stages faults tick crd-delay quiet help version; do
		assert_line --partial -- "--$o"
	done
	run "$KUBESIM" --version
	assert_success
	assert_output --regexp '^kubesim [0-9]+\.[0-9]+\.[0-9]+.* \(Kubernetes v1\.32\.0 API\)$'
}

@test "kubesim: a bad option or argument exits 1 with a message" {
	run_split "$KUBESIM" --tick soon
	assert_failure 1
	assert_equal "$stderr" "kubesim: --tick soon: expected a duration such as 100ms or 1s
Run 'kubesim --help' for the options."
	run_split "$KUBESIM" --listen 0.0.0.0:0
	assert_failure 1
	assert_equal "$stderr" "kubesim: --listen 0.0.0.0:0: only loopback addresses (127.0.0.0/8, ::1, localhost)"
}

@test "kubesim: prints its URL, writes the kubeconfig, serves /healthz, stops on SIGTERM" {
	kubesim_start
	[[ $KUBESIM_URL =~ ^http://127\.0\.0\.1:[0-9]+$ ]]
	grep -q "server: $KUBESIM_URL" "$KUBECONFIG"
	run curl -sS "$KUBESIM_URL/healthz"
	assert_output "ok"
	kubesim_stop
}

@test "kubesim: --tls serves HTTPS that verifies with the CA in the kubeconfig" {
	kubesim_start --tls
	[[ $KUBESIM_URL =~ ^https://127\.0\.0\.1:[0-9]+$ ]]
	sed -n 's/^ *certificate-authority-data: //p' "$KUBECONFIG" | base64 -d >"$BATS_TEST_TMPDIR/ca.crt"
	run curl -sS --cacert "$BATS_TEST_TMPDIR/ca.crt" "$KUBESIM_URL/readyz"
	assert_success
	assert_output "ok"
	# the same URL with localhost: the certificate names it too
	run curl -sS --cacert "$BATS_TEST_TMPDIR/ca.crt" "${KUBESIM_URL/127.0.0.1/localhost}/livez"
	assert_output "ok"
}

@test "kubesim: --token refuses other tokens with a 401 Status" {
	kubesim_start --token good
	run curl -sS -H "Authorization: Bearer bad" "$KUBESIM_URL/api/v1/namespaces"
	assert_output '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}'
	run curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer good" "$KUBESIM_URL/api/v1/namespaces"
	assert_output 200
}

@test "kubesim: --readonly-token reads but every write is 403 Forbidden" {
	kubesim_start --token admin --readonly-token viewer
	run curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer viewer" "$KUBESIM_URL/api/v1/namespaces/default/configmaps"
	assert_output 200
	run curl -sS -H "Authorization: Bearer viewer" -H "Content-Type: application/json" \
		-d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}' \
		"$KUBESIM_URL/api/v1/namespaces/default/configmaps"
	assert_output '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps is forbidden: User \"kubesim-readonly\" cannot create resource \"configmaps\" in API group \"\" in the namespace \"default\"","reason":"Forbidden","details":{"kind":"configmaps"},"code":403}'
}

@test "kubesim: --state saves on SIGTERM and loads at start" {
	kubesim_start --state "$BATS_TEST_TMPDIR/state.json"
	run curl -sS -o /dev/null -w '%{http_code}' -H "Content-Type: application/json" \
		-d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"kept"},"data":{"a":"1"}}' \
		"$KUBESIM_URL/api/v1/namespaces/default/configmaps"
	assert_output 201
	kubesim_stop
	kubesim_start --state "$BATS_TEST_TMPDIR/state.json"
	run curl -sS "$KUBESIM_URL/api/v1/namespaces/default/configmaps/kept"
	assert_output --partial '"data":{"a":"1"}'
}

@test "kubesim: --audit-log appends one JSON line per request" {
	kubesim_start --audit-log "$BATS_TEST_TMPDIR/audit.log"
	curl -sS -o /dev/null "$KUBESIM_URL/api/v1/namespaces/default/configmaps?limit=1"
	curl -sS -o /dev/null -X DELETE "$KUBESIM_URL/api/v1/namespaces/default/configmaps/nope"
	kubesim_stop
	run sed -E 's/"time":"[^"]*"/"time":T/' "$BATS_TEST_TMPDIR/audit.log"
	assert_output '{"time":T,"user":"kubesim-admin","verb":"list","path":"/api/v1/namespaces/default/configmaps","query":{"limit":"1"},"code":200}
{"time":T,"user":"kubesim-admin","verb":"delete","path":"/api/v1/namespaces/default/configmaps/nope","query":{},"code":404}'
}

# the status codes of N GETs, one per line
codes() {
	local i
	for i in $(seq 1 "$1"); do
		curl -sS -o /dev/null -w '%{http_code}\n' "$KUBESIM_URL/api/v1/namespaces/default/configmaps" 2>/dev/null ||
			echo "closed"
	done
}

@test "kubesim: --faults with a seed fails the same requests every time" {
	kubesim_start --faults 'rate=0.5,codes=500,503,seed=7'
	first=$(codes 20)
	kubesim_stop
	kubesim_start --faults 'rate=0.5,codes=500,503,seed=7'
	second=$(codes 20)
	assert_equal "$first" "$second"
	# about half fail, with the codes asked for
	[ "$(grep -c 200 <<<"$first")" -ge 4 ]
	[ "$(grep -c -E '500|503' <<<"$first")" -ge 4 ]
	[ -z "$(grep -v -E '^(200|500|503)$' <<<"$first")" ]
}

@test "kubesim: faults change at runtime; 429 carries Retry-After; drop closes without a reply" {
	kubesim_start
	run curl -sS -X POST -d 'rate=1,codes=429,seed=1' "$KUBESIM_URL/kubesim/faults"
	assert_output "ok"
	run curl -sS -D - "$KUBESIM_URL/api/v1/namespaces"
	assert_line --partial "HTTP/1.1 429"
	assert_line --regexp '^Retry-After: 1'
	assert_line --partial '"reason":"TooManyRequests","code":429}'
	run curl -sS -X POST -d 'drop=1' "$KUBESIM_URL/kubesim/faults"
	run curl -sS "$KUBESIM_URL/api/v1/namespaces"
	assert_failure 52 # curl: empty reply from server
	run curl -sS -X POST -d 'rate=3' "$KUBESIM_URL/kubesim/faults"
	assert_output --partial '"message":"faults: rate=3: expected a number from 0 to 1"'
	run curl -sS -X POST -d '' "$KUBESIM_URL/kubesim/faults"
	run curl -sS -o /dev/null -w '%{http_code}' "$KUBESIM_URL/api/v1/namespaces"
	assert_output 200
}

@test "kubesim: a watch streams chunked JSON events, one per line" {
	kubesim_start
	curl -sS -N -D "$BATS_TEST_TMPDIR/headers" \
		"$KUBESIM_URL/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=18&timeoutSeconds=2" \
		>"$BATS_TEST_TMPDIR/events" &
	local watcher=$!
	sleep 0.3
	curl -sS -o /dev/null -H "Content-Type: application/json" \
		-d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"w"}}' \
		"$KUBESIM_URL/api/v1/namespaces/default/configmaps"
	curl -sS -o /dev/null -X DELETE "$KUBESIM_URL/api/v1/namespaces/default/configmaps/w"
	wait "$watcher"
	grep -qi '^Transfer-Encoding: chunked' "$BATS_TEST_TMPDIR/headers"
	# type, name and resourceVersion of each line (metadata keeps the
	# server's order: name, namespace, uid, resourceVersion)
	run sed -E 's/^\{"type":"([A-Z]+)","object":.*"metadata":\{"name":"([^"]*)".*"resourceVersion":"([0-9]+)".*\}$/\1 \2 \3/' "$BATS_TEST_TMPDIR/events"
	assert_output "ADDED w 19
DELETED w 20"
}
