#!/usr/bin/env bats
# make demo's script (demo.sh), in a directory of the test's own: it
# deploys the five systems and leaves kubesim running; run again, it stops
# the first kubesim and starts over; stop stops it.

setup() {
	load helpers
	export DEMO_DIR=$BATS_TEST_TMPDIR/demo
	DEMO=$BATS_TEST_DIRNAME/../demo.sh
	# tests/run sets GANTRY to BUILD/gantry
	export BUILD=${BUILD:-build}
}

teardown() {
	"$DEMO" stop >/dev/null 2>&1 || true
}

# the process has exited (a zombie no one reaped yet counts as gone: the
# test's shell is not its parent)
gone() {
	[ ! -e "/proc/$1" ] || grep -qE '^[0-9]+ \(.*\) Z' "/proc/$1/stat"
}

demo_pid() {
	cat "$DEMO_DIR/kubesim.pid"
}

@test "demo: plan, apply --env dev, status; kubesim keeps running; twice; stop" {
	run_split "$DEMO" start
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	first=$(demo_pid)
	kill -0 "$first"
	# not a terminal: plain lines (their timestamps dropped here)
	out=$(printf '%s\n' "$output" | sed -E 's/^[0-9]{4}-[0-9-]+T[0-9:.]+Z //')
	grep -qx 'Total: 50 to create, 0 to update, 0 to delete, 0 unchanged, in 5 apps.' <<<"$out"
	assert_equal "$(grep -c ': summary: Succeeded: ' <<<"$out")" 5
	assert_equal "$(grep -cE '^[a-z-]+ +[0-9a-f]{12}(-dirty)? +[0-9TZ:-]+ +Succeeded +Synced +Healthy$' <<<"$out")" 5
	grep -qx "  export KUBECONFIG=$DEMO_DIR/kubeconfig" <<<"$out"
	grep -qx 'Stop it with: make demo-stop' <<<"$out"
	# the cluster it leaves answers
	KUBECONFIG=$DEMO_DIR/kubeconfig run gantry status --repo "$GANTRY_TESTDATA/repo" --env dev -o json
	assert_success

	# again: the first kubesim is stopped, a new one starts from nothing
	run_split "$DEMO" start
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	assert_line --index 0 "kubesim ($first) stopped; its state is in $DEMO_DIR/state.json"
	second=$(demo_pid)
	[ "$second" != "$first" ]
	grep -q 'Total: 50 to create' <<<"$output"
	gone "$first"

	run "$DEMO" stop
	assert_success
	assert_output "kubesim ($second) stopped; its state is in $DEMO_DIR/state.json"
	gone "$second"
	[ -s "$DEMO_DIR/state.json" ]
	run "$DEMO" stop
	assert_output "no demo kubesim is running"
}
