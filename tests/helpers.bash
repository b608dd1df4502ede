# Shared by the bats tests: the binary under test and assertion libraries.
# GANTRY is set by tests/run; running a .bats file directly uses build/.
: "${GANTRY:=$BATS_TEST_DIRNAME/../build/gantry}"
: "${GANTRY_TESTDATA:=$BATS_TEST_DIRNAME/../testdata}"
export GANTRY GANTRY_TESTDATA

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

gantry() { "$GANTRY" "$@"; }

bats_require_minimum_version 1.5.0

# run a command with stdout and stderr kept apart: $output is stdout,
# $stderr is stderr
run_split() {
	run --separate-stderr "$@"
}

# kubesim, the API server emulator every cluster-facing test runs against.
# kubesim_start [ARGS...] starts $KUBESIM on 127.0.0.1:0 with a kubeconfig
# in the test's temporary directory (extra ARGS go to kubesim), waits until
# it serves, and exports KUBESIM_URL, KUBECONFIG, KUBECACHEDIR (kubectl's
# discovery cache, kept per test) and KUBESIM_PID. kubesim_stop sends
# SIGTERM and returns kubesim's exit status (non-zero on a leak under ASan).
: "${KUBESIM:=$(dirname "$GANTRY")/kubesim}"
export KUBESIM

kubesim_start() {
	local dir=${BATS_TEST_TMPDIR:-${BATS_RUN_TMPDIR:-/tmp}} i
	export KUBECONFIG=$dir/kubeconfig KUBECACHEDIR=$dir/kube-cache
	rm -f "$dir/kubesim.url"
	"$KUBESIM" --listen 127.0.0.1:0 --kubeconfig-out "$KUBECONFIG" -q "$@" \
		>"$dir/kubesim.url" 2>"$dir/kubesim.err" &
	export KUBESIM_PID=$!
	for i in $(seq 1 200); do
		[ -s "$dir/kubesim.url" ] && break
		if ! kill -0 "$KUBESIM_PID" 2>/dev/null; then
			cat "$dir/kubesim.err" >&2
			return 1
		fi
		sleep 0.05
	done
	export KUBESIM_URL
	KUBESIM_URL=$(head -n 1 "$dir/kubesim.url")
	[ -n "$KUBESIM_URL" ]
}

kubesim_stop() {
	[ -n "${KUBESIM_PID:-}" ] || return 0
	kill -TERM "$KUBESIM_PID" 2>/dev/null
	local status=0
	wait "$KUBESIM_PID" || status=$?
	KUBESIM_PID=
	return "$status"
}

# skip, visibly, a test that needs the machine's kubectl
require_kubectl() {
	command -v kubectl >/dev/null 2>&1 || skip "kubectl is not installed"
}
