#!/usr/bin/env bash
# make demo, make demo-stop: the five systems of testdata/repo deployed to
# kubesim, the API server emulator, on a free loopback port.
#
#   ./demo.sh start    stop a kubesim an earlier demo left, start a fresh
#                      one (state, kubeconfig and log under $BUILD/demo/),
#                      then gantry plan, gantry apply --env dev, gantry
#                      status; kubesim keeps running
#   ./demo.sh stop     stop it (its state is saved in $BUILD/demo/)
#
# The binaries must be built ($BUILD/gantry, $BUILD/kubesim): the Makefile
# does that first. DEMO_DIR replaces $BUILD/demo.
set -euo pipefail
cd "$(dirname "$0")"
BUILD=${BUILD:-build}
# tests point DEMO_DIR elsewhere, to leave a user's demo alone
DIR=${DEMO_DIR:-$PWD/$BUILD/demo}
REPO=testdata/repo
GANTRY=$PWD/$BUILD/gantry
KUBESIM=$PWD/$BUILD/kubesim

# the kubesim a demo started, if it still runs (a pid file can outlive
# its process, and the number be another's by now)
running_pid() {
	local pid
	[ -f "$DIR/kubesim.pid" ] || return 1
	pid=$(cat "$DIR/kubesim.pid")
	[ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = kubesim ] ||
		return 1
	echo "$pid"
}

# Is the process there (and not a zombie no one has reaped yet)?
alive() {
	[ -e "/proc/$1" ] && ! grep -qE '^[0-9]+ \(.*\) Z' "/proc/$1/stat" 2>/dev/null
}

stop() {
	local pid i
	if pid=$(running_pid); then
		kill -TERM "$pid"
		# it saves its state on the way out
		for i in $(seq 1 100); do
			alive "$pid" || break
			sleep 0.1
		done
		echo "kubesim ($pid) stopped; its state is in $DIR/state.json"
	else
		echo "no demo kubesim is running"
	fi
	rm -f "$DIR/kubesim.pid"
}

# Say what runs next, as a shell prompt would show it.
step() {
	printf '\n\033[1m$ %s\033[0m\n' "$*"
}

start() {
	local url="" i pid rc=
	if running_pid >/dev/null; then
		stop
	fi
	# every demo starts from an empty cluster
	rm -rf "$DIR"
	mkdir -p "$DIR"
	# a session of its own: it outlives make and the terminal's ^C
	setsid "$KUBESIM" --listen 127.0.0.1:0 \
		--kubeconfig-out "$DIR/kubeconfig" \
		--state "$DIR/state.json" \
		--stages "$REPO/kubesim-stages.yaml" \
		--audit-log "$DIR/audit.log" -q \
		>"$DIR/kubesim.url" 2>"$DIR/kubesim.log" </dev/null &
	pid=$!
	echo "$pid" >"$DIR/kubesim.pid"
	# up to 30 s: a busy machine, a sanitizer build
	for i in $(seq 1 600); do
		url=$(head -n 1 "$DIR/kubesim.url" 2>/dev/null || true)
		[ -n "$url" ] && break
		# (its name may not be kubesim yet: setsid has to exec it)
		if ! alive "$pid"; then
			cat "$DIR/kubesim.log" >&2
			echo "kubesim did not start" >&2
			exit 1
		fi
		sleep 0.05
	done
	[ -n "$url" ] || { echo "kubesim did not answer" >&2; exit 1; }
	echo "kubesim serves $url (state in $DIR/state.json)"
	export KUBECONFIG=$DIR/kubeconfig
	export XDG_CACHE_HOME=$DIR/cache

	# the whole plan shows every object of every app as YAML: here, the
	# lines that name what happens to which object
	local what='^(App |\+ create |~ update |- delete |Plan: |Total: )'
	step "gantry plan --repo $REPO --env dev | grep -E '$what'"
	"$GANTRY" plan --repo $REPO --env dev | grep -E "$what"

	# whatever apply and status say, kubesim stays for a look around
	step gantry apply --repo $REPO --env dev
	"$GANTRY" apply --repo $REPO --env dev || rc=$?

	step gantry status --repo $REPO --env dev
	"$GANTRY" status --repo $REPO --env dev || rc=${rc:-$?}

	cat <<EOF

kubesim is still running at $url. Try it:

  export KUBECONFIG=$DIR/kubeconfig
  $BUILD/gantry status --repo $REPO --env prod
  $BUILD/gantry apply --repo $REPO --env prod
  kubectl get pods -A

Stop it with: make demo-stop
EOF
	return "${rc:-0}"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
